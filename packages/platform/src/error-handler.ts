import { AMOUNT_TOO_LARGE } from '@ar/contracts';
import {
  ConcurrencyConflict,
  DependencyUnavailable,
  DomainError,
  Forbidden,
  NotFound,
  PreconditionFailed,
  RuleViolation,
  StateConflict,
} from '@ar/kernel';
import { failureKind } from '@ar/messaging';
import { OutageLog } from '@ar/postgres';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/** Seconds a client is told to wait before trying again when a dependency is down (Retry-After). */
export const RETRY_AFTER_SECONDS = 5;

export interface ErrorBody {
  error: string;
  message: string;
  issues?: { field: string; message: string }[];
}

function statusOf(error: DomainError): number {
  if (error instanceof NotFound) return 404;
  if (error instanceof Forbidden) return 403;
  if (error instanceof DependencyUnavailable) return 503;
  if (error instanceof StateConflict) return 409;
  if (error instanceof RuleViolation) return 422;
  return 422;
}

/**
 * One mapping from failures to HTTP (CONVENTIONS §9): bad input 400 with each field and why,
 * unknown entity 404, a refusal by the rules 422, a conflict 409, a dependency down (the database
 * refusing or restarting, a pool timeout, a service we call) 503 with Retry-After. A 500 means a
 * bug, never input and never an outage.
 */
export function registerErrorHandler(
  app: FastifyInstance,
  /** The methods the service answers on a path (none: no such path), for 405 and its Allow. */
  methodsOf: (path: string) => string[] = () => [],
): void {
  const unrouted = (request: FastifyRequest, reply: FastifyReply) => {
    const methods = methodsOf(request.url.split('?')[0] ?? '');
    if (methods.length > 0)
      return reply
        .code(405)
        .header('allow', methods.join(', '))
        .send({
          error: 'method_not_allowed',
          message: `${request.method} is not answered on ${request.url.split('?')[0]}: ${methods.join(', ')} are`,
        });
    return reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url}` });
  };
  app.setNotFoundHandler(unrouted);

  // Requests refused while a dependency is away: one line when the refusals start (with the
  // error), a summary a minute, one when a request is served again - not a line per request.
  const refusals = new OutageLog(app.log as never, 'requests refused', {}, undefined, {
    failed: 'requests refused: a dependency is unavailable',
    still: 'requests still refused: a dependency is unavailable',
    recovered: 'requests served again: the dependency is back',
  });
  app.addHook('onResponse', async (_request, reply) => {
    if (refusals.failing > 0 && reply.statusCode < 500) refusals.succeeded();
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    // No route takes the request, yet its body was parsed first (a method that carries one, QUERY,
    // without a content type; a body too large): the answer is still that no route takes it.
    if (request.is404) return unrouted(request, reply);
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues = error.validation.map((v) => ({
        field: [error.validationContext, ...v.instancePath.split('/').filter(Boolean)]
          .filter(Boolean)
          .join('.'),
        message: v.message ?? 'invalid',
        beyondLimit: (v.params as { params?: { refusal?: string } }).params?.refusal === AMOUNT_TOO_LARGE,
      }));
      // An amount beyond the platform's largest is well formed but refused (422), unless the
      // request has other faults; the field's other complaints (not a safe integer) go with it.
      const tooLarge = new Set(issues.filter((i) => i.beyondLimit).map((i) => i.field));
      const refused = tooLarge.size > 0 && issues.every((i) => tooLarge.has(i.field));
      const shown = (refused ? issues.filter((i) => i.beyondLimit) : issues).map(({ field, message }) => ({
        field,
        message,
      }));
      const body: ErrorBody = {
        error: refused ? AMOUNT_TOO_LARGE : 'invalid_request',
        message: shown.map((i) => `${i.field}: ${i.message}`).join('; '),
        issues: shown,
      };
      return reply.code(refused ? 422 : 400).send(body);
    }
    if (error instanceof PreconditionFailed) {
      // If-Match named a version that is no longer the stream's (RFC 9110 §13.1.1).
      return reply.code(412).send({ error: 'precondition_failed', message: error.message });
    }
    if (error instanceof ConcurrencyConflict) {
      return reply.code(409).send({ error: 'version_conflict', message: error.message });
    }
    if (!(error instanceof DomainError) && failureKind(error) === 'transient') {
      // The database or a service we depend on is away (refused, restarting, the session ended,
      // no free connection in time), or a write lost a race: nothing was stored, and the same
      // request a moment later can succeed. The one list of such failures is the consumers' own.
      refusals.failed(error, { reqId: request.id, url: request.url });
      return reply
        .code(503)
        .header('retry-after', String(RETRY_AFTER_SECONDS))
        .send({
          error: 'unavailable',
          message: `unavailable, try again shortly: ${withoutAddresses(describe(error))}`,
        });
    }
    if (error instanceof DomainError) {
      const body: ErrorBody = { error: error.code, message: error.message };
      if (error.field) body.issues = [{ field: error.field, message: error.message }];
      const code = statusOf(error);
      if (code === 503) {
        // Where the dependency is (an internal URL) is for the log, never the answer.
        const { detail } = error as { detail?: string };
        refusals.failed(error, { reqId: request.id, url: request.url, detail });
        reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      }
      return reply.code(code).send(body);
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // fastify's own (malformed JSON, another content type, a body too large) and the rate limit's.
      return reply.code(status).send({ error: clientErrorCode(error, status), message: error.message });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: 'internal_error', message: 'internal error; see the service log' });
  });
}

/** fastify's codes for a request it cannot take, as this API names them. */
const CLIENT_ERRORS: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
};

function clientErrorCode(error: FastifyError, status: number): string {
  if (error.code && CLIENT_ERRORS[error.code]) return CLIENT_ERRORS[error.code]!;
  if (status === 400 && error instanceof SyntaxError) return 'invalid_json';
  if (status === 413) return 'body_too_large';
  if (status === 415) return 'unsupported_media_type';
  return error.code && !error.code.startsWith('FST_') ? error.code : 'bad_request';
}

/**
 * The reason, without where: a client learns that the database refused or timed out, never an
 * internal host, port or URL (the log has the whole error).
 */
export function withoutAddresses(text: string): string {
  return text
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s)]+/gi, '(address withheld)')
    .replace(/\b[\w.-]+:\d{2,5}\b/g, '(address withheld)');
}

/** What went wrong, in words an operator can act on (the code first: ECONNREFUSED, 57P01). */
function describe(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' && e.message ? e.message : String(error);
  return typeof e.code === 'string' && !message.includes(e.code) ? `${e.code} ${message}` : message;
}
