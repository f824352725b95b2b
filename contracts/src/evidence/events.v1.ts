import { z } from 'zod';

/**
 * Public events on `ar.evidence.checkpoints.v1` (issue 18 item 4): every service's signed
 * checkpoints of its hash chains, published so that a copy outside the company's database exists
 * from the moment each is signed (an anchor: the database cannot be rewritten to match a new
 * checkpoint without the published one disagreeing).
 */
const Sha256Hex = z
  .string()
  .regex(/^[0-9a-f]{64}$/)
  .describe('SHA-256, lower-case hex');

export const EvidenceCheckpointSignedV1 = z
  .object({
    service: z.string().describe('whose store the chains are in'),
    seq: z.number().int().min(1).describe("the checkpoint's number in the service, from 1"),
    previousHash: Sha256Hex.describe("the previous checkpoint's hash (64 zeros for the first)"),
    createdAt: z.string().describe('when it was signed (UTC, ISO 8601)'),
    upToChainSeq: z.number().int().describe('the last chain row it covers'),
    format: z
      .literal(2)
      .optional()
      .describe(
        '2: the body signs merkleRoot (not the entries); absent: format 1, the body lists the entries',
      ),
    streams: z.number().int().describe('how many streams it names'),
    merkleRoot: Sha256Hex.optional().describe(
      'format 2: the RFC 6962 Merkle root (SHA-256) of the entries sorted by stream id; leaf = H(0x00 || canonical JSON {streamId, version, hash})',
    ),
    entries: z
      .array(z.object({ streamId: z.string(), version: z.number().int(), hash: Sha256Hex }))
      .describe('the head (version and hash) of every stream chained since the previous checkpoint'),
    hash: Sha256Hex.describe(
      'SHA-256 of the canonical JSON of the body: format 2 {format, service, seq, previousHash, createdAt, upToChainSeq, streams, merkleRoot}; format 1 {service, seq, previousHash, createdAt, upToChainSeq, entries}',
    ),
    signature: z.string().describe('Ed25519 signature of the hash (its hex text), base64'),
    keyId: z.string().describe("the company key's id (GET /letters/signing-key; the key in every bundle)"),
    algorithm: z.literal('Ed25519'),
    timestamp: z
      .object({
        tsa: z.string().describe('the timestamp authority asked (TSA_URL)'),
        token: z.string().describe('the RFC 3161 TimeStampToken, DER, base64: its message imprint is `hash`'),
        genTime: z.string().describe('the time the authority states'),
      })
      .optional()
      .describe('present when a timestamp authority is configured and answered'),
  })
  .describe("A signed checkpoint of a service's hash chains.");
export type EvidenceCheckpointSignedV1 = z.infer<typeof EvidenceCheckpointSignedV1>;

export const EvidenceEventsV1 = { EvidenceCheckpointSigned: EvidenceCheckpointSignedV1 } as const;
