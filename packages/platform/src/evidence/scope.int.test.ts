import { strFromU8 } from 'fflate';
import { inProcessPlatform } from '../../../../tests/support/platform';
import { buildBundle, unzipBundle, verifyBundleZip } from './bundle';
import { evidencePart } from './follower';
import { CompanySigner } from './signer';

/**
 * A bundle's scope (issue 18 item 4, privacy): a checkpoint signs the heads of every stream chained
 * in its interval, but a bundle for one customer's invoice must not reveal the others' stream ids.
 * The checkpoint signs the Merkle root of its heads; a bundle carries, for each of its own streams,
 * the head and its inclusion proof, not the other heads.
 */
describe("an evidence bundle's scope", () => {
  it("holds no stream id but its own streams', and still proves each head the checkpoint signed", async () => {
    const platform = inProcessPlatform('scope', '2026-03-02');
    const signer = CompanySigner.generate();
    const service = await platform.start(
      {
        name: 'scope-fixture',
        description: 'a store to chain',
        defaultPort: 0,
        schema: 'scope_fixture',
        routes() {},
      },
      { evidence: { signer, checkpointIntervalMs: 3_600_000 } },
    );
    try {
      // Three customers' invoices chained in one checkpoint interval.
      for (const id of ['invoice-OTHER-A', 'invoice-MINE', 'invoice-OTHER-Z'])
        await service.ctx.store.appendToStream(
          id,
          [{ type: 'InvoiceIssued', data: { customerId: `C-${id}` } }],
          {
            expectedVersion: 0,
            metadata: { correlationId: 'c-1' },
          },
        );
      await service.ctx.evidence!.caughtUp();
      expect(await service.ctx.evidence!.checkpoint()).toBeDefined();
      const part = await evidencePart({ service: 'scope-fixture', pool: service.ctx.pool, signer }, [
        'invoice-MINE',
      ]);
      const zip = buildBundle({ kind: 'invoice', id: 'MINE' }, [part], new Date(), {
        signer,
        checkpointIntervalMs: 3_600_000,
      });
      const report = verifyBundleZip(zip);
      expect(report.failures).toEqual([]);
      expect(report.uncovered).toEqual([]); // the head of invoice-MINE is proven by the checkpoint
      const files = unzipBundle(zip);
      for (const [name, bytes] of Object.entries(files)) {
        expect(name).not.toContain('OTHER');
        expect(name.endsWith('.pdf') ? '' : strFromU8(bytes)).not.toContain('OTHER');
      }
    } finally {
      await platform.stop();
    }
  }, 60_000);
});
