import { randomUUID } from 'node:crypto';
import { CE, deadLetterTopic } from '@ar/contracts';
import { ConcurrencyConflict } from '@ar/kernel';
import { Kafka, logLevel } from 'kafkajs';
import { eventually, freshStoreSchema, quietLogger, testInfra, unique } from '../../../tests/support/infra';
import { EventConsumer } from './event-consumer';
import { createKafkaBus } from './kafka-client';
import type { BusMessage, MessageBus } from './message-bus';

/** An event of stream `invoice-<invoice>` at `position`, its previous public one at `previous`. */
function message(
  id: string,
  data: object,
  invoice = 'inv-1',
  position = 1,
  previous = position - 1,
): BusMessage {
  return {
    key: invoice,
    value: JSON.stringify(data),
    headers: {
      [CE.id]: id,
      [CE.type]: 'ar.testing.AmountRecorded.v1', // no contract: the test's own shape
      [CE.subject]: `invoice-${invoice}`,
      [CE.time]: '2026-01-05T09:00:00.000Z',
      [CE.sequence]: String(position),
      [CE.previousSequence]: String(previous),
    },
  };
}

describe('idempotent ordered consumer over Kafka', () => {
  const { kafkaBrokers } = testInfra();
  let ctx: Awaited<ReturnType<typeof freshStoreSchema>>;
  let bus: MessageBus;
  /** Failures the handler is to throw before it succeeds, per event id (a transient outage). */
  const transientFailures = new Map<string, number>();
  /** Events whose handling kills its own database session first, this many times (a restart). */
  const sessionKills = new Map<string, number>();
  /** Poison made good: the code was fixed (for redrive). */
  const fixed = new Set<string>();
  beforeAll(async () => {
    ctx = await freshStoreSchema('consumer');
    await ctx.pool.query(
      'create table effects (seq bigint generated always as identity, consumer text, event_id uuid, amount int)',
    );
    bus = createKafkaBus({
      brokers: kafkaBrokers,
      clientId: 'consumer-test',
      logger: quietLogger,
      partitions: 1,
    });
  });
  afterAll(async () => {
    await bus.close();
    await ctx.pool.end();
  });

  function consumer(name: string, topic: string, groupId = name) {
    return new EventConsumer({
      name,
      groupId,
      topics: [topic],
      bus,
      pool: ctx.pool,
      logger: quietLogger,
      retry: { firstDelayMs: 20, maxDelayMs: 200 },
      handle: async (client, event) => {
        const { amount } = event.data as { amount: number };
        const failuresLeft = transientFailures.get(event.eventId) ?? 0;
        if (failuresLeft > 0) {
          transientFailures.set(event.eventId, failuresLeft - 1);
          throw new ConcurrencyConflict(event.streamId, 1);
        }
        const killsLeft = sessionKills.get(event.eventId) ?? 0;
        if (killsLeft > 0) {
          sessionKills.set(event.eventId, killsLeft - 1);
          await client.query('select pg_terminate_backend(pg_backend_pid())');
        }
        if (amount < 0 && !fixed.has(event.eventId))
          throw new Error(`cannot handle a negative amount ${amount}`);
        await client.query('insert into effects (consumer, event_id, amount) values ($1, $2, $3)', [
          name,
          event.eventId,
          amount,
        ]);
      },
    });
  }
  const effects = async (name: string) =>
    (
      await ctx.pool.query<{ event_id: string; amount: number }>(
        'select event_id, amount from effects where consumer = $1 order by seq',
        [name],
      )
    ).rows;
  const effectOf = async (name: string, id: string) =>
    (await effects(name)).some((e) => e.event_id === id) ? true : undefined;

  it('has one effect for a message delivered twice, and none more after the group is renamed', async () => {
    const topic = unique('consumer.dupe');
    const name = unique('dupe');
    const id = randomUUID();
    await bus.publish(topic, [message(id, { amount: 10 }), message(id, { amount: 10 })]);
    const first = consumer(name, topic);
    await first.start();
    await bus.publish(topic, [message(id, { amount: 10 })]); // and once more, in a later batch
    const marker = randomUUID();
    await bus.publish(topic, [message(marker, { amount: 1 }, 'inv-2')]);
    await eventually(() => effectOf(name, marker));
    await first.stop();
    // A new group name (a GROUP_PREFIX change, a rename) reads the topic from the beginning.
    const renamed = consumer(name, topic, unique('renamed-group'));
    await renamed.start();
    const after = randomUUID();
    await bus.publish(topic, [message(after, { amount: 1 }, 'inv-3')]);
    await eventually(() => effectOf(name, after));
    await renamed.stop();
    expect((await effects(name)).map((e) => e.event_id)).toEqual([id, marker, after]);
  });

  it('handles each stream in order when its events arrive out of order, and skips a regression', async () => {
    const topic = unique('consumer.order');
    const name = unique('order');
    const [e1, e2, e3] = [randomUUID(), randomUUID(), randomUUID()];
    // The order a relay reading by transaction id once published: InvoiceIssued@1 last. Position 2
    // was private (a gap that is no gap): @3 follows @1.
    await bus.publish(topic, [
      message(e3, { amount: 3 }, 'inv-9', 3, 1),
      message(e1, { amount: 1 }, 'inv-9', 1, 0),
      message(e1, { amount: 1 }, 'inv-9', 1, 0), // a repeat, as after a relay crash
    ]);
    const c = consumer(name, topic);
    await c.start();
    await eventually(() => effectOf(name, e3));
    await bus.publish(topic, [message(e2, { amount: 2 }, 'inv-9', 2, 1)]); // below its place: a regression
    const marker = randomUUID();
    await bus.publish(topic, [message(marker, { amount: 9 }, 'inv-9', 4, 3)]);
    await eventually(() => effectOf(name, marker));
    await c.stop();
    expect((await effects(name)).map((e) => e.amount)).toEqual([1, 3, 9]);
  });

  it('retries transient failures for as long as they last, parking nothing', async () => {
    const topic = unique('consumer.transient');
    const name = unique('transient');
    const ids = Array.from({ length: 20 }, () => randomUUID());
    for (const id of ids.slice(0, 8)) transientFailures.set(id, 12); // ~ a second and more of failing
    for (const id of ids.slice(8, 10)) sessionKills.set(id, 2); // the database ends the session
    await bus.publish(
      topic,
      ids.map((id, i) => message(id, { amount: i }, `inv-${i % 4}`, Math.floor(i / 4) + 1)),
    );
    const c = consumer(name, topic);
    await c.start();
    await eventually(async () => ((await effects(name)).length === 20 ? true : undefined), 60_000);
    expect(await c.parked()).toEqual([]);
    await c.stop();
    expect(new Set((await effects(name)).map((e) => e.event_id)).size).toBe(20);
    expect(sessionKills.get(ids[8]!)).toBe(0); // the sessions were really killed, and it went on
  });

  it('parks poison with its error, holds its stream behind it, goes on with other streams, and redrives', async () => {
    const topic = unique('consumer.poison');
    const name = unique('poison');
    const [good1, poison, behind, other] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await bus.publish(topic, [
      message(good1, { amount: 1 }, 'inv-1', 1),
      message(poison, { amount: -1 }, 'inv-1', 2),
      message(behind, { amount: 3 }, 'inv-1', 3), // depends on the poison: waits behind it
      message(other, { amount: 4 }, 'inv-2', 1),
    ]);
    const c = consumer(name, topic);
    await c.start();
    await eventually(() => effectOf(name, other));
    await eventually(async () => ((await c.parked()).length === 1 ? true : undefined));
    expect((await effects(name)).map((e) => e.event_id)).toEqual([good1, other]);
    const [parked] = await c.parked();
    expect(parked).toMatchObject({
      eventId: poison,
      streamId: 'invoice-inv-1',
      position: 2,
      error: 'cannot handle a negative amount -1',
      heldBehind: 1,
    });

    const kafka = new Kafka({ brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
    const dlq = kafka.consumer({ groupId: unique('dlq-reader') });
    await dlq.connect();
    await dlq.subscribe({ topic: deadLetterTopic(topic, name), fromBeginning: true });
    const onTopic: Record<string, string>[] = [];
    await dlq.run({
      eachMessage: async ({ message: m }) => {
        onTopic.push(Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])));
      },
    });
    await eventually(async () => (onTopic.length > 0 ? true : undefined));
    await dlq.disconnect();
    expect(onTopic[0]![CE.id]).toBe(poison);
    expect(onTopic[0]!.dlq_error).toBe('cannot handle a negative amount -1');
    expect(onTopic[0]!.dlq_original_topic).toBe(topic);

    // A redrive that fails again leaves it parked.
    await expect(c.redrive(poison)).rejects.toThrow('negative amount');
    expect(await c.parked()).toHaveLength(1);
    // After the fix, the redrive handles it, then the event held behind it, in order.
    fixed.add(poison);
    expect(await c.redrive(poison)).toBe('handled');
    expect(await c.parked()).toEqual([]);
    await c.stop();
    expect((await effects(name)).map((e) => e.event_id)).toEqual([good1, other, poison, behind]);
  });

  it('lets an operator skip a parked event: its stream goes on past it', async () => {
    const topic = unique('consumer.skip');
    const name = unique('skip');
    const [poison, behind] = [randomUUID(), randomUUID()];
    await bus.publish(topic, [
      message(poison, { amount: -5 }, 'inv-7', 1),
      message(behind, { amount: 6 }, 'inv-7', 2),
    ]);
    const c = consumer(name, topic);
    await c.start();
    await eventually(async () => ((await c.parked()).length === 1 ? true : undefined));
    expect(await c.skip(poison)).toBe('skipped');
    expect(await c.skip(poison)).toBe('not-parked');
    await c.stop();
    // Read again under a renamed group: what was skipped is not parked again.
    const renamed = consumer(name, topic, unique('renamed-group'));
    await renamed.start();
    const marker = randomUUID();
    await bus.publish(topic, [message(marker, { amount: 7 }, 'inv-7', 3)]);
    await eventually(() => effectOf(name, marker));
    expect(await renamed.parked()).toEqual([]);
    await renamed.stop();
    expect((await effects(name)).map((e) => e.event_id)).toEqual([behind, marker]);
  });

  it('parks an event that does not match its contract, never acting on it', async () => {
    const topic = unique('consumer.schema');
    const name = unique('schema');
    const invalid = randomUUID();
    const bad = message(invalid, { invoiceId: 'P-3', amount: 'lots' }, 'P-3');
    bad.headers[CE.type] = 'ar.invoicing.InvoiceIssued.v1';
    await bus.publish(topic, [bad]);
    const c = consumer(name, topic);
    await c.start();
    await eventually(async () => ((await c.parked()).length === 1 ? true : undefined));
    const [parked] = await c.parked();
    await c.stop();
    expect(parked!.errorType).toBe('MalformedMessage');
    expect(parked!.error).toContain('does not match ar.invoicing.InvoiceIssued.v1');
    expect(await effects(name)).toEqual([]);
  });
});
