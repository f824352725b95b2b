import { NO_STREAM } from '@ar/kernel';
import type { PostgresEventStore } from '@ar/postgres';
import { kafkaPlatform } from '../../../../tests/support/platform';
import { CompanySigner } from './signer';

/** `work`, or a clear failure after `ms` - a relay that never catches up must not hang the suite. */
const within = <T>(work: Promise<T>, ms: number, what: string) =>
  Promise.race([
    work,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms),
    ),
  ]);

/** A service whose store is only chained: no routes, and its relays only when it `publishes`. */
const chained = (schema: string) => ({
  name: 'reporting',
  description: 'a store with many streams to chain',
  defaultPort: 0,
  schema,
  routes() {},
});

// 30,000 heads: 5 MB of JSON, above 1 MB even as gzip compresses it (the hashes hardly compress).
const STREAMS = Array.from({ length: 30_000 }, (_, i) => `invoice-CT-2026-03-M${String(i).padStart(5, '0')}`);

/** An event on each of STREAMS, 500 streams an append. */
async function appendToEveryStream(store: PostgresEventStore) {
  for (let from = 0; from < STREAMS.length; from += 500)
    await store.appendToStreams(
      STREAMS.slice(from, from + 500).map((streamId) => ({
        streamId,
        events: [{ type: 'AmountRecorded', data: { amount: 1 } }],
        expectedVersion: NO_STREAM,
        metadata: { correlationId: 'c-1' },
      })),
    );
}

/**
 * Found by the command-path benchmark over Kafka (#17): after 26,573 invoices in a minute, the
 * first checkpoint named every stream's head - a 3.97 MB event - and the broker refuses a message
 * above 1 MB: the evidence relay tried it again for ever, nothing after it was published and the
 * service never caught up. A checkpoint names at most MAX_STREAMS_PER_CHECKPOINT heads; more
 * streams chained since the last one are signed as several checkpoints in a row.
 */
describe('evidence checkpoints over Kafka after many streams changed', () => {
  it('are each below the broker message limit and all published', async () => {
    const platform = kafkaPlatform('evidence_size', '2026-03-02');
    const signer = CompanySigner.generate();
    const service = await platform.start(
      { ...chained('evidence_size'), publishes: 'reportingKpis' },
      { evidence: { signer, checkpointIntervalMs: 3_600_000 } },
    );
    const { store, pool, evidence } = service.ctx;
    try {
      await appendToEveryStream(store);
      await evidence!.caughtUp();
      const last = await evidence!.checkpoint();
      expect(last).toBeDefined();
      await within(service.caughtUp(), 30_000, 'the evidence relay publishing the checkpoints');

      const { rows } = await pool.query<{
        data: { seq: number; entries: { streamId: string }[] };
        bytes: number;
      }>(
        `select data, length(data::text) as bytes from events
          where event_type = 'EvidenceCheckpointSigned' order by global_position`,
      );
      // 15 or more (a page may hold a checkpoint's own event, chained meanwhile), numbered in a row.
      expect(rows.length).toBeGreaterThanOrEqual(15);
      expect(rows.map((r) => r.data.seq)).toEqual(rows.map((_, i) => i + 1));
      for (const row of rows) {
        expect(row.data.entries.length).toBeLessThanOrEqual(2_000);
        expect(row.bytes).toBeLessThan(1_000_000);
      }
      // Every stream's head in exactly one of them.
      const named = rows
        .flatMap((r) => r.data.entries.map((e) => e.streamId))
        .filter((id) => id.startsWith('invoice-'))
        .sort();
      expect(named).toEqual([...STREAMS].sort());
      expect(last!.body.seq).toBe(rows.length);
    } finally {
      await platform.stop();
    }
  }, 120_000);

  // Adversarial probe (session 13): one checkpoint at a time went out, but checkpoints signed while
  // no relay published (a restart, the relay's lease elsewhere, the broker away) were one send of
  // the relay's page - one record batch of 4 MB on the evidence stream's partition - refused for ever.
  it('are all published when they were signed while nothing published them', async () => {
    const platform = kafkaPlatform('evidence_backlog', '2026-03-02');
    const signer = CompanySigner.generate();
    const fixture = chained('evidence_backlog');
    // Stopped one by one: the platform's stop would stop the first service a second time.
    const first = await platform.start(fixture, { evidence: { signer, checkpointIntervalMs: 3_600_000 } });
    let running = [first];
    try {
      // No relay yet: the chain and its checkpoints only.
      await appendToEveryStream(first.ctx.store);
      await first.ctx.evidence!.caughtUp();
      expect((await first.ctx.evidence!.checkpoint())!.body.seq).toBeGreaterThanOrEqual(15);
      await first.stop();
      running = [];
      // The same store with its relays: the evidence relay finds 15 checkpoints to publish.
      const second = await platform.start(
        { ...fixture, publishes: 'reportingKpis' },
        { evidence: { signer, checkpointIntervalMs: 3_600_000 } },
      );
      running = [second];
      await within(second.caughtUp(), 30_000, 'the evidence relay publishing the backlog of checkpoints');
    } finally {
      for (const service of running) await service.stop();
      await platform.bus.close();
      await platform.notifier.stop();
    }
  }, 120_000);
});
