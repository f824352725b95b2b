import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import {
  buildBundle,
  type EvidencePart,
  type EvidenceRecord,
  missingRanges,
  verifyBundleZip,
} from './bundle';
import {
  type ChainedEvent,
  type CheckpointBody,
  type CheckpointBodyV1,
  type CheckpointEntry,
  canonicalJson,
  chainLink,
  checkpointHash,
  GENESIS,
  merkleProof,
  merkleRoot,
  type SignedCheckpoint,
  sha256Hex,
  verifyMerkleProof,
} from './chain';
import { CompanySigner } from './signer';

const signer = CompanySigner.generate();

function event(streamId: string, version: number, data: unknown): ChainedEvent {
  return {
    eventId: `00000000-0000-4000-8000-${String(version).padStart(12, '0')}`,
    streamId,
    version,
    type: version === 1 ? 'InvoiceIssued' : 'PaymentAllocated',
    data,
    metadata: { correlationId: 'c-1', actor: 'finance-1' },
    recordedAt: `2026-03-0${version}T01:02:03.123456Z`,
  };
}

function chained(events: ChainedEvent[]): EvidenceRecord[] {
  let prev = GENESIS;
  return events.map((e, i) => {
    const link = chainLink(prev, e);
    prev = link.hash;
    return { event: e, chain: { globalPosition: String(i + 1), chainSeq: i + 1, ...link } };
  });
}

const pdf = Buffer.from('%PDF-1.7 a letter of 20 days overdue\n%%EOF\n');

function part(): EvidencePart {
  const records = chained([
    event('invoice-I1', 1, { invoiceId: 'I1', amount: 250000, currency: 'CNY' }),
    event('invoice-I1', 2, { invoiceId: 'I1', amount: 50000 }),
  ]);
  const letter = chained([
    event('message-M1', 1, {
      messageId: 'M1',
      document: { sha256: sha256Hex(pdf), signature: signer.sign(pdf), keyId: signer.keyId },
    }),
  ]);
  const body: CheckpointBody = {
    service: 'invoicing',
    seq: 1,
    previousHash: GENESIS,
    createdAt: '2026-03-05T00:00:00.000Z',
    upToChainSeq: 3,
    entries: [
      { streamId: 'invoice-I1', version: 2, hash: records[1]!.chain.hash },
      { streamId: 'message-M1', version: 1, hash: letter[0]!.chain.hash },
    ],
  };
  const hash = checkpointHash(body);
  return {
    service: 'invoicing',
    publicKeyPem: signer.publicKeyPem,
    keyId: signer.keyId,
    development: true,
    records: [...records, ...letter],
    checkpoints: [{ body, hash, signature: signer.sign(Buffer.from(hash)), keyId: signer.keyId }],
    documents: [
      {
        streamId: 'message-M1',
        version: 1,
        contentBase64: pdf.toString('base64'),
        signature: signer.sign(pdf),
      },
    ],
  };
}

const bundle = (p = part(), generatedAt = new Date('2026-03-06T00:00:00Z'), sealer = signer) =>
  buildBundle({ kind: 'invoice', id: 'I1' }, [p], generatedAt, {
    signer: sealer,
    checkpointIntervalMs: 60_000,
  });

/** The bundle's files with invoice-I1 version 2 rewritten and its chain fields made again. */
function rewritten(): Record<string, Uint8Array> {
  const files = unzipSync(bundle());
  const file = 'invoicing/events/invoice-I1/000002.json';
  const record = JSON.parse(strFromU8(files[file]!)) as EvidenceRecord;
  record.event = { ...record.event, data: { invoiceId: 'I1', amount: 5 } };
  record.chain = { ...record.chain, ...chainLink(record.chain.prevHash, record.event) };
  files[file] = strToU8(JSON.stringify(record));
  return files;
}

