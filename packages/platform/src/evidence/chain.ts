import { createHash } from 'node:crypto';
import type { CheckpointTimestamp } from './timestamp';

/**
 * The tamper-evident trail's arithmetic (issue 18 item 4), pure: the same functions chain the
 * events in a service and check a bundle offline (`pnpm verify-evidence`).
 *
 * A stream's chain: hash(n) = SHA-256(hash(n-1) || canonical bytes of event n), hash(0) = 32 zero
 * bytes. The canonical bytes of a stored event are the canonical JSON of the SHA-256 of each of its
 * fields (event id, stream id, version, type, data, metadata, recorded time), so a checker that
 * finds a record's hash wrong can also say which field differs.
 */

/** The previous hash of a stream's first event. */
export const GENESIS = '0'.repeat(64);

/** A stored event as the chain sees it: what the events table holds, JSON and text. */
export interface ChainedEvent {
  eventId: string;
  streamId: string;
  version: number;
  type: string;
  data: unknown;
  metadata: unknown;
  /** The stored recorded time, UTC, to the microsecond (`2026-03-02T01:02:03.456789Z`). */
  recordedAt: string;
}

export const EVENT_FIELDS = [
  'eventId',
  'streamId',
  'version',
  'type',
  'data',
  'metadata',
  'recordedAt',
] as const;
export type EventField = (typeof EVENT_FIELDS)[number];
export type FieldDigests = Record<EventField, string>;

/**
 * JSON with the keys of every object sorted (by UTF-16 code units, as RFC 8785) and no spaces:
 * what PostgreSQL's jsonb gives back in whatever key order hashes the same. `undefined` members
 * are left out as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`${value} is not JSON`);
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function sha256Hex(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The SHA-256 of each field's canonical JSON. */
export function fieldDigests(event: ChainedEvent): FieldDigests {
  return Object.fromEntries(EVENT_FIELDS.map((f) => [f, sha256Hex(canonicalJson(event[f]))])) as FieldDigests;
}

/** hash = SHA-256(previous hash's 32 bytes || canonical JSON of the field digests). */
export function linkHash(previousHash: string, digests: FieldDigests): string {
  if (!/^[0-9a-f]{64}$/.test(previousHash)) throw new Error(`not a SHA-256 hex: ${previousHash}`);
  return createHash('sha256')
    .update(Buffer.from(previousHash, 'hex'))
    .update(canonicalJson(digests))
    .digest('hex');
}

export interface ChainLink {
  prevHash: string;
  hash: string;
  digests: FieldDigests;
}

export function chainLink(previousHash: string, event: ChainedEvent): ChainLink {
  const digests = fieldDigests(event);
  return { prevHash: previousHash, hash: linkHash(previousHash, digests), digests };
}

/** One stream's head as a checkpoint records it. */
export interface CheckpointEntry {
  streamId: string;
  version: number;
  hash: string;
}

/**
 * A checkpoint over every chain: the heads of the streams changed since the previous checkpoint,
 * chained to that checkpoint by its hash, signed with the company's key.
 *
 * Format 1 (the first checkpoints) lists the heads themselves (`entries`): a bundle carrying it
 * shows every stream chained in that interval, other customers' included. Format 2 signs the
 * Merkle root of the heads instead (`merkleRoot`, RFC 6962 over the heads sorted by stream id), and
 * a bundle carries for each of its own streams only that head and its inclusion proof.
 */
interface CheckpointBodyCommon {
  service: string;
  seq: number;
  previousHash: string;
  /** When it was made (UTC). */
  createdAt: string;
  /** The chain rows it covers: up to this chain sequence number. */
  upToChainSeq: number;
}
export interface CheckpointBodyV1 extends CheckpointBodyCommon {
  entries: CheckpointEntry[];
}
export interface CheckpointBodyV2 extends CheckpointBodyCommon {
  format: 2;
  /** How many heads (leaves) the tree has. */
  streams: number;
  /** The RFC 6962 Merkle tree hash of the heads sorted by stream id, hex. */
  merkleRoot: string;
}
export type CheckpointBody = CheckpointBodyV1 | CheckpointBodyV2;

