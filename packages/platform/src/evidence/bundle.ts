import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import {
  type ChainedEvent,
  type CheckpointEntry,
  canonicalJson,
  checkpointHash,
  EVENT_FIELDS,
  type FieldDigests,
  GENESIS,
  linkHash,
  type SignedCheckpoint,
  sha256Hex,
  verifyMerkleProof,
} from './chain';
import { type CompanySigner, keyIdOf, verifyDetached } from './signer';

/**
 * The evidence bundle (issue 18 item 4): what each service holds of a contract or an invoice -
 * every event with its chain link, the signed checkpoints covering them, the documents sent - in
 * one zip that `pnpm verify-evidence` checks offline.
 *
 *   manifest.json                                  every other file by SHA-256, latest checkpoints, export time
 *   manifest.sig                                   its detached signature with the company's key, base64
 *   <service>/public-key.pem                       the company's current key (its checkpoints and letters now)
 *   <service>/keys/<keyId>.pem                     a retired key some of its checkpoints or letters name
 *   <service>/events/<stream>/<version>.json       { event, chain: { prevHash, hash, digests, ... } }
 *   <service>/checkpoints/<seq>.json               { body, hash, signature, keyId }
 *   <service>/documents/<stream>.v<version>.pdf    the document an event names (data.document.sha256)
 *   <service>/documents/<stream>.v<version>.pdf.sig  its detached signature, base64
 */
export const BUNDLE_FORMAT = 'ar-evidence-bundle/1';

export interface EvidenceRecord {
  event: ChainedEvent;
  chain: {
    /** The event's place in the service's store and in its chain table. */
    globalPosition: string;
    chainSeq: number;
    prevHash: string;
    hash: string;
    digests: FieldDigests;
  };
}

export interface EvidenceDocument {
  streamId: string;
  version: number;
  contentBase64: string;
  signature: string;
}

/** One service's part of a bundle, as its `GET /evidence/parts/...` answers it. */
export interface EvidencePart {
  service: string;
  publicKeyPem: string;
  keyId: string;
  /** A development key: never the company's seal. */
  development: boolean;
  /**
   * The retired keys (before a rotation) that its checkpoints or documents name by keyId, as the
   * service keeps them (LETTER_SIGNING_RETIRED_KEYS_FILE); one it does not keep is not here.
   */
  retiredKeys?: { keyId: string; publicKeyPem: string }[];
  records: EvidenceRecord[];
  checkpoints: SignedCheckpoint[];
  documents: EvidenceDocument[];
  /**
   * Versions of its streams the service chained whose events are no longer in its store (a whole
   * stream deleted leaves no record for the verifier to miss): listed in the signed manifest, and
   * each fails verification.
   */
  missing?: MissingVersions[];
}

/** Versions `from`..`to` of a stream: chained, not in the store. */
export interface MissingVersions {
  streamId: string;
  from: number;
  to: number;
}

/** Consecutive versions as ranges (`[1, 2, 3, 5]` -> 1-3, 5). */
export function missingRanges(rows: { streamId: string; version: number }[]): MissingVersions[] {
  const ranges: MissingVersions[] = [];
  for (const { streamId, version } of rows) {
    const last = ranges.at(-1);
    if (last && last.streamId === streamId && last.to + 1 === version) last.to = version;
    else ranges.push({ streamId, from: version, to: version });
  }
  return ranges;
}

const versionsText = (m: MissingVersions) =>
  m.from === m.to ? `version ${m.from}` : `versions ${m.from}-${m.to}`;

