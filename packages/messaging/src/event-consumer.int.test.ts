import { CE, deadLetterTopic } from '@ar/contracts';
import { Kafka, logLevel } from 'kafkajs';
import { eventually, freshStoreSchema, quietLogger, testInfra, unique } from '../../../tests/support/infra';
import { EventConsumer } from './event-consumer';
import { KafkaBus } from './kafka-bus';
import type { BusMessage } from './message-bus';

function message(id: string, data: object): BusMessage {
  return {
    key: 'inv-1',
    value: JSON.stringify(data),
    headers: {
      [CE.id]: id,
      [CE.type]: 'ar.invoicing.InvoiceIssued.v1',
      [CE.subject]: 'invoice-inv-1',
      [CE.time]: '2026-01-05T09:00:00.000Z',
      [CE.sequence]: '1',
    },
  };
}

describe('idempotent consumer over Kafka', () => {
  const { kafkaBrokers } = testInfra();
  let ctx: Awaited<ReturnType<typeof freshStoreSchema>>;
  let bus: KafkaBus;
  beforeAll(async () => {
    ctx = await freshStoreSchema('consumer');
    await ctx.pool.query('create table effects (event_id uuid, amount int)');
    bus = new KafkaBus({
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

  function consumer(name: string, topic: string) {
    return new EventConsumer({
      name,
      topics: [topic],
      bus,
      pool: ctx.pool,
      logger: quietLogger,
      maxAttempts: 2,
      handle: async (client, event) => {
        const { amount } = event.data as { amount: number };
        if (amount < 0) throw new Error(`cannot handle a negative amount ${amount}`);
        await client.query('insert into effects (event_id, amount) values ($1, $2)', [event.eventId, amount]);
      },
    });
  }

  it('has one effect for a message delivered twice', async () => {
    const topic = unique('consumer.dupe');
    const id = '5b0c1f7e-1111-4c1b-9a57-2d4f3c7a0001';
    await bus.publish(topic, [message(id, { amount: 10 }), message(id, { amount: 10 })]);
    const c = consumer(unique('dupe'), topic);
    await c.start();
    await bus.publish(topic, [message(id, { amount: 10 })]); // and once more, in a later batch
    const marker = '5b0c1f7e-1111-4c1b-9a57-2d4f3c7a0002';
    await bus.publish(topic, [message(marker, { amount: 1 })]);
    await eventually(async () => {
      const { rows } = await ctx.pool.query('select 1 from effects where event_id = $1', [marker]);
      return rows.length === 1 ? true : undefined;
    });
    await c.stop();
    const { rows } = await ctx.pool.query('select count(*)::int as n from effects where event_id = $1', [id]);
    expect(rows[0].n).toBe(1);
  });

  it('parks a poison message on the dead-letter topic with its error and goes on', async () => {
    const topic = unique('consumer.poison');
    const name = unique('poison');
    const good1 = '5b0c1f7e-2222-4c1b-9a57-2d4f3c7a0001';
    const poison = '5b0c1f7e-2222-4c1b-9a57-2d4f3c7a0002';
    const good2 = '5b0c1f7e-2222-4c1b-9a57-2d4f3c7a0003';
    await bus.publish(topic, [
      message(good1, { amount: 1 }),
      message(poison, { amount: -1 }),
      message(good2, { amount: 2 }),
    ]);
    const c = consumer(name, topic);
    await c.start();
    await eventually(async () => {
      const { rows } = await ctx.pool.query('select 1 from effects where event_id = $1', [good2]);
      return rows.length === 1 ? true : undefined;
    });
    await c.stop();
    const { rows } = await ctx.pool.query(
      'select event_id from effects where event_id = any($1) order by amount',
      [[good1, poison, good2]],
    );
    expect(rows.map((r) => r.event_id)).toEqual([good1, good2]);

    const kafka = new Kafka({ brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
    const dlq = kafka.consumer({ groupId: unique('dlq-reader') });
    await dlq.connect();
    await dlq.subscribe({ topic: deadLetterTopic(topic, name), fromBeginning: true });
    const parked: Record<string, string>[] = [];
    await dlq.run({
      eachMessage: async ({ message: m }) => {
        parked.push(Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])));
      },
    });
    await eventually(async () => (parked.length > 0 ? true : undefined));
    await dlq.disconnect();
    expect(parked).toHaveLength(1);
    expect(parked[0]![CE.id]).toBe(poison);
    expect(parked[0]!.dlq_error).toBe('cannot handle a negative amount -1');
    expect(parked[0]!.dlq_original_topic).toBe(topic);
  });
});
