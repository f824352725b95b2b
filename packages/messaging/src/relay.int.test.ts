import type { ChildProcess } from 'node:child_process';
import { CE } from '@ar/contracts';
import { NO_STREAM } from '@ar/kernel';
import { AppendNotifier, loadCheckpoint, PostgresEventStore } from '@ar/postgres';
import { Kafka, logLevel } from 'kafkajs';
import { eventually, freshStoreSchema, quietLogger, testInfra, unique } from '../../../tests/support/infra';
import { spawnTypeScript, stopProcess } from '../../../tests/support/process';
import { createKafkaBus } from './kafka-client';
import { Relay } from './relay';

interface RelayProcess {
  child: ChildProcess;
  /** Resolves when this process took the relay's lease. */
  owner: Promise<void>;
}

function startRelay(env: Record<string, string>): Promise<RelayProcess> {
  const child = spawnTypeScript('tests/support/relay-process.ts', env, ['ignore', 'pipe', 'inherit']);
  let tookLease: () => void = () => {};
  const owner = new Promise<void>((resolve) => {
    tookLease = resolve;
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('lease taken')) tookLease();
      if (chunk.toString().includes('relay started')) resolve({ child, owner });
    });
    child.on('exit', (code) => reject(new Error(`relay process exited with ${code}`)));
  });
}

async function startRelayProcess(env: Record<string, string>): Promise<ChildProcess> {
  return (await startRelay(env)).child;
}

/** Every message on the topic, read from the beginning until `atLeast` distinct event ids arrived. */
async function readTopic(brokers: string[], topic: string, atLeast: number, settleMs = 0) {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: unique('relay-check') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received: { key: string; id: string; seq: number }[] = [];
  await consumer.run({
    eachMessage: async ({ message }) => {
      received.push({
        key: message.key!.toString(),
        id: message.headers![CE.id]!.toString(),
        seq: Number(message.headers![CE.sequence]!.toString()),
      });
    },
  });
  await eventually(
    async () => (new Set(received.map((r) => r.id)).size >= atLeast ? true : undefined),
    30_000,
    'all events on the topic',
  );
  if (settleMs > 0) await new Promise((r) => setTimeout(r, settleMs)); // would a duplicate follow?
  await consumer.disconnect();
  return received;
}