export interface EvidenceSubject {
  kind: 'contract' | 'invoice';
  id: string;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
export const recordFile = (service: string, streamId: string, version: number) =>
  `${service}/events/${streamId}/${pad(version, 6)}.json`;
export const documentFile = (service: string, streamId: string, version: number) =>
  `${service}/documents/${streamId}.v${version}.pdf`;
const retiredKeyFile = (service: string, keyId: string) => `${service}/keys/${keyId}.pem`;
const checkpointFile = (service: string, seq: number) => `${service}/checkpoints/${pad(seq, 8)}.json`;
const json = (value: unknown) => strToU8(`${JSON.stringify(value, null, 2)}\n`);

/** What seals a bundle's manifest: the company's key, and how often the services sign checkpoints. */
export interface BundleSeal {
  signer: CompanySigner;
  checkpointIntervalMs: number;
}

/** The signed manifest's list of files: every other file of the bundle, by SHA-256. */
interface Manifest {
  format: string;
  generatedAt: string;
  checkpointIntervalMs?: number;
  parts: {
    service: string;
    latestCheckpoint?: number | null;
    keyIds?: string[];
    missing?: MissingVersions[];
  }[];
  files?: Record<string, string>;
}

export function buildBundle(
  subject: EvidenceSubject,
  parts: EvidencePart[],
  generatedAt: Date,
  seal: BundleSeal,
): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const part of parts) {
    files[`${part.service}/public-key.pem`] = strToU8(part.publicKeyPem);
    for (const k of part.retiredKeys ?? [])
      files[retiredKeyFile(part.service, k.keyId)] = strToU8(k.publicKeyPem);
    for (const r of part.records)
      files[recordFile(part.service, r.event.streamId, r.event.version)] = json(r);
    for (const c of part.checkpoints) files[checkpointFile(part.service, c.body.seq)] = json(c);
    for (const d of part.documents) {
      const file = documentFile(part.service, d.streamId, d.version);
      files[file] = new Uint8Array(Buffer.from(d.contentBase64, 'base64'));
      files[`${file}.sig`] = strToU8(`${d.signature}\n`);
    }
  }
  // The manifest lists every file by hash and each service's latest checkpoint, and is signed with
  // the company's key: a record, checkpoint or document deleted or rewritten no longer matches it.
  const manifest = json({
    format: BUNDLE_FORMAT,
    subject,
    generatedAt: generatedAt.toISOString(),
    checkpointIntervalMs: seal.checkpointIntervalMs,
    parts: parts.map((p) => ({
      service: p.service,
      keyId: p.keyId,
      // Every key this part's signatures name, vouched for by the current key signing this manifest.
      keyIds: [p.keyId, ...(p.retiredKeys ?? []).map((k) => k.keyId).filter((id) => id !== p.keyId)],
      development: p.development,
      records: p.records.length,
      checkpoints: p.checkpoints.length,
      latestCheckpoint: p.checkpoints.reduce<number | null>((m, c) => Math.max(m ?? 0, c.body.seq), null),
      documents: p.documents.length,
      // What its chain holds that its store no longer does: signed here, so it cannot be dropped.
      ...(p.missing?.length ? { missing: p.missing } : {}),
    })),
    files: Object.fromEntries(
      Object.keys(files)
        .sort()
        .map((f) => [f, sha256Hex(files[f]!)]),
    ),
    verify: 'pnpm verify-evidence <this file> [--key company-public-key.pem] [--allow-unanchored]',
  });
  files['manifest.json'] = manifest;
  files['manifest.sig'] = strToU8(`${seal.signer.sign(Buffer.from(manifest))}\n`);
  return zipSync(files, { level: 6, mtime: generatedAt });
}

export interface Failure {
  file: string;
  /** The field that differs (`event.data`, `chain.prevHash`, `signature`, `bytes`), or what is wrong with the file. */
  field: string;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  /** Every failure, the first altered record first. */
  failures: Failure[];
  records: number;
  checkpoints: number;
  documents: number;
  /** Records not (yet) covered by a checkpoint in the bundle: chained, not anchored. */
  uncovered: string[];
  keyIds: string[];
}

export interface VerifyOptions {
  /** The key to trust (the company's, obtained apart from the bundle): every signature must verify with it. */
  trustedKeyPem?: string | undefined;
  /**
   * Accept records no checkpoint in the bundle covers however old they are (by default one recorded
   * more than two checkpoint intervals before the export fails: its checkpoint was withheld).
   */
  allowUnanchored?: boolean | undefined;
}

/** A bundle's files (name -> bytes). */
export function unzipBundle(zip: Uint8Array): Record<string, Uint8Array> {
  return unzipSync(zip);
}

/** A zip of these files (a test's altered bundle). */
export function zipFiles(files: Record<string, Uint8Array>): Uint8Array {
  return zipSync(files);
}

