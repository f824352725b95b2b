import { inTransaction } from '@ar/postgres';
import { Client } from 'pg';
import { inProcessPlatform } from '../../../../tests/support/platform';
import { buildBundle, verifyBundleZip } from './bundle';
import { GENESIS } from './chain';
import { chainEvents, evidencePart } from './follower';
import { CompanySigner } from './signer';

const text = (q: unknown) => (typeof q === 'string' ? q : (q as { text: string }).text);

/**
 * The evidence chain follows every append of a service, in the same process as its commands
 * (#17: the command path over HTTP). It made two statements per event (the stream's previous
 * hash, the link), one after the other; a batch is now three statements whatever its size - the
 * events, the heads of their streams, every link in one insert - and the links are the same.
 */
describe('evidence chain round trips', () => {
  it('chains a batch of 10 events of 5 streams in one read of the heads and one insert, each linked to its stream previous hash', async () => {
    const platform = inProcessPlatform('chain_trips', '2026-03-02');
    const signer = CompanySigner.generate();
    const service = await platform.start(
      {
        name: 'chain-fixture',
        description: 'a store to chain',
        defaultPort: 0,
        schema: 'chain_fixture',
        routes() {},
      },
      { evidence: { signer, checkpointIntervalMs: 3_600_000 } },
    );
    const { store, pool, evidence } = service.ctx;
    const streams = ['A', 'B', 'C', 'D', 'E'].map((s) => `invoice-${s}`);
    // Two events per stream in one transaction: the follower sees them as one batch.
    const appendAll = (from: number) =>
      inTransaction(pool, async (client) => {
        for (const round of [0, 1])
          for (const stream of streams)
            await store.appendToStream(
              stream,
              [{ type: 'AmountRecorded', data: { amount: from + round } }],
              { expectedVersion: from + round, metadata: { correlationId: 'c-1' } },
              client,
            );
      });
    try {
      // The first batch: streams new to the chain.
      const query = jest.spyOn(Client.prototype, 'query');
      try {
        await appendAll(0);
        await evidence!.caughtUp();
        const chainStatements = query.mock.calls
          .map(([q]) => text(q))
          .filter((t) => /evidence_chain/.test(t));
        expect(chainStatements).toHaveLength(2);
        // The second batch: streams whose heads are in the chain already.
        query.mockClear();
        await appendAll(2);
        await evidence!.caughtUp();
        expect(query.mock.calls.map(([q]) => text(q)).filter((t) => /evidence_chain/.test(t))).toHaveLength(
          2,
        );
      } finally {
        query.mockRestore();
      }
      // Each stream's links in order: the first on the genesis hash, each next on the one before.
      const { rows } = await pool.query<{
        stream_id: string;
        version: number;
        prev_hash: string;
        hash: string;
      }>('select stream_id, version, prev_hash, hash from evidence_chain order by stream_id, version');
      expect(rows).toHaveLength(20);
      for (const stream of streams) {
        const links = rows.filter((r) => r.stream_id === stream);
        expect(links.map((l) => l.version)).toEqual([1, 2, 3, 4]);
        expect(links[0]!.prev_hash).toBe(GENESIS);
        for (let i = 1; i < links.length; i++) expect(links[i]!.prev_hash).toBe(links[i - 1]!.hash);
      }
      // And a verifier recomputing every hash from the events agrees.
      await evidence!.checkpoint();
      const part = await evidencePart({ service: 'chain-fixture', pool, signer }, streams);
      const zip = buildBundle({ kind: 'invoice', id: 'A' }, [part], new Date(), {
        signer,
        checkpointIntervalMs: 3_600_000,
      });
      const report = verifyBundleZip(zip);
      expect(report.failures).toEqual([]);
      expect(part.records).toHaveLength(20);
    } finally {
      await platform.stop();
    }
  }, 60_000);

  it('reads the head of each stream of a batch, not the chain, before the chain has statistics', async () => {
    const platform = inProcessPlatform('chain_heads', '2026-03-02');
    const service = await platform.start(
      {
        name: 'chain-fixture',
        description: 'a store to chain',
        defaultPort: 0,
        schema: 'chain_heads',
        routes() {},
      },
      { evidence: { signer: CompanySigner.generate(), checkpointIntervalMs: 3_600_000 } },
    );
    const { store, pool, evidence } = service.ctx;
    const streams = Array.from({ length: 10_000 }, (_, i) => `invoice-H${i}`);
    const appendTo = (ids: string[], expectedVersion: number) =>
      store.appendToStreams!(
        ids.map((streamId) => ({
          streamId,
          events: [{ type: 'AmountRecorded', data: { amount: 1 } }],
          expectedVersion,
          metadata: { correlationId: 'c-1' },
        })),
      );
    const client = await pool.connect();
    try {
      for (let from = 0; from < streams.length; from += 500)
        await appendTo(streams.slice(from, from + 500), 0);
      await evidence!.caughtUp();
      // The follower stopped, the next batch is chained here, in a transaction that counts its reads.
      await evidence!.stop();
      await appendTo(streams.slice(0, 150), 1);
      const { rows } = await pool.query<{ position: string }>(
        `select global_position::text as position from events where stream_position = 2 order by global_position`,
      );
      await client.query('begin');
      await client.query('set local enable_indexonlyscan = off');
      const read = async () =>
        Number(
          (
            await client.query<{ n: string }>(
              `select coalesce((select seq_tup_read + idx_tup_fetch from pg_stat_xact_user_tables
                                 where relid = 'evidence_chain'::regclass), 0)::text as n`,
            )
          ).rows[0]!.n,
        );
      const before = await read();
      await chainEvents(
        client,
        rows.map((r) => r.position),
      );
      const chainRowsRead = (await read()) - before;
      await client.query('rollback');
      // 150 heads: 150 rows through the index, not the 10,000 links (a seq scan before).
      expect(rows).toHaveLength(150);
      expect(chainRowsRead).toBeLessThanOrEqual(2 * 150);
    } finally {
      client.release();
      await platform.stop();
    }
  }, 60_000);
});