/** The bundle with one file changed by `edit`. */
function tampered(zip: Uint8Array, file: string, edit: (bytes: Uint8Array) => Uint8Array): Uint8Array {
  const files = unzipSync(zip);
  if (!files[file]) throw new Error(`no ${file} in the bundle`);
  files[file] = new Uint8Array(edit(files[file]!));
  return zipSync(files);
}

/** Changes the one byte at the first occurrence of `text` (ASCII) in the file: a digit or a letter, so JSON stays JSON. */
const flipAt = (text: string) => (bytes: Uint8Array) => {
  const at = Buffer.from(bytes).indexOf(text);
  if (at < 0) throw new Error(`no ${text} in the file`);
  const copy = Uint8Array.from(bytes);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
};

describe('the hash chain', () => {
  it('canonical JSON sorts keys at every depth, so jsonb key order hashes the same', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 'x' }], c: null }, u: undefined })).toBe(
      '{"a":{"c":null,"d":[2,{"y":"x","z":1}]},"b":1}',
    );
  });

  it("links each event to the previous one's hash: the same events give the same chain, another byte another", () => {
    const a = chained([event('s-1', 1, { x: 1 }), event('s-1', 2, { x: 2 })]);
    const b = chained([event('s-1', 1, { x: 1 }), event('s-1', 2, { x: 2 })]);
    expect(a.map((r) => r.chain.hash)).toEqual(b.map((r) => r.chain.hash));
    expect(a[1]!.chain.prevHash).toBe(a[0]!.chain.hash);
    const c = chained([event('s-1', 1, { x: 3 }), event('s-1', 2, { x: 2 })]);
    expect(c[0]!.chain.hash).not.toBe(a[0]!.chain.hash);
    expect(c[1]!.chain.hash).not.toBe(a[1]!.chain.hash); // an earlier change moves every later hash
  });
});