export function verifyBundleZip(zip: Uint8Array, options: VerifyOptions = {}): VerifyReport {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip);
  } catch (error) {
    return report([
      { file: '(bundle)', field: 'zip', message: `not a readable zip: ${(error as Error).message}` },
    ]);
  }
  return verifyBundle(files, options);
}

function report(failures: Failure[], counts: Partial<VerifyReport> = {}): VerifyReport {
  return {
    ok: failures.length === 0,
    failures,
    records: 0,
    checkpoints: 0,
    documents: 0,
    uncovered: [],
    keyIds: [],
    ...counts,
  };
}

function parse<T>(files: Record<string, Uint8Array>, file: string, failures: Failure[]): T | undefined {
  try {
    return JSON.parse(strFromU8(files[file]!)) as T;
  } catch (error) {
    failures.push({ file, field: '(file)', message: `not valid JSON: ${(error as Error).message}` });
    return undefined;
  }
}

/** Checks every hash, chain link, checkpoint signature and document of a bundle's files. */
export function verifyBundle(files: Record<string, Uint8Array>, options: VerifyOptions = {}): VerifyReport {
  const failures: Failure[] = [];
  if (!files['manifest.json'])
    return report([{ file: 'manifest.json', field: '(file)', message: 'missing: not an evidence bundle' }]);
  const manifest = parse<Manifest>(files, 'manifest.json', failures);
  if (!manifest) return report(failures);
  if (manifest.format !== BUNDLE_FORMAT)
    return report([{ file: 'manifest.json', field: 'format', message: `not ${BUNDLE_FORMAT}` }]);
  const names = Object.keys(files).sort();
  checkManifestSignature(files, names, options, failures);
  const services = [
    ...new Set([
      ...manifest.parts.map((p) => p.service),
      ...names.filter((n) => n.includes('/')).map((n) => n.split('/')[0]!),
    ]),
  ];
  let records = 0;
  let checkpoints = 0;
  let documents = 0;
  const uncovered: string[] = [];
  const keyIds = new Set<string>();

  for (const service of services) {
    const keyFile = `${service}/public-key.pem`;
    const keyBytes = files[keyFile];
    const keyPem = keyBytes ? strFromU8(keyBytes) : undefined;
    if (!keyPem)
      failures.push({
        file: keyFile,
        field: '(file)',
        message: 'missing: nothing of this part can be verified',
      });
    else {
      try {
        keyIds.add(keyIdOf(keyPem));
      } catch {
        failures.push({ file: keyFile, field: '(file)', message: 'not a public key' });
      }
      if (options.trustedKeyPem && keyIdOf(options.trustedKeyPem) !== safeKeyId(keyPem))
        failures.push({ file: keyFile, field: 'key', message: 'not the key you trust (--key)' });
    }
    // The keys this part's signatures may name: its current key and the retired ones it carries,
    // each listed in the manifest the current (with --key: the trusted) key signed.
    const keyring = new Map<string, { pem: string; file: string }>();
    const currentKeyId = keyPem ? safeKeyId(keyPem) : undefined;
    if (keyPem && currentKeyId) keyring.set(currentKeyId, { pem: keyPem, file: keyFile });
    const vouched = manifest.parts.find((p) => p.service === service)?.keyIds;
    for (const file of names.filter((n) => n.startsWith(`${service}/keys/`))) {
      const pem = strFromU8(files[file]!);
      const id = safeKeyId(pem);
      const named = file.slice(`${service}/keys/`.length).replace(/\.pem$/, '');
      if (!id || id !== named)
        failures.push({ file, field: '(file)', message: `not the public key of key id ${named}` });
      else if (vouched && !vouched.includes(id))
        failures.push({
          file,
          field: 'key',
          message: `key ${id} is not among the keys the signed manifest lists`,
        });
      else {
        keyring.set(id, { pem, file });
        keyIds.add(id);
      }
    }
    /** Checks a signature with the key its keyId names (none named: the current key); a failure's text, or undefined. */
    const verifyWith = (
      bytes: Uint8Array,
      signature: string,
      keyId: string | undefined,
    ): string | undefined => {
      const key = keyring.get(keyId ?? currentKeyId ?? '');
      if (!key)
        return `KEY MISSING: signed by key ${keyId ?? '(none named)'}, which the bundle does not carry (a retired key: the service keeps it in LETTER_SIGNING_RETIRED_KEYS_FILE)`;
      return verifyDetached(bytes, signature, key.pem)
        ? undefined
        : `does not verify with ${key.file} (key ${keyId ?? currentKeyId})`;
    };

    // Records, stream by stream, version by version: the first altered one is named first.
    const hashes = new Map<string, Map<number, { hash: string; file: string }>>();
    const streamFiles = names.filter((n) => n.startsWith(`${service}/events/`) && n.endsWith('.json'));
    const byStream = new Map<string, string[]>();
    for (const file of streamFiles) {
      const streamId = file.slice(`${service}/events/`.length).split('/')[0]!;
      byStream.set(streamId, [...(byStream.get(streamId) ?? []), file]);
    }
    const withDocuments: { record: EvidenceRecord; file: string }[] = [];
    const sentMessages: { record: EvidenceRecord; file: string }[] = [];
    for (const [streamId, streamRecordFiles] of byStream) {
      const links = new Map<number, { hash: string; file: string }>();
      hashes.set(streamId, links);
      let previous = GENESIS;
      let expectedVersion = 1;
      for (const file of streamRecordFiles.sort()) {
        records++;
        const record = parse<EvidenceRecord>(files, file, failures);
        if (!record) break;
        const fail = (field: string, message: string) => failures.push({ file, field, message });
        const version = Number(file.split('/').at(-1)!.replace('.json', ''));
        if (version !== expectedVersion) {
          fail('(file)', `version ${expectedVersion} of ${streamId} is missing before this one`);
          break;
        }
        const { event, chain } = record;
        if (!event || !chain?.digests) {
          fail('(file)', 'no event or chain link in it');
          break;
        }
        let altered = false;
        for (const field of EVENT_FIELDS) {
          if (sha256Hex(canonicalJson(event[field])) !== chain.digests[field]) {
            fail(`event.${field}`, `differs from what was chained (SHA-256 ${chain.digests[field]})`);
            altered = true;
            break;
          }
        }
        if (!altered && (event.streamId !== streamId || event.version !== version)) {
          fail(
            'event.version',
            `the file says ${streamId} version ${version}, the event ${event.streamId} ${event.version}`,
          );
          altered = true;
        }
        if (!altered && chain.prevHash !== previous) {
          fail('chain.prevHash', `does not link to the hash of version ${version - 1} (${previous})`);
          altered = true;
        }
        if (!altered && safeLink(chain.prevHash, chain.digests) !== chain.hash) {
          fail('chain.hash', 'is not SHA-256(prevHash || digests)');
          altered = true;
        }
        links.set(version, { hash: chain.hash, file });
        previous = chain.hash;
        expectedVersion++;
        if ((event.data as { document?: { sha256?: unknown } } | null)?.document?.sha256)
          withDocuments.push({ record, file });
        if (
          event.type === 'ReminderSent' &&
          typeof (event.data as { messageId?: unknown })?.messageId === 'string'
        )
          sentMessages.push({ record, file });
      }
    }

    // Streams (or versions) the service chained but no longer has in its store, as its part said.
    for (const m of manifest.parts.find((p) => p.service === service)?.missing ?? [])
      failures.push({
        file: `${service}/events/${m.streamId}/`,
        field: '(stream)',
        message: `MISSING: ${service}/${m.streamId} ${versionsText(m)} chained but not in the store`,
      });
    // A message a case says was sent (ReminderSent) whose own stream the bundle lacks: its letter
    // and delivery are gone (unless it was sent moments before the export: its stream follows it).
    for (const { record, file } of sentMessages) {
      const messageStream = `message-${(record.event.data as { messageId: string }).messageId}`;
      if (hashes.has(messageStream)) continue;
      const sentAt = Date.parse(record.event.recordedAt);
      if (Date.parse(manifest.generatedAt) - sentAt <= 2 * (manifest.checkpointIntervalMs ?? 60_000))
        continue;
      failures.push({
        file,
        field: 'event.data.messageId',
        message: `MISSING: ${messageStream} named by ${record.event.streamId}@${record.event.version}`,
      });
    }

    // Checkpoints: hash, signature, and that each stream's head they name is the chain's.
    const covered = new Map<string, number>();
    for (const file of names.filter((n) => n.startsWith(`${service}/checkpoints/`))) {
      checkpoints++;
      const checkpoint = parse<SignedCheckpoint>(files, file, failures);
      if (!checkpoint) continue;
      if (checkpointHash(checkpoint.body) !== checkpoint.hash) {
        failures.push({
          file,
          field: 'body',
          message: `does not hash to the signed hash ${checkpoint.hash}`,
        });
        continue;
      }
      const unverified = verifyWith(strToU8(checkpoint.hash), checkpoint.signature, checkpoint.keyId);
      if (unverified) {
        failures.push({
          file,
          field: unverified.startsWith('KEY MISSING') ? 'keyId' : 'signature',
          message: unverified,
        });
        continue;
      }
      const proven = !('entries' in checkpoint.body);
      for (const entry of signedHeads(checkpoint, file, failures)) {
        const stream = hashes.get(entry.streamId);
        const link = stream?.get(entry.version);
        if (!link) {
          // A format-1 checkpoint names heads of every stream chained since the one before: one the
          // bundle has no record of is another subject's; one it has records of must reach the head.
          // A format-2 checkpoint proves only the heads of the streams its part asked for: one
          // without records here was deleted whole (its events and its chain rows).
          if (stream || proven)
            failures.push({
              file,
              field: stream ? 'entries' : 'proofs',
              message: `MISSING: ${entry.streamId} version ${entry.version} signed by checkpoint ${checkpoint.body.seq}`,
            });
          continue;
        }
        if (link.hash !== entry.hash) {
          failures.push({
            file: link.file,
            field: 'chain.hash',
            message: `differs from the hash checkpoint ${checkpoint.body.seq} signed (${entry.hash})`,
          });
          continue;
        }
        covered.set(entry.streamId, Math.max(covered.get(entry.streamId) ?? 0, entry.version));
      }
    }
    // A record no checkpoint covers, recorded well before the export (two checkpoint intervals), had
    // a checkpoint signed over it that the bundle does not carry: refused unless allowed.
    const exported = Date.parse(manifest.generatedAt);
    const bound = 2 * (manifest.checkpointIntervalMs ?? 60_000);
    for (const [streamId, links] of hashes)
      for (const [version, link] of links)
        if (version > (covered.get(streamId) ?? 0)) {
          uncovered.push(link.file);
          const recordedAt = Date.parse(recordedAtOf(files, link.file) ?? '');
          if (!options.allowUnanchored && !(exported - recordedAt <= bound))
            failures.push({
              file: link.file,
              field: 'chain',
              message: `UNANCHORED: recorded ${recordedAtOf(files, link.file)}, more than ${bound / 1000} s before the export (${manifest.generatedAt}), and no checkpoint in the bundle covers it (--allow-unanchored to accept)`,
            });
        }

    // Documents: the bytes the event names by hash, and their detached signature.
    for (const { record, file: eventFile } of withDocuments) {
      documents++;
      const named = (
        record.event.data as { document: { sha256: string; signature?: string; keyId?: string } }
      ).document;
      const file = documentFile(service, record.event.streamId, record.event.version);
      const bytes = files[file];
      if (!bytes) {
        failures.push({ file, field: '(file)', message: `missing: ${eventFile} names it` });
        continue;
      }
      if (sha256Hex(bytes) !== named.sha256) {
        failures.push({
          file,
          field: 'bytes',
          message: `SHA-256 differs from event.data.document.sha256 of ${eventFile}`,
        });
        continue;
      }
      const signature = files[`${file}.sig`] ? strFromU8(files[`${file}.sig`]!).trim() : named.signature;
      const unverified = signature ? verifyWith(bytes, signature, named.keyId) : 'missing';
      if (unverified)
        failures.push({
          file: `${file}.sig`,
          field: unverified.startsWith('KEY MISSING') ? 'keyId' : 'signature',
          message: unverified === 'missing' ? 'missing: the document is not signed' : unverified,
        });
    }
  }
  // After the records' own checks, so the first altered record is still named first.
  checkManifestList(files, manifest, names, failures);
  return report(failures, { records, checkpoints, documents, uncovered, keyIds: [...keyIds] });
}

