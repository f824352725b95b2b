import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inProcessPlatform } from '../../../../tests/support/platform';
import { buildBundle, verifyBundleZip } from './bundle';
import { evidencePart } from './follower';
import { CompanySigner } from './signer';

/**
 * Key rotation (issue 18 item 4): checkpoints signed with the company's key A stay verifiable after
 * the key is rotated to B, as long as the operator keeps A's PUBLIC key among the retired ones
 * (LETTER_SIGNING_RETIRED_KEYS_FILE): the part carries every key its checkpoints name, the manifest
 * (signed by B) lists them, and the verifier checks each checkpoint with the key its keyId names.
 */
describe('evidence after the company key is rotated', () => {
  const dir = mkdtempSync(join(tmpdir(), 'evidence-rotation-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const pem = () =>
    generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  it('checkpoints signed by the retired key verify in a bundle sealed by the new one; without it, they fail naming its key id', async () => {
    const platform = inProcessPlatform('rotation', '2026-03-02');
    const a = CompanySigner.fromEnv({ LETTER_SIGNING_KEY: pem() }, join(dir, 'unused.pem'));
    const service = await platform.start(
      {
        name: 'rotation-fixture',
        description: 'a store to chain',
        defaultPort: 0,
        schema: 'rotation_fixture',
        routes() {},
      },
      { evidence: { signer: a, checkpointIntervalMs: 3_600_000 } },
    );
    try {
      await service.ctx.store.appendToStream('thing-1', [{ type: 'ThingHappened', data: { n: 1 } }], {
        expectedVersion: 0,
        metadata: { correlationId: 'c-1' },
      });
      await service.ctx.evidence!.caughtUp();
      expect((await service.ctx.evidence!.checkpoint())?.keyId).toBe(a.keyId);

      // Rotated: B is the company's key now, A's public key kept as retired.
      const retired = join(dir, 'retired.pem');
      writeFileSync(retired, a.publicKeyPem);
      const bPem = pem();
      const b = CompanySigner.fromEnv(
        { LETTER_SIGNING_KEY: bPem, LETTER_SIGNING_RETIRED_KEYS_FILE: retired },
        join(dir, 'unused.pem'),
      );
      expect(b.keyId).not.toBe(a.keyId);
      const bundle = async (signer: CompanySigner) =>
        buildBundle(
          { kind: 'invoice', id: 'thing-1' },
          [await evidencePart({ service: 'rotation-fixture', pool: service.ctx.pool, signer }, ['thing-1'])],
          new Date(),
          { signer, checkpointIntervalMs: 3_600_000 },
        );
      const rotated = await bundle(b);
      expect(verifyBundleZip(rotated).failures).toEqual([]);
      expect(verifyBundleZip(rotated, { trustedKeyPem: b.publicKeyPem }).failures).toEqual([]);
      // The trusted key is the one that signed the manifest: A (retired) is not.
      expect(verifyBundleZip(rotated, { trustedKeyPem: a.publicKeyPem }).ok).toBe(false);

      // A dropped from the retired list: the checkpoint names a key the bundle lacks.
      const forgotten = CompanySigner.fromEnv({ LETTER_SIGNING_KEY: bPem }, join(dir, 'unused.pem'));
      const report = verifyBundleZip(await bundle(forgotten));
      expect(report.ok).toBe(false);
      expect(report.failures).toContainEqual(
        expect.objectContaining({
          file: 'rotation-fixture/checkpoints/00000001.json',
          field: 'keyId',
          message: expect.stringContaining(a.keyId),
        }),
      );
    } finally {
      await platform.stop();
    }
  }, 60_000);

  it('a retired keys file holding something other than public keys stops the start, naming the variable', () => {
    const bad = join(dir, 'bad.pem');
    writeFileSync(bad, 'not a key\n');
    expect(() =>
      CompanySigner.fromEnv(
        { LETTER_SIGNING_KEY: pem(), LETTER_SIGNING_RETIRED_KEYS_FILE: bad },
        join(dir, 'unused.pem'),
      ),
    ).toThrow(/LETTER_SIGNING_RETIRED_KEYS_FILE/);
  });
});