describe('verify-evidence', () => {
  it('an untouched bundle verifies: every hash, link, checkpoint signature and document', () => {
    const report = verifyBundleZip(bundle());
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({ ok: true, records: 3, checkpoints: 1, documents: 1, uncovered: [] });
  });

  it("one byte changed in an event's data fails, naming the file and the field", () => {
    const report = verifyBundleZip(
      tampered(bundle(), 'invoicing/events/invoice-I1/000002.json', flipAt('50000')),
    );
    expect(report.ok).toBe(false);
    expect(report.failures[0]).toMatchObject({
      file: 'invoicing/events/invoice-I1/000002.json',
      field: 'event.data',
    });
  });

  it("one byte changed in an event's recorded time or type is named too", () => {
    const time = verifyBundleZip(
      tampered(bundle(), 'invoicing/events/invoice-I1/000001.json', flipAt('123456Z')),
    );
    expect(time.failures[0]).toMatchObject({
      file: 'invoicing/events/invoice-I1/000001.json',
      field: 'event.recordedAt',
    });
    const type = verifyBundleZip(
      tampered(bundle(), 'invoicing/events/invoice-I1/000001.json', flipAt('InvoiceIssued')),
    );
    expect(type.failures[0]).toMatchObject({ field: 'event.type' });
  });

  it('an event edited with its digests and hash made again breaks the link to the next one and the checkpoint', () => {
    const p = part();
    const edited = { ...p.records[0]!.event, data: { invoiceId: 'I1', amount: 1, currency: 'CNY' } };
    p.records[0] = { event: edited, chain: { ...p.records[0]!.chain, ...chainLink(GENESIS, edited) } };
    const report = verifyBundleZip(bundle(p));
    expect(report.failures[0]).toMatchObject({
      file: 'invoicing/events/invoice-I1/000002.json',
      field: 'chain.prevHash',
    });
  });

  it("one byte changed in a letter's PDF fails, naming the document", () => {
    const report = verifyBundleZip(
      tampered(bundle(), 'invoicing/documents/message-M1.v1.pdf', flipAt('20 days')),
    );
    expect(report.failures[0]).toMatchObject({
      file: 'invoicing/documents/message-M1.v1.pdf',
      field: 'bytes',
    });
  });

  it("a document signature that is not the company's fails", () => {
    const other = CompanySigner.generate().sign(pdf);
    const report = verifyBundleZip(
      tampered(bundle(), 'invoicing/documents/message-M1.v1.pdf.sig', () => strToU8(`${other}\n`)),
    );
    expect(report.failures[0]).toMatchObject({
      file: 'invoicing/documents/message-M1.v1.pdf.sig',
      field: 'signature',
    });
  });

  it('a checkpoint changed after signing, or signed by another key, fails', () => {
    const body = verifyBundleZip(
      tampered(bundle(), 'invoicing/checkpoints/00000001.json', flipAt('2026-03-05')),
    );
    expect(body.failures[0]).toMatchObject({ file: 'invoicing/checkpoints/00000001.json', field: 'body' });
    const p = part();
    p.checkpoints[0]!.signature = CompanySigner.generate().sign(Buffer.from(p.checkpoints[0]!.hash));
    expect(verifyBundleZip(bundle(p)).failures[0]).toMatchObject({ field: 'signature' });
  });

  it('a bundle whose key and signatures were all replaced verifies only until the trusted key is given', () => {
    const forger = CompanySigner.generate();
    const p = part();
    p.publicKeyPem = forger.publicKeyPem;
    p.keyId = forger.keyId;
    p.checkpoints[0]!.keyId = forger.keyId;
    const doc = (p.records[2]!.event.data as { document: { signature: string; keyId: string } }).document;
    const forged = forger.sign(pdf);
    p.documents[0]!.signature = forged;
    doc.signature = forged;
    doc.keyId = forger.keyId;
    p.records[2] = {
      ...p.records[2]!,
      chain: { ...p.records[2]!.chain, ...chainLink(GENESIS, p.records[2]!.event) },
    };
    (p.checkpoints[0]!.body as CheckpointBodyV1).entries[1]!.hash = p.records[2]!.chain.hash;
    p.checkpoints[0]!.hash = checkpointHash(p.checkpoints[0]!.body);
    p.checkpoints[0]!.signature = forger.sign(Buffer.from(p.checkpoints[0]!.hash));
    const forgedAt = new Date('2026-03-06T00:00:00Z');
    expect(verifyBundleZip(bundle(p, forgedAt, forger)).ok).toBe(true);
    const trusted = verifyBundleZip(bundle(p, forgedAt, forger), { trustedKeyPem: signer.publicKeyPem });
    expect(trusted.failures[0]).toMatchObject({ file: 'manifest.sig', field: 'signature' });
    expect(trusted.failures).toContainEqual(
      expect.objectContaining({ file: 'invoicing/public-key.pem', field: 'key' }),
    );
  });

  it('records chained shortly before the export and after the last checkpoint are not yet anchored, not altered', () => {
    const p = part();
    const more = chained([
      p.records[0]!.event,
      p.records[1]!.event,
      event('invoice-I1', 3, { invoiceId: 'I1', paid: true }),
    ]);
    p.records = [...more, p.records[2]!];
    // version 3 was recorded 2026-03-03T01:02:03Z: a minute later, within two checkpoint intervals.
    const report = verifyBundleZip(bundle(p, new Date('2026-03-03T01:03:03Z')));
    expect(report.failures).toEqual([]);
    expect(report.uncovered).toEqual(['invoicing/events/invoice-I1/000003.json']);
  });

  it('a record no checkpoint covers, older than two checkpoint intervals at the export, fails unless allowed', () => {
    const p = part();
    p.records = [
      ...chained([p.records[0]!.event, p.records[1]!.event, event('invoice-I1', 3, { paid: true })]),
      p.records[2]!,
    ];
    const report = verifyBundleZip(bundle(p));
    expect(report.ok).toBe(false);
    expect(report.failures).toContainEqual(
      expect.objectContaining({
        file: 'invoicing/events/invoice-I1/000003.json',
        field: 'chain',
        message: expect.stringContaining('UNANCHORED'),
      }),
    );
    expect(verifyBundleZip(bundle(p), { allowUnanchored: true }).ok).toBe(true);
  });

  it('a record rewritten with its chain hashes made again and the checkpoint deleted fails, naming both', () => {
    const files = rewritten();
    delete files['invoicing/checkpoints/00000001.json'];
    const report = verifyBundleZip(zipSync(files), { trustedKeyPem: signer.publicKeyPem });
    expect(report.ok).toBe(false);
    expect(report.failures).toContainEqual(
      expect.objectContaining({ file: 'invoicing/checkpoints/00000001.json', field: '(file)' }),
    );
    expect(report.failures).toContainEqual(
      expect.objectContaining({ file: 'invoicing/events/invoice-I1/000002.json', field: 'bytes' }),
    );
  });

  it('every checkpoint deleted fails, and so does a manifest rewritten to list fewer files', () => {
    const files = unzipSync(bundle());
    delete files['invoicing/checkpoints/00000001.json'];
    expect(verifyBundleZip(zipSync(files)).ok).toBe(false);
    const manifest = JSON.parse(strFromU8(files['manifest.json']!)) as { files: Record<string, string> };
    delete manifest.files['invoicing/checkpoints/00000001.json'];
    files['manifest.json'] = strToU8(JSON.stringify(manifest));
    const report = verifyBundleZip(zipSync(files));
    expect(report.ok).toBe(false);
    expect(report.failures[0]).toMatchObject({ file: 'manifest.sig', field: 'signature' });
  });

  it("deleting a stream's newest record fails when a checkpoint signed that head", () => {
    const files = unzipSync(bundle());
    delete files['invoicing/events/invoice-I1/000002.json'];
    const report = verifyBundleZip(zipSync(files));
    expect(report.ok).toBe(false);
    expect(report.failures).toContainEqual({
      file: 'invoicing/checkpoints/00000001.json',
      field: 'entries',
      message: 'MISSING: invoice-I1 version 2 signed by checkpoint 1',
    });
  });

  it('a missing record in the middle of a stream is named', () => {
    const files = unzipSync(bundle());
    delete files['invoicing/events/invoice-I1/000001.json'];
    const report = verifyBundleZip(zipSync(files));
    expect(report.failures[0]).toMatchObject({
      file: 'invoicing/events/invoice-I1/000002.json',
      field: '(file)',
    });
    expect(strFromU8(files['manifest.json']!)).toContain('ar-evidence-bundle/1');
  });
});

