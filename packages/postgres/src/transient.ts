import { types } from 'node:util';

/**
 * Whether an error is the world's, not the work's: a database or network away, a timeout, a
 * serialization failure or deadlock, a server shutting down. Such work is tried again; anything
 * else would fail the same way again (see the consumers' failure kinds and projection parking).
 */
/** PostgreSQL SQLSTATE classes and codes that say "try again": connection, serialization, deadlock, lock, shutdown, timeout. */
const TRANSIENT_SQLSTATE = /^(08|40001|40P01|55P03|57P0[123]|57014|53300|53400|58000)/;
const TRANSIENT_NODE_CODE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);
const TRANSIENT_MESSAGE =
  /connection terminated|terminating connection|timeout exceeded when trying to connect|Connection terminated unexpectedly|Client has encountered a connection error|the database system is (starting up|shutting down|in recovery mode)|socket hang up|Query read timeout/i;

/**
 * Whether `error` is an Error, also one made in another realm (Node's own socket errors seen from a
 * vm context, as under jest): `instanceof Error` alone would call ECONNREFUSED no error at all.
 */
export function isError(error: unknown): error is Error {
  return error instanceof Error || types.isNativeError(error);
}

export function isTransientInfrastructureError(error: unknown): boolean {
  if (!isError(error)) return false;
  const e = error as Error & { code?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && (TRANSIENT_SQLSTATE.test(e.code) || TRANSIENT_NODE_CODE.has(e.code)))
    return true;
  if (TRANSIENT_MESSAGE.test(e.message)) return true;
  // An AggregateError (a client's "Listing topics failed." over each broker it tried, Node's
  // connect over each address) is the world's when every error in it is.
  const errors = (error as { errors?: unknown }).errors;
  if (
    Array.isArray(errors) &&
    errors.length > 0 &&
    errors.every((x) => x !== error && isTransientInfrastructureError(x))
  )
    return true;
  return e.cause !== undefined && e.cause !== error && isTransientInfrastructureError(e.cause);
}
