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
 * A checkpoint over every chain: the head of each stream changed since the previous checkpoint,
 * chained to that checkpoint by its hash, signed with the company's key.
 */
export interface CheckpointBody {
  service: string;
  seq: number;
  previousHash: string;
  /** When it was made (UTC). */
  createdAt: string;
  /** The chain rows it covers: up to this chain sequence number. */
  upToChainSeq: number;
  entries: CheckpointEntry[];
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
}
