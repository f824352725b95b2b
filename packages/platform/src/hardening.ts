import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import underPressure, { type FastifyUnderPressureOptions } from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { loadConfig } from './config';

/**
 * What every service's HTTP door holds a caller to (README, "Hardening"); each from the
 * environment, with defaults generous enough that the simulator and the benchmarks (about 1,100
 * commands a second from one caller) are never throttled.
 */
export interface HttpLimits {
  /** Requests one caller may make per window (the token's subject; without a token, the address). 0: no limit. */
  rateLimitMax: number;
  rateLimitWindowMs: number;
  /**
   * How long a client may take to send a whole request, headers and body: a slowly sent body is
   * cut off with a 408 after this long. The answer may take longer (a clock move runs days of jobs).
   */
  requestTimeoutMs: number;
  /** Back-pressure: above these (0: not checked), requests answer 503 with Retry-After. */
  maxEventLoopDelayMs: number;
  maxEventLoopUtilization: number;
  maxHeapUsedBytes: number;
  /** How often load is sampled for back-pressure. */
  pressureSampleIntervalMs: number;
}

const Whole = (what: string) => z.coerce.number().int(`must be a whole number of ${what}`);

export const HttpLimitsEnv = z.object({
  RATE_LIMIT_MAX: Whole('requests').min(0, 'must be 0 (no limit) or more').default(100_000),
  RATE_LIMIT_WINDOW_MS: Whole('milliseconds').positive('must be more than 0 ms').default(60_000),
  REQUEST_TIMEOUT_MS: Whole('milliseconds').positive('must be more than 0 ms').default(30_000),
  PRESSURE_MAX_EVENT_LOOP_DELAY_MS: Whole('milliseconds').min(0).default(1000),
  PRESSURE_MAX_EVENT_LOOP_UTILIZATION: z.coerce
    .number()
    .min(0, 'must be from 0 (not checked) to 1')
    .max(1, 'must be from 0 (not checked) to 1')
    .default(0),
  PRESSURE_MAX_HEAP_USED_BYTES: Whole('bytes').min(0).default(0),
});

export function httpLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): HttpLimits {
  const e = loadConfig(HttpLimitsEnv, env);
  return {
    rateLimitMax: e.RATE_LIMIT_MAX,
    rateLimitWindowMs: e.RATE_LIMIT_WINDOW_MS,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    maxEventLoopDelayMs: e.PRESSURE_MAX_EVENT_LOOP_DELAY_MS,
    maxEventLoopUtilization: e.PRESSURE_MAX_EVENT_LOOP_UTILIZATION,
    maxHeapUsedBytes: e.PRESSURE_MAX_HEAP_USED_BYTES,
    pressureSampleIntervalMs: 1000,
  };
}

/** The HTTP server's own timeouts (Node's), for fastify's options. */
export function serverTimeouts(limits: HttpLimits) {
  return {
    requestTimeout: limits.requestTimeoutMs,
    http: {
      headersTimeout: Math.min(limits.requestTimeoutMs, 60_000),
      // Node looks for requests over their time every 30 s by default: a 30 s limit would hold up to 60 s.
      connectionsCheckingInterval: Math.min(1000, limits.requestTimeoutMs),
    },
  };
}

/** Probes an orchestrator calls: never throttled nor shed, or a busy instance would be restarted. */
const PROBES = new Set(['/health', '/metrics']);
const pathOf = (request: FastifyRequest) => request.url.split('?')[0] ?? '';

/** Seconds, in words: "1 minute", "30 s". */
function window(ms: number): string {
  if (ms % 60_000 === 0) return ms === 60_000 ? '1 minute' : `${ms / 60_000} minutes`;
  return `${Math.round(ms / 1000)} s`;
}

const PRESSURE: Record<string, (value: number) => string> = {
  eventLoopDelay: (v) =>
    Number.isFinite(v) ? `event loop delay ${Math.round(v)} ms` : 'event loop blocked for a whole sample',
  eventLoopUtilization: (v) => `event loop utilisation ${Math.round(v * 100)}%`,
  heapUsedBytes: (v) => `heap ${Math.round(v / 1024 / 1024)} MB`,
  rssBytes: (v) => `resident memory ${Math.round(v / 1024 / 1024)} MB`,
};

/**
 * Security headers, back-pressure and rate limits, registered before any route (the rate limit
 * attaches itself to each route as it is added). The rate limit counts after authentication
 * (preValidation), so it is keyed by the token's subject - a caller cannot spend another's
 * allowance by naming them - and by address where there is no token.
 */
