import { openObject } from '@ar/contracts';
import { z } from 'zod';

/*
 * The OpenAPI description of `GET /evidence/parts/...` (EvidencePart in bundle.ts). Objects are
 * open (`openObject`) and events' data and metadata are passed as stored: the body is written as
 * the part was assembled, so nothing a hash covers is dropped or changed on the way out.
 */
const Hex = z.string().describe('SHA-256, hex');
const Base64 = z.string().describe('base64');

const ChainedEventView = openObject({
  eventId: z.string(),
  streamId: z.string(),
  version: z.number().int(),
  type: z.string(),
  data: z.unknown().describe("the event's data as stored"),
  metadata: z.unknown().describe("the event's metadata as stored"),
  recordedAt: z.string().describe('the stored recorded time, UTC, to the microsecond'),
});

const CheckpointEntryView = openObject({ streamId: z.string(), version: z.number().int(), hash: Hex });

export const EvidencePartView = openObject({
  service: z.string(),
  publicKeyPem: z.string().describe('the Ed25519 public key (PEM) its checkpoints and documents verify with'),
  keyId: z.string(),
  development: z.boolean().describe("a development key: never the company's seal"),
  retiredKeys: z
    .array(openObject({ keyId: z.string(), publicKeyPem: z.string() }))
    .optional()
    .describe('retired keys its checkpoints or documents name, as the service keeps them'),
  records: z.array(
    openObject({
      event: ChainedEventView,
      chain: openObject({
        globalPosition: z.string(),
        chainSeq: z.number().int(),
        prevHash: Hex,
        hash: Hex,
        digests: z.record(z.string(), Hex).describe("each field's digest"),
      }),
    }),
  ),
  checkpoints: z.array(
    openObject({
      body: openObject({
        service: z.string(),
        seq: z.number().int(),
        previousHash: z.string(),
        createdAt: z.string(),
        upToChainSeq: z.number().int(),
        entries: z.array(CheckpointEntryView).optional().describe('format 1: the heads'),
        format: z.literal(2).optional(),
        streams: z.number().int().optional().describe('format 2: how many heads'),
        merkleRoot: Hex.optional().describe('format 2: the RFC 6962 Merkle tree hash of the heads'),
      }).describe('what is signed (its canonical JSON hashes to `hash`)'),
      hash: Hex,
      signature: Base64.describe('Ed25519 over the hash'),
      keyId: z.string(),
      timestamp: openObject({ tsa: z.string(), token: Base64, genTime: z.string() })
        .optional()
        .describe('an RFC 3161 timestamp of the hash'),
      proofs: z
        .array(openObject({ entry: CheckpointEntryView, index: z.number().int(), path: z.array(Hex) }))
        .optional(),
    }),
  ),
  documents: z.array(
    openObject({
      streamId: z.string(),
      version: z.number().int(),
      contentBase64: Base64,
      signature: Base64,
    }),
  ),
  missing: z
    .array(openObject({ streamId: z.string(), from: z.number().int(), to: z.number().int() }))
    .optional()
    .describe('versions of its streams it chained whose events are no longer in its store'),
}).describe(
  "this service's part of an evidence bundle: its events with their hash-chain links, the signed checkpoints covering them, the documents sent",
);
