import { createHash, randomUUID } from 'node:crypto';
import { RuleViolation } from '@ar/kernel';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

/**
 * `Idempotency-Key` (IETF draft-ietf-httpapi-idempotency-key-header): a client that does not
 * choose the id of what it creates sends a key instead, unique per request it means, and the
 * same key again on a retry. The id is derived from the key, so a retry addresses the same
 * stream and the decider tells it from a new request: the same facts change nothing and answer
 * as the first time, other facts under the same key are a 409. No table, no race: two copies of
 * the request in flight at once meet on the stream's version like any two writers.
 */
export const IdempotencyKeyHeader = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .regex(/^"?[\x21-\x7e]+"?$/, 'must be 1-255 visible ASCII characters')
    .optional()
    .describe('a key unique per request the client means; the same key again on a retry'),
});

export function idempotencyKey(request: FastifyRequest): string | undefined {
  const value = request.headers['idempotency-key'];
  if (value === undefined) return undefined;
  const key = typeof value === 'string' ? value.replace(/^"(.*)"$/, '$1') : undefined;
  if (!key || !/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new RuleViolation(
      'INVALID_IDEMPOTENCY_KEY',
      'Idempotency-Key must be 1-255 visible ASCII characters',
      'idempotency-key',
    );
  }
  return key;
}

/**
 * The id of what a POST creates: the client's own id when it chose one, else one derived from
 * its Idempotency-Key (`K-` and 40 hex digits of a SHA-256 over the kind and the key), else new.
 */
export function idOfCreated(request: FastifyRequest, kind: string, clientId: string | undefined): string {
  if (clientId) return clientId;
  const key = idempotencyKey(request);
  if (!key) return randomUUID();
  return `K-${createHash('sha256').update(`${kind}\u0000${key}`).digest('hex').slice(0, 40)}`;
}

/**
 * How every create answers, the first time and on a retry alike (#14 item 15): a retry with the
 * same facts changes nothing (the decider says so; other facts are a 409 before this), and it
 * answers as the first did - 201, the created thing's location and its version - never a 200
 * that tells the client something else happened. Routes use it instead of choosing a status
 * from whether events were appended.
 */
export function replyCreated(reply: FastifyReply, location: string, version: number): FastifyReply {
  return reply.code(201).header('location', location).header('etag', `"${version}"`);
}