/** One head of a format-2 checkpoint and the path from its leaf to the signed root. */
export interface MerkleProof {
  entry: CheckpointEntry;
  /** The leaf's place among the heads sorted by stream id. */
  index: number;
  /** The audit path, leaf to root (RFC 6962 2.1.1), hex. */
  path: string[];
}

export function checkpointHash(body: CheckpointBody): string {
  return sha256Hex(canonicalJson(body));
}

export interface SignedCheckpoint {
  body: CheckpointBody;
  hash: string;
  /** Ed25519 over the hash's ASCII hex, base64. */
  signature: string;
  keyId: string;
  /** An RFC 3161 timestamp of the hash, when a timestamp authority is configured (TSA_URL). */
  timestamp?: CheckpointTimestamp | undefined;
  /** Format 2, in a bundle: the inclusion proofs of the bundle's own streams' heads. */
  proofs?: MerkleProof[] | undefined;
}

/*
 * The Merkle tree of a checkpoint's heads, RFC 6962 (Certificate Transparency) with SHA-256: leaf =
 * H(0x00 || canonical JSON of {streamId, version, hash}), node = H(0x01 || left || right), split at
 * the largest power of two below n. Written here rather than taken from npm: the maintained JS
 * libraries are Ethereum's (keccak, @openzeppelin/merkle-tree) or hash pairs without RFC 6962's
 * leaf/node prefixes and duplicate an odd last leaf (merkletreejs), which lets two trees share a root.
 */

/** Heads in the tree's order: by stream id, UTF-16 code units (as canonicalJson sorts keys), never a database collation. */
export function sortedHeads(entries: CheckpointEntry[]): CheckpointEntry[] {
  return [...entries].sort((a, b) => (a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0));
}

const leafHash = (e: CheckpointEntry) =>
  createHash('sha256')
    .update(Buffer.from([0]))
    .update(canonicalJson({ streamId: e.streamId, version: e.version, hash: e.hash }))
    .digest();
const nodeHash = (left: Buffer, right: Buffer) =>
  createHash('sha256')
    .update(Buffer.from([1]))
    .update(left)
    .update(right)
    .digest();
/** The largest power of two below n (n >= 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function treeHash(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return createHash('sha256').digest();
  if (leaves.length === 1) return leaves[0]!;
  const k = split(leaves.length);
  return nodeHash(treeHash(leaves.slice(0, k)), treeHash(leaves.slice(k)));
}

function auditPath(m: number, leaves: Buffer[]): Buffer[] {
  if (leaves.length <= 1) return [];
  const k = split(leaves.length);
  return m < k
    ? [...auditPath(m, leaves.slice(0, k)), treeHash(leaves.slice(k))]
    : [...auditPath(m - k, leaves.slice(k)), treeHash(leaves.slice(0, k))];
}

/** The Merkle root of these heads (sorted here), hex. */
export function merkleRoot(entries: CheckpointEntry[]): string {
  return treeHash(sortedHeads(entries).map(leafHash)).toString('hex');
}

/** The inclusion proof of one stream's head among these heads; undefined when the stream is not among them. */
export function merkleProof(entries: CheckpointEntry[], streamId: string): MerkleProof | undefined {
  const sorted = sortedHeads(entries);
  const index = sorted.findIndex((e) => e.streamId === streamId);
  if (index < 0) return undefined;
  const entry = sorted[index]!;
  return {
    entry: { streamId: entry.streamId, version: entry.version, hash: entry.hash },
    index,
    path: auditPath(index, sorted.map(leafHash)).map((h) => h.toString('hex')),
  };
}

/** Whether the proof leads from its head to `root` in a tree of `size` leaves (RFC 9162 2.1.3.2). */
export function verifyMerkleProof(proof: MerkleProof, size: number, root: string): boolean {
  try {
    if (!Number.isInteger(proof.index) || proof.index < 0 || proof.index >= size) return false;
    let fn = proof.index;
    let sn = size - 1;
    let r = leafHash(proof.entry);
    for (const hex of proof.path) {
      if (!/^[0-9a-f]{64}$/.test(hex) || sn === 0) return false;
      const p = Buffer.from(hex, 'hex');
      if (fn % 2 === 1 || fn === sn) {
        r = nodeHash(p, r);
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      } else r = nodeHash(r, p);
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 && r.toString('hex') === root;
  } catch {
    return false; // not a proof
  }
}