export async function registerHardening(app: FastifyInstance, limits: HttpLimits): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        // Every script and style of the dashboard and /docs is a file served by the service itself;
        // the services speak plain HTTP inside the network, so nothing is upgraded to https.
        'upgrade-insecure-requests': null,
        'img-src': ["'self'", 'data:'],
      },
    },
  });

  const retryAfterSeconds = Math.max(1, Math.round(limits.pressureSampleIntervalMs / 1000) * 5);
  const shed = (request: FastifyRequest, reply: FastifyReply, type: string, value: number | undefined) => {
    if (PROBES.has(pathOf(request))) return undefined;
    request.log.warn({ pressure: type, value }, 'request shed: the service is overloaded');
    reply.code(503).header('retry-after', String(retryAfterSeconds));
    const what = (value !== undefined && PRESSURE[type]?.(value)) || type;
    return { error: 'overloaded', message: `the service is overloaded (${what}): try again shortly` };
  };
  if (limits.maxEventLoopDelayMs > 0 || limits.maxEventLoopUtilization > 0 || limits.maxHeapUsedBytes > 0) {
    await app.register(underPressure, {
      maxEventLoopDelay: limits.maxEventLoopDelayMs,
      maxEventLoopUtilization: limits.maxEventLoopUtilization,
      maxHeapUsedBytes: limits.maxHeapUsedBytes,
      sampleInterval: limits.pressureSampleIntervalMs,
      eventLoopUtilizationMode: 'interval',
      retryAfter: retryAfterSeconds,
      // What the handler returns is sent (undefined: the request goes on); its declared type says void.
      pressureHandler: shed as unknown as FastifyUnderPressureOptions['pressureHandler'],
    });
  }

  if (limits.rateLimitMax > 0) {
    await app.register(rateLimit, {
      max: limits.rateLimitMax,
      timeWindow: limits.rateLimitWindowMs,
      hook: 'preValidation',
      // The probes and public paths (/health, /ready, /metrics, /letters/signing-key: routes any
      // caller may ask without a token) are never throttled: an orchestrator or monitor polling
      // them from one address was answered 429 (probe F8).
      allowList: (request) => request.routeOptions.config?.roles === 'public',
      keyGenerator: (request) =>
        request.caller ? `subject:${request.caller.subject}` : `address:${request.ip}`,
      errorResponseBuilder: (request, context) => {
        const who = request.caller ? request.caller.subject : `address ${request.ip}`;
        return Object.assign(
          new Error(
            `more than ${context.max} requests in ${window(limits.rateLimitWindowMs)} from ${who}: try again in ${Math.max(1, Math.ceil(context.ttl / 1000))} s`,
          ),
          { statusCode: 429, code: 'rate_limited' },
        );
      },
    });
  }
}

const NUL = '\u0000';
const NUL_MESSAGE = 'must not contain the NUL character (U+0000)';
/** Half a surrogate pair alone (JSON may escape one): with the `u` flag a whole pair is one code point, never matched. */
const LONE_SURROGATE = /\p{Surrogate}/u;
const LONE_SURROGATES = /\p{Surrogate}/gu;
const SURROGATE_MESSAGE =
  'must be well-formed text: a lone UTF-16 surrogate (U+D800-U+DFFF) cannot be stored';

/** Why a text cannot be stored (a NUL, a lone surrogate), if it cannot. */
const unstorable = (text: string) =>
  text.includes(NUL) ? NUL_MESSAGE : LONE_SURROGATE.test(text) ? SURROGATE_MESSAGE : undefined;
/** A key as a field name can show it: what cannot be stored, escaped. */
const shown = (key: string) =>
  key
    .replaceAll(NUL, '\\u0000')
    .replace(LONE_SURROGATES, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** How deep objects and arrays may nest in a request: no business body comes near it. */
export const MAX_NESTING = 64;
const TOO_DEEP_MESSAGE = `nested too deeply (more than ${MAX_NESTING} levels of objects and arrays)`;

type Finding = { field: string; message: string };

/**
 * The first place in a value where a NUL or a lone surrogate is (a string, or an object key), or the value itself when
 * it nests deeper than MAX_NESTING; none: undefined. Iterative, so no body can overflow the stack
 * (probe F4: 10,000 nested arrays gave 500 'Maximum call stack size exceeded').
 */
function nulOrTooDeep(root: unknown, part: string): Finding | undefined {
  const stack: { value: unknown; path: string[]; depth: number }[] = [
    { value: root, path: [part], depth: 0 },
  ];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop() as (typeof stack)[number];
    if (typeof value === 'string') {
      const why = unstorable(value);
      if (why) return { field: path.join('.'), message: why };
      continue;
    }
    if (!value || typeof value !== 'object') continue;
    if (depth + 1 > MAX_NESTING) return { field: part, message: TOO_DEEP_MESSAGE };
    const entries: [string, unknown][] = Array.isArray(value)
      ? value.map((item, i) => [String(i), item])
      : Object.entries(value);
    for (const [key] of entries) {
      const why = unstorable(key);
      if (why) return { field: [...path, shown(key)].join('.'), message: why };
    }
    // Pushed last to first, so the first field is looked at first (the one named is the first found).
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, item] = entries[i] as [string, unknown];
      stack.push({ value: item, path: [...path, key], depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * A NUL character in any text a request brings is refused at the door (400 naming the field):
 * PostgreSQL stores no NUL in text or jsonb, so it could never be stored, and no business text
 * needs one. Half a surrogate pair alone likewise (jsonb refuses it: it was a 500). So is a body nesting objects and arrays deeper than MAX_NESTING (400 naming it). Before validation, for every route - no route needs a copy of its own.
 */
export function refuseNulCharacters(app: FastifyInstance): void {
  // JSON only: a text/plain body (fastify reads one by default) is a 415, not a string to validate.
  app.removeContentTypeParser('text/plain');
  app.addHook('preValidation', async (request, reply) => {
    for (const [part, value] of [
      ['params', request.params],
      ['querystring', request.query],
      ['body', request.body],
    ] as const) {
      const found = nulOrTooDeep(value, part);
      if (found) {
        return reply.code(400).send({
          error: 'invalid_request',
          message: `${found.field}: ${found.message}`,
          issues: [found],
        });
      }
    }
  });
}