/**
 * The heads a checkpoint signs that the bundle can see: a format-1 checkpoint's entries; a format-2
 * checkpoint's proven heads, each proof checked against the signed Merkle root (one that does not
 * lead there fails and proves nothing).
 */
function signedHeads(checkpoint: SignedCheckpoint, file: string, failures: Failure[]): CheckpointEntry[] {
  const body = checkpoint.body;
  if ('entries' in body) return Array.isArray(body.entries) ? body.entries : [];
  const heads: CheckpointEntry[] = [];
  for (const proof of checkpoint.proofs ?? []) {
    if (verifyMerkleProof(proof, body.streams, body.merkleRoot)) heads.push(proof.entry);
    else
      failures.push({
        file,
        field: 'proofs',
        message: `the proof of ${proof.entry?.streamId} version ${proof.entry?.version} does not lead to the Merkle root checkpoint ${body.seq} signed`,
      });
  }
  return heads;
}

function recordedAtOf(files: Record<string, Uint8Array>, file: string): string | undefined {
  try {
    return (JSON.parse(strFromU8(files[file]!)) as EvidenceRecord).event.recordedAt;
  } catch {
    return undefined;
  }
}

/**
 * The manifest is signed with the company's key (every public key in the bundle, and the trusted
 * one), lists every other file by SHA-256, and names each service's latest checkpoint: a file
 * missing, added or different from the list fails.
 */
