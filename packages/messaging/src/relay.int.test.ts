import type { ChildProcess } from 'node:child_process';
import { CE } from '@ar/contracts';
import { NO_STREAM } from '@ar/kernel';
import { loadCheckpoint, PostgresEventStore } from '@ar/postgres';
import { Kafka, logLevel } from 'kafkajs';
import { eventually, freshStoreSchema, testInfra, unique } from '../../../tests/support/infra';
import { spawnTypeScript, stopProcess } from '../../../tests/support/process';

function startRelayProcess(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawnTypeScript('tests/support/relay-process.ts', env, ['ignore', 'pipe', 'inherit']);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('relay started')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`relay process exited with ${code}`)));
  });
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

    const kafka = new Kafka({ brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
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
      async () => (new Set(received.map((r) => r.id)).size >= total ? true : undefined),
      30_000,
      'all events on the topic',
    );
    await consumer.disconnect();
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
});
