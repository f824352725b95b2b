import { ConcurrencyConflict, DependencyUnavailable, DomainError } from '@ar/kernel';
import { CheckpointMoved, isError, isTransientInfrastructureError } from '@ar/postgres';
import { MalformedMessage } from './cloud-events';

/**
 * Why handling a message failed, which decides what happens to it:
 * - `transient`: the world, not the message (a database or broker away, a timeout, a
 *   serialization failure or deadlock, a concurrent writer, a dependency's 5xx). Retried with
 *   backoff for as long as it lasts; never parked.
 * - `poison`: the message itself (unreadable, schema-invalid, refused by the rules). Parked at
 *   once, with its error; retrying would give the same answer.
 * - `unknown`: anything else (most likely a bug). Retried a few times, then parked, so a fix
 *   and a redrive can bring it back.
 */
export type FailureKind = 'transient' | 'poison' | 'unknown';

export function failureKind(error: unknown): FailureKind {
  if (error instanceof ConcurrencyConflict || error instanceof CheckpointMoved) return 'transient';
  if (error instanceof DependencyUnavailable) return 'transient';
  if (error instanceof MalformedMessage || error instanceof DomainError) return 'poison';
  if (!isError(error)) return 'unknown';
  if (error.name === 'ZodError') return 'poison';
  const e = error as Error & { retriable?: unknown; status?: unknown; cause?: unknown };
  if (isTransientInfrastructureError(e)) return 'transient';
  if (e.retriable === true) return 'transient'; // kafkajs marks its retriable errors
  if ((e as { canRetry?: unknown }).canRetry === true) return 'transient'; // and @platformatic/kafka its own
  if (typeof e.status === 'number' && (e.status >= 500 || e.status === 429)) return 'transient';
  if (e.cause !== undefined && e.cause !== error) {
    const cause = failureKind(e.cause);
    if (cause !== 'unknown') return cause;
  }
  return 'unknown';
}
