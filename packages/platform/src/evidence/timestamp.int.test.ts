import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inProcessPlatform } from '../../../../tests/support/platform';
import { buildBundle, type EvidencePart, unzipBundle, verifyBundleZip, zipFiles } from './bundle';
import { type CheckpointBody, chainLink, checkpointHash, GENESIS, sha256Hex } from './chain';
import { evidencePart } from './follower';
import { CompanySigner } from './signer';
import { requestTimestamp, verifyBundleTimestamps, verifyTimestamp } from './timestamp';

/**
 * RFC 3161 timestamps of checkpoints (issue 18 item 4, optional). No real timestamp authority
 * can be reached from the test machine, so the stand-in is OpenSSL's own TSA (`openssl ts
 * -reply`) behind a small HTTP server on 127.0.0.1, with a CA and a TSA certificate (extended key
 * usage timeStamping) made for the test: the requests and tokens are real RFC 3161 DER, and
 * `openssl ts -verify` checks what we check.
 */
describe('RFC 3161 timestamps of checkpoints', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsa-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  let server: Server;
  let tsaUrl: string;
  let caPem: string;
  let otherCaPem: string;

  beforeAll(async () => {
    const ca = (name: string) => {
      openssl(
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.crt`,
        '-days',
        '2',
        '-subj',
        `/CN=${name}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      );
      return readFileSync(join(dir, `${name}.crt`), 'utf8');
    };
    caPem = ca('test-tsa-ca');
    otherCaPem = ca('other-ca');
    openssl(
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'tsa.key',
      '-out',
      'tsa.csr',
      '-subj',
      '/CN=Test TSA',
    );
    writeFileSync(
      join(dir, 'tsa-ext.cnf'),
      'extendedKeyUsage=critical,timeStamping\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n',
    );
    openssl(
      'x509',
      '-req',
      '-in',
      'tsa.csr',
      '-CA',
      'test-tsa-ca.crt',
      '-CAkey',
      'test-tsa-ca.key',
      '-CAcreateserial',
      '-out',
      'tsa.crt',
      '-days',
      '2',
      '-extfile',
      'tsa-ext.cnf',
    );
    writeFileSync(join(dir, 'tsaserial'), '01\n');
    writeFileSync(
      join(dir, 'ts.cnf'),
      [
        '[ tsa ]',
        'default_tsa = tsa_config',
        '[ tsa_config ]',
        `serial = ${join(dir, 'tsaserial')}`,
        'crypto_device = builtin',
        `signer_cert = ${join(dir, 'tsa.crt')}`,
        `certs = ${join(dir, 'test-tsa-ca.crt')}`,
        `signer_key = ${join(dir, 'tsa.key')}`,
        'signer_digest = sha256',
        'default_policy = 1.2.3.4.1',
        'digests = sha256',
        'accuracy = secs:1',
        'ordering = yes',
        'tsa_name = yes',
        'ess_cert_id_chain = no',
        'ess_cert_id_alg = sha256',
        '',
      ].join('\n'),
    );
    // The stand-in authority: each request answered by openssl ts -reply.
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const id = randomUUID();
        try {
          writeFileSync(join(dir, `${id}.tsq`), Buffer.concat(chunks));
          openssl('ts', '-reply', '-config', 'ts.cnf', '-queryfile', `${id}.tsq`, '-out', `${id}.tsr`);
          res.writeHead(200, { 'content-type': 'application/timestamp-reply' });
          res.end(readFileSync(join(dir, `${id}.tsr`)));
        } catch (error) {
          res.writeHead(500);
          res.end(String(error));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    tsaUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  const body = Buffer.from('a checkpoint body');
  const hash = sha256Hex(body);

  it("the authority's token names the checkpoint's hash, verifies up to its CA, and openssl agrees", async () => {
    const before = Date.now();
    const ts = await requestTimestamp(tsaUrl, hash);
    expect(Math.abs(new Date(ts.genTime).getTime() - before)).toBeLessThan(60_000);
    expect(await verifyTimestamp(ts, body, caPem)).toEqual({ ok: true, genTime: ts.genTime });
    writeFileSync(join(dir, 'token.der'), Buffer.from(ts.token, 'base64'));
    expect(
      openssl(
        'ts',
        '-verify',
        '-digest',
        hash,
        '-in',
        'token.der',
        '-token_in',
        '-CAfile',
        'test-tsa-ca.crt',
      ).toString(),
    ).toContain('Verification: OK');
  });

  it('a token for another hash, or an authority not under the trusted CA, fails', async () => {
    const ts = await requestTimestamp(tsaUrl, hash);
    expect(await verifyTimestamp(ts, Buffer.from('another body'), caPem)).toMatchObject({
      ok: false,
      failed: 'imprint',
    });
    expect(await verifyTimestamp(ts, body, otherCaPem)).toMatchObject({ ok: false, failed: 'signature' });
  });

  it('a service with TSA_URL timestamps each checkpoint it signs, and its evidence part carries the token', async () => {
    const platform = inProcessPlatform('tsa', '2026-03-02');
    const signer = CompanySigner.generate();
    const service = await platform.start(
      {
        name: 'tsa-fixture',
        description: 'a store to chain',
        defaultPort: 0,
        schema: 'tsa_fixture',
        routes() {},
      },
      { evidence: { signer, checkpointIntervalMs: 3_600_000, tsaUrl } },
    );
    try {
      await service.ctx.store.appendToStream('thing-1', [{ type: 'ThingHappened', data: { n: 1 } }], {
        expectedVersion: 0,
        metadata: { correlationId: 'c-1' },
      });
      await service.ctx.evidence!.caughtUp();
      const signed = await service.ctx.evidence!.checkpoint();
      expect(signed?.timestamp).toMatchObject({ tsa: tsaUrl, genTime: expect.any(String) });
      const { rows } = await service.ctx.pool.query(
        `select data from events where event_type = 'EvidenceCheckpointSigned'`,
      );
      expect(rows[0].data.timestamp.token).toBe(signed!.timestamp!.token);
      const part = await evidencePart({ service: 'tsa-fixture', pool: service.ctx.pool, signer }, [
        'thing-1',
      ]);
      const zip = buildBundle({ kind: 'invoice', id: 'thing-1' }, [part], new Date(), {
        signer,
        checkpointIntervalMs: 3_600_000,
      });
      expect(verifyBundleZip(zip).failures).toEqual([]);
      expect(await verifyBundleTimestamps(unzipBundle(zip), caPem)).toMatchObject({
        failures: [],
        timestamped: [{ file: 'tsa-fixture/checkpoints/00000001.json', tsa: tsaUrl }],
      });
    } finally {
      await platform.stop();
    }
  });

  it("a bundle's timestamped checkpoint verifies; one byte changed in its token fails, naming it", async () => {
    const signer = CompanySigner.generate();
    const event = {
      eventId: '00000000-0000-4000-8000-000000000001',
      streamId: 'invoice-T1',
      version: 1,
      type: 'InvoiceIssued',
      data: { amount: 1 },
      metadata: { correlationId: 'c' },
      recordedAt: '2026-03-01T00:00:00.000000Z',
    };
    const link = chainLink(GENESIS, event);
    const body: CheckpointBody = {
      service: 'invoicing',
      seq: 1,
      previousHash: GENESIS,
      createdAt: '2026-03-01T00:00:01.000Z',
      upToChainSeq: 1,
      entries: [{ streamId: 'invoice-T1', version: 1, hash: link.hash }],
    };
    const checkpoint = checkpointHash(body);
    const part: EvidencePart = {
      service: 'invoicing',
      publicKeyPem: signer.publicKeyPem,
      keyId: signer.keyId,
      development: true,
      records: [{ event, chain: { globalPosition: '1', chainSeq: 1, ...link } }],
      checkpoints: [
        {
          body,
          hash: checkpoint,
          signature: signer.sign(Buffer.from(checkpoint)),
          keyId: signer.keyId,
          timestamp: await requestTimestamp(tsaUrl, checkpoint),
        },
      ],
      documents: [],
    };
    const zip = buildBundle({ kind: 'invoice', id: 'T1' }, [part], new Date(), {
      signer,
      checkpointIntervalMs: 3_600_000,
    });
    expect(verifyBundleZip(zip).ok).toBe(true);
    const good = await verifyBundleTimestamps(unzipBundle(zip), caPem);
    expect(good).toMatchObject({
      failures: [],
      timestamped: [{ file: 'invoicing/checkpoints/00000001.json' }],
    });

    const files = unzipBundle(zip);
    const file = 'invoicing/checkpoints/00000001.json';
    const json = JSON.parse(Buffer.from(files[file]!).toString('utf8'));
    const token = Buffer.from(json.timestamp.token, 'base64');
    token[token.length - 10] = token[token.length - 10]! ^ 0x01; // inside the authority's signature
    json.timestamp.token = token.toString('base64');
    files[file] = new Uint8Array(Buffer.from(JSON.stringify(json)));
    const bad = await verifyBundleTimestamps(unzipBundle(zipFiles(files)), caPem);
    expect(bad.failures[0]).toMatchObject({ file, field: 'timestamp.token' });
  });
});