describe('streams deleted whole', () => {
  it('consecutive versions chained but not stored are given as ranges', () => {
    expect(
      missingRanges([
        { streamId: 'contact-C1', version: 1 },
        { streamId: 'contact-C1', version: 2 },
        { streamId: 'contact-C1', version: 3 },
        { streamId: 'contact-C1', version: 5 },
        { streamId: 'message-M2', version: 1 },
      ]),
    ).toEqual([
      { streamId: 'contact-C1', from: 1, to: 3 },
      { streamId: 'contact-C1', from: 5, to: 5 },
      { streamId: 'message-M2', from: 1, to: 1 },
    ]);
  });

  it('a stream the service chained whose events are gone from its store fails, named with its versions', () => {
    const p = { ...part(), missing: [{ streamId: 'contact-C1', from: 1, to: 3 }] };
    const report = verifyBundleZip(bundle(p));
    expect(report.ok).toBe(false);
    expect(report.failures).toContainEqual({
      file: 'invoicing/events/contact-C1/',
      field: '(stream)',
      message: 'MISSING: invoicing/contact-C1 versions 1-3 chained but not in the store',
    });
    // The list is in the signed manifest: dropping it breaks the signature.
    const files = unzipSync(bundle(p));
    const manifest = JSON.parse(strFromU8(files['manifest.json']!));
    delete manifest.parts[0].missing;
    files['manifest.json'] = strToU8(JSON.stringify(manifest));
    expect(verifyBundleZip(zipSync(files)).failures.map((f) => f.file)).toContain('manifest.sig');
  });

  it('a message a case says was sent, whose stream the bundle lacks, fails naming the case event', () => {
    const sent = (recordedAt: string): EvidencePart => {
      const [reminder] = chained([
        {
          ...event('case-I1', 1, { invoiceId: 'I1', messageId: 'I1-DUNNING_LETTER', kind: 'DUNNING_LETTER' }),
          type: 'ReminderSent',
          recordedAt,
        },
      ]);
      const p = part();
      return { ...p, records: [...p.records, reminder!] };
    };
    const old = verifyBundleZip(bundle(sent('2026-03-01T00:00:00.000000Z')), { allowUnanchored: true });
    expect(old.failures).toEqual([
      {
        file: 'invoicing/events/case-I1/000001.json',
        field: 'event.data.messageId',
        message: 'MISSING: message-I1-DUNNING_LETTER named by case-I1@1',
      },
    ]);
    // Sent moments before the export: the message's stream is chained just after the case's event.
    const recent = verifyBundleZip(bundle(sent('2026-03-05T23:59:30.000000Z')), { allowUnanchored: true });
    expect(recent.ok).toBe(true);
  });
});

