import type { RouteOptions } from 'fastify';
import { z } from 'zod';

/** The statuses a route may answer beyond the platform's own, by what the route is (see below). */
export type Refusal = 404 | 409 | 422;

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * What the route's OpenAPI document says it refuses, where the default is not the truth: a
     * status with what it means on this route, or false for a status the route never answers. By
     * default a route with an id in its path documents 404, and a command (any method but GET)
     * 409 and 422 (README, "The OpenAPI document").
     */
    refusals?: Partial<Record<Refusal, string | false>>;
  }
}

/** The body of every error the platform answers (README, "Identity and access" and "Hardening"). */
export const ErrorResponse = z
  .looseObject({
    error: z.string().describe('a stable, machine-readable reason'),
    message: z.string().describe('what is wrong, for a person'),
    issues: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .describe('each field at fault'),
  })
  .describe('an error');

/**
 * A success that is a file (a PDF letter, a ZIP bundle): its media type and a binary string in the
 * OpenAPI document. The handler sends a Buffer, which fastify writes as it is (no serializer).
 */
export function fileResponse(mediaType: string, description: string) {
  return {
    description,
    content: {
      // Typed as what the handler sends; documented as what the client receives.
      [mediaType]: {
        schema: z.string().meta({ format: 'binary' }).describe(description) as unknown as z.ZodType<Buffer>,
      },
    },
  };
}

const ERRORS_OF_EVERY_ROUTE: Record<number, string> = {
  401: 'no valid bearer token (WWW-Authenticate says why)',
  403: 'the token carries none of the roles the route needs (requiredRoles)',
  429: 'too many requests from this caller (Retry-After says when to try again)',
  503: 'a dependency is unavailable or the service is overloaded (Retry-After)',
};
const ERRORS_OF_A_BODY: Record<number, string> = {
  413: 'the body is larger than 1 MB',
  415: 'the body is not application/json',
};
const NOT_FOUND = 'the id in the path names nothing here (not_found, or what is missing)';
const CONFLICT =
  'a conflict: the same id with other facts, a state that no longer allows it, or a change made at the same time (version_conflict): read again, then decide';
const REFUSED =
  'refused by the business rules: `error` names the rule (an amount above the platform limit is AMOUNT_TOO_LARGE)';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

type DocumentedSchema = Record<string, unknown> & { hide?: boolean; response?: Record<string, unknown> };

/**
 * The errors of each operation of the OpenAPI document, with their body, from what the route is:
 * 401/403/429/503 everywhere; 400 where it validates input; 413/415 where it takes a body; 412
 * where it honours If-Match; 404 where its path has an id to miss; 409 and 422 on a command (a
 * decider refuses, an id or a version conflicts); a 200 where the route declares no success. `config.refusals` corrects 404/409/422 where
 * the route knows better. A status the route documents itself is kept.
 */
export function documentPlatformErrors(route: RouteOptions): void {
  const schema = route.schema as DocumentedSchema | undefined;
  if (!schema || schema.hide) return;
  const errors: Record<number, string> = { ...ERRORS_OF_EVERY_ROUTE };
  if (schema.params || schema.querystring || schema.body || schema.headers)
    errors[400] =
      'the request is not valid: each field at fault, and why (also a NUL character or a lone UTF-16 surrogate in any text)';
  if (schema.body) Object.assign(errors, ERRORS_OF_A_BODY);
  const headers = schema.headers as { shape?: Record<string, unknown> } | undefined;
  if (headers?.shape && 'if-match' in headers.shape)
    errors[412] = 'If-Match names a version the resource has left: read it again (precondition_failed)';

  const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((m) => m.toUpperCase());
  const refusals: Partial<Record<Refusal, string | false>> = {};
  if (route.url.includes('/:')) refusals[404] = NOT_FOUND;
  if (methods.some((m) => !READS.has(m))) {
    refusals[409] = CONFLICT;
    refusals[422] = REFUSED;
  }
  Object.assign(refusals, route.config?.refusals ?? {});
  for (const [status, what] of Object.entries(refusals)) if (what) errors[Number(status)] = what;

  const response = { ...(schema.response ?? {}) };
  // A route that declares no success (a file, a view not yet described) still answers one: 200,
  // any media type, the body not described (z.unknown(): serialised as it was without a schema).
  if (!Object.keys(response).some((status) => status.startsWith('2')))
    response[200] = {
      description: 'done: the body is not described in this document',
      content: { '*/*': { schema: z.unknown() } },
    };
  for (const [status, what] of Object.entries(errors))
    if (!(status in response)) response[status] = ErrorResponse.describe(what);
  route.schema = { ...schema, response };
}