function checkManifestSignature(
  files: Record<string, Uint8Array>,
  names: string[],
  options: VerifyOptions,
  failures: Failure[],
): void {
  const signature = files['manifest.sig'] ? strFromU8(files['manifest.sig']!).trim() : undefined;
  // With --key the trusted key must have signed it; without, one of the bundle's own keys (the
  // contract service's, which assembled it: every service's is the company key when configured).
  const keys = options.trustedKeyPem
    ? [options.trustedKeyPem]
    : names.filter((n) => n.endsWith('/public-key.pem')).map((n) => strFromU8(files[n]!));
  const verifies = (key: string) => {
    try {
      return verifyDetached(files['manifest.json']!, signature!, key);
    } catch {
      return false;
    }
  };
  if (!signature)
    failures.push({ file: 'manifest.sig', field: '(file)', message: 'missing: the manifest is not signed' });
  else if (!keys.some(verifies))
    failures.push({
      file: 'manifest.sig',
      field: 'signature',
      message: `does not verify manifest.json with ${options.trustedKeyPem ? 'the trusted key' : "the bundle's keys"}`,
    });
}

function checkManifestList(
  files: Record<string, Uint8Array>,
  manifest: Manifest,
  names: string[],
  failures: Failure[],
): void {
  const listed = manifest.files ?? {};
  for (const [file, hash] of Object.entries(listed)) {
    if (!files[file])
      failures.push({ file, field: '(file)', message: 'missing: the signed manifest lists it' });
    else if (sha256Hex(files[file]!) !== hash)
      failures.push({
        file,
        field: 'bytes',
        message: `SHA-256 differs from the signed manifest's (${hash})`,
      });
  }
  for (const file of names)
    if (file !== 'manifest.json' && file !== 'manifest.sig' && !(file in listed))
      failures.push({ file, field: '(file)', message: 'not in the signed manifest: added' });
  for (const part of manifest.parts) {
    if (part.latestCheckpoint == null) continue;
    const file = checkpointFile(part.service, part.latestCheckpoint);
    if (!files[file])
      failures.push({
        file,
        field: '(file)',
        message: `missing: the signed manifest names checkpoint ${part.latestCheckpoint} as ${part.service}'s latest`,
      });
  }
}

function safeKeyId(pem: string): string | undefined {
  try {
    return keyIdOf(pem);
  } catch {
    return undefined;
  }
}

function safeLink(prevHash: string, digests: FieldDigests): string | undefined {
  try {
    return linkHash(prevHash, digests);
  } catch {
    return undefined;
  }
}