/** The part with its checkpoint in format 2: the Merkle root of its heads and another customer's, and the proofs of its own. */
function partV2(): EvidencePart {
  const p = part();
  const v1 = p.checkpoints[0]!.body as CheckpointBodyV1;
  const heads: CheckpointEntry[] = [
    ...v1.entries,
    { streamId: 'invoice-OTHER', version: 4, hash: sha256Hex('another customer') },
  ];
  const body: CheckpointBody = {
    format: 2,
    service: v1.service,
    seq: v1.seq,
    previousHash: v1.previousHash,
    createdAt: v1.createdAt,
    upToChainSeq: v1.upToChainSeq,
    streams: heads.length,
    merkleRoot: merkleRoot(heads),
  };
  const hash = checkpointHash(body);
  const checkpoint: SignedCheckpoint = {
    body,
    hash,
    signature: signer.sign(Buffer.from(hash)),
    keyId: signer.keyId,
    proofs: ['invoice-I1', 'message-M1'].map((id) => merkleProof(heads, id)!),
  };
  return { ...p, checkpoints: [checkpoint] };
}

describe('checkpoints of format 2: a Merkle root of the heads', () => {
  it('an inclusion proof leads to the root for every leaf of trees of 1 to 9 heads; another index or head does not', () => {
    for (let n = 1; n <= 9; n++) {
      const heads = Array.from({ length: n }, (_, i) => ({
        streamId: `s-${i}`,
        version: i + 1,
        hash: sha256Hex(String(i)),
      }));
      const root = merkleRoot(heads);
      for (const h of heads) {
        const proof = merkleProof(heads, h.streamId)!;
        expect(verifyMerkleProof(proof, n, root)).toBe(true);
        expect(verifyMerkleProof({ ...proof, entry: { ...h, version: h.version + 1 } }, n, root)).toBe(false);
        if (n > 1) expect(verifyMerkleProof({ ...proof, index: (proof.index + 1) % n }, n, root)).toBe(false);
      }
    }
  });

  it("a bundle proves its heads without naming the checkpoint's other streams", () => {
    const zip = bundle(partV2());
    const report = verifyBundleZip(zip);
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({ ok: true, uncovered: [] });
    for (const bytes of Object.values(unzipSync(zip))) expect(strFromU8(bytes)).not.toContain('OTHER');
  });

  it('a stream deleted whole with its chain rows fails when a format-2 checkpoint proves its head', () => {
    // The part asked for message-M1 and carries the proof of its head, but no record of it: gone.
    const p = partV2();
    const report = verifyBundleZip(
      bundle({
        ...p,
        records: p.records.filter((r) => r.event.streamId !== 'message-M1'),
        documents: [],
      }),
    );
    expect(report.failures).toEqual([
      {
        file: 'invoicing/checkpoints/00000001.json',
        field: 'proofs',
        message: 'MISSING: message-M1 version 1 signed by checkpoint 1',
      },
    ]);
  });

  it('a proof tampered with fails, naming the checkpoint', () => {
    const p = partV2();
    const proof = p.checkpoints[0]!.proofs![0]!;
    proof.path[0] = sha256Hex('forged sibling');
    const report = verifyBundleZip(bundle(p));
    expect(report.ok).toBe(false);
    expect(report.failures).toContainEqual(
      expect.objectContaining({ file: 'invoicing/checkpoints/00000001.json', field: 'proofs' }),
    );
  });

  it("deleting a stream's newest record fails when a format-2 checkpoint proved that head", () => {
    const files = unzipSync(bundle(partV2()));
    delete files['invoicing/events/invoice-I1/000002.json'];
    expect(verifyBundleZip(zipSync(files)).failures).toContainEqual({
      file: 'invoicing/checkpoints/00000001.json',
      field: 'entries',
      message: 'MISSING: invoice-I1 version 2 signed by checkpoint 1',
    });
  });
});