describe('relay from the store to Kafka', () => {
  it('publishes every event, in order per key, though killed with SIGKILL mid-work and restarted', async () => {
    const { kafkaBrokers } = testInfra();
    const { pool, schema, databaseUrl } = await freshStoreSchema('relay');
    const store = new PostgresEventStore(pool, schema);
    const topic = unique('relay.test');
    const env = {
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: kafkaBrokers.join(','),
      SCHEMA: schema,
      TOPIC: topic,
    };

    const streams = 20;
    const perStream = 30;
    const appendAll = (async () => {
      for (let i = 1; i <= perStream; i++) {
        await Promise.all(
          Array.from({ length: streams }, (_, s) =>
            store.appendToStream(
              `invoice-${s}`,
              [{ type: 'InvoiceIssued', data: { invoiceId: `${s}`, seq: i } }],
              { expectedVersion: i === 1 ? NO_STREAM : i - 1, metadata: { correlationId: `c-${s}-${i}` } },
            ),
          ),
        );
      }
    })();

    // Kill the relay three times while it works, then let a last one finish.
    for (let kill = 0; kill < 3; kill++) {
      const relay = await startRelayProcess(env);
      await new Promise((r) => setTimeout(r, 400 + kill * 300));
      await stopProcess(relay, 'SIGKILL');
    }
    await appendAll;
    const last = await startRelayProcess(env);

    const total = streams * perStream;
    const { rows } = await pool.query<{ global_position: string; transaction_id: string }>(
      'select global_position, transaction_id from events order by transaction_id desc, global_position desc limit 1',
    );
    await eventually(
      async () => {
        const cp = await loadCheckpoint(pool, `relay:${topic}`);
        return cp.globalPosition === rows[0]!.global_position ? cp : undefined;
      },
      60_000,
      'relay checkpoint at the last event',
    );
    await stopProcess(last, 'SIGTERM');

    const received = await readTopic(kafkaBrokers, topic, total);
    await pool.end();

    expect(new Set(received.map((r) => r.id)).size).toBe(total);
    // Per key, the first time each event appears follows the stream's order (a re-publish after
    // a crash may repeat a tail of the stream, never reorder it).
    for (let s = 0; s < streams; s++) {
      const firstSeen: number[] = [];
      for (const r of received.filter((m) => m.key === String(s)))
        if (!firstSeen.includes(r.seq)) firstSeen.push(r.seq);
      expect(firstSeen).toEqual(Array.from({ length: perStream }, (_, i) => i + 1));
    }
  });

  it('runs in one of two instances: each event published once, and the standby takes over within seconds of a kill -9', async () => {
    const { kafkaBrokers } = testInfra();
    const { pool, schema, databaseUrl } = await freshStoreSchema('relay2');
    const store = new PostgresEventStore(pool, schema);
    const topic = unique('relay.two');
    const bus = createKafkaBus({ brokers: kafkaBrokers, clientId: 'relay-test', logger: quietLogger });
    await bus.ensureTopics([topic]); // read from before the first publish
    await bus.close();
    const env = {
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: kafkaBrokers.join(','),
      SCHEMA: schema,
      TOPIC: topic,
    };
    const append = (from: number, count: number) =>
      Promise.all(
        Array.from({ length: count }, (_, i) =>
          store.appendToStream(
            `invoice-${from + i}`,
            [{ type: 'InvoiceIssued', data: { invoiceId: `${from + i}` } }],
            {
              expectedVersion: NO_STREAM,
              metadata: { correlationId: `c-${from + i}` },
            },
          ),
        ),
      );
    const first = await startRelay(env);
    await first.owner;
    const second = await startRelay(env);
    await append(0, 200);
    const once = await readTopic(kafkaBrokers, topic, 200, 1500);
    expect(once).toHaveLength(200); // not 400: the standby published nothing

    await stopProcess(first.child, 'SIGKILL');
    const killedAt = Date.now();
    await second.owner;
    const failoverMs = Date.now() - killedAt;
    expect(failoverMs).toBeLessThan(10_000); // a lease retry is 250 ms here; seconds, not minutes
    await append(200, 50);
    const all = await readTopic(kafkaBrokers, topic, 250);
    expect(new Set(all.map((r) => r.id)).size).toBe(250);
    await stopProcess(second.child, 'SIGTERM');
    await pool.end();
  });

  it('publishes a stream in stream order when the transaction that wrote its later events took its id first (cash application)', async () => {
    const { kafkaBrokers } = testInfra();
    const { pool, schema, databaseUrl } = await freshStoreSchema('relay3');
    const store = new PostgresEventStore(pool, schema);
    const topic = unique('relay.order');
    const metadata = { correlationId: 'c-9' };
    // Cash application: the payment's stream first (the transaction takes its id), then - after
    // the invoice was issued by another transaction - the invoice's allocation and payment.
    const cash = await pool.connect();
    await cash.query('begin');
    await store.appendToStream(
      'payment-P-9',
      [{ type: 'PaymentReceived', data: { paymentId: 'P-9' } }],
      { expectedVersion: NO_STREAM, metadata },
      cash,
    );
    await store.appendToStream('invoice-INV-9', [{ type: 'InvoiceIssued', data: { invoiceId: 'INV-9' } }], {
      expectedVersion: NO_STREAM,
      metadata,
    });
    await store.appendToStream(
      'invoice-INV-9',
      [
        { type: 'PaymentAllocated', data: { invoiceId: 'INV-9' } },
        { type: 'InvoicePaid', data: { invoiceId: 'INV-9' } },
      ],
      { expectedVersion: 1, metadata },
      cash,
    );
    await cash.query('commit');
    cash.release();
    const notifier = new AppendNotifier(databaseUrl);
    await notifier.start();
    const bus = createKafkaBus({ brokers: kafkaBrokers, clientId: 'relay-order', logger: quietLogger });
    const relay = new Relay({
      service: 'invoicing',
      topic,
      pool,
      schema,
      bus,
      notifier,
      logger: quietLogger,
    });
    relay.start();
    await relay.caughtUp();
    await relay.stop();
    await bus.close();
    await notifier.stop();
    const received = await readTopic(kafkaBrokers, topic, 3);
    expect(received.filter((r) => r.key === 'INV-9').map((r) => r.seq)).toEqual([1, 2, 3]);
    await pool.end();
  });
});