describe('signatures by a retired key', () => {
  /** The part as signed by `old`, exported after the company key was rotated to `signer`. */
  function rotated(withRetired: boolean): EvidencePart {
    const old = CompanySigner.generate();
    const p = part();
    const message = p.records[2]!;
    const doc = (message.event.data as { document: { signature: string; keyId: string } }).document;
    doc.signature = old.sign(pdf);
    doc.keyId = old.keyId;
    p.documents[0]!.signature = doc.signature;
    const relinked = chained([message.event])[0]!;
    p.records[2] = relinked;
    const body = p.checkpoints[0]!.body as CheckpointBodyV1;
    body.entries[1]!.hash = relinked.chain.hash;
    const hash = checkpointHash(body);
    p.checkpoints[0] = { body, hash, signature: old.sign(Buffer.from(hash)), keyId: old.keyId };
    if (withRetired) p.retiredKeys = [{ keyId: old.keyId, publicKeyPem: old.publicKeyPem }];
    return p;
  }

  it('a letter and a checkpoint signed before the rotation verify with the retired key the part carries', () => {
    const report = verifyBundleZip(bundle(rotated(true)), { trustedKeyPem: signer.publicKeyPem });
    expect(report.failures).toEqual([]);
    expect(report.keyIds).toHaveLength(2);
  });

  it('without it, each fails naming the key id it lacks', () => {
    const p = rotated(false);
    const report = verifyBundleZip(bundle(p));
    const missing = `KEY MISSING: signed by key ${p.checkpoints[0]!.keyId}`;
    expect(report.failures).toContainEqual(
      expect.objectContaining({
        file: 'invoicing/checkpoints/00000001.json',
        field: 'keyId',
        message: expect.stringContaining(missing),
      }),
    );
    expect(report.failures).toContainEqual(
      expect.objectContaining({
        file: 'invoicing/documents/message-M1.v1.pdf.sig',
        field: 'keyId',
        message: expect.stringContaining(missing),
      }),
    );
  });

  it('a key file added that the signed manifest does not list fails, naming it', () => {
    const files = unzipSync(bundle());
    const other = CompanySigner.generate();
    const file = `invoicing/keys/${other.keyId}.pem`;
    files[file] = strToU8(other.publicKeyPem);
    const report = verifyBundleZip(zipSync(files));
    expect(report.ok).toBe(false);
    expect(report.failures).toContainEqual(expect.objectContaining({ file, field: 'key' }));
  });
});
