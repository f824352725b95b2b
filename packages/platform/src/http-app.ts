import type { EventMetadata } from '@ar/kernel';
import { withTraceContext } from '@ar/messaging';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyRequest } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Authenticator } from './auth/authenticator';
import { callerOf, type RouteRule, registerAuthentication, securitySchemes } from './auth/http-auth';
import { RETRY_AFTER_SECONDS, registerErrorHandler } from './error-handler';
import {
  type HttpLimits,
  httpLimitsFromEnv,
  refuseNulCharacters,
  registerHardening,
  serverTimeouts,
} from './hardening';
import type { ServiceMetrics } from './metrics';
import { documentPlatformErrors } from './openapi-errors';
import { fastifyTracingPlugin } from './tracing';

/** What /ready answers: each check's verdict in words ("ok", or what is wrong). */
export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

export interface HttpAppOptions {
  service: string;
  description: string;
  logger: Logger;
  /** Answers whether the service can take traffic (database and Kafka reachable, leases), saying why not. */
  ready(): Promise<Readiness>;
  /** Counts every request by route and status, and serves GET /metrics. */
  metrics?: ServiceMetrics;
  /** Checks every request's bearer token (the OIDC issuer's, or the development issuer's). */
  auth: Authenticator;
  /** Rate limits, back-pressure and timeouts (default: from the environment, README "Hardening"). */
  limits?: HttpLimits;
}

/**
 * The fastify app every service starts from: zod validation and serialisation, the error
 * handler, OpenAPI at /docs (JSON at /docs/json), /health (alive) and /ready (can serve).
 */
export async function createHttpApp(options: HttpAppOptions) {
  const limits = options.limits ?? httpLimitsFromEnv();
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    // An id longer than any the API takes is the id's schema's 400 naming the field, not the
    // router's 414 (find-my-way's default stops at 100 characters); Node caps the URL at 16 KB.
    routerOptions: { maxParamLength: 16 * 1024 },
    ...serverTimeouts(limits),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // An unknown method on a known path: 405 with the methods its routes answer.
  registerErrorHandler(app, (path) => methodsOn(routeRules, path));
  // Before any route: every route says who may call it, checked on each request.
  const routeRules = registerAuthentication(app, options.auth);
  app.addHook('onRoute', documentPlatformErrors);
  // Security headers, back-pressure, rate limits per caller; a NUL in any text refused at the door.
  await registerHardening(app, limits);
  refuseNulCharacters(app);
  // Request and handler spans, when tracing is on (before any route, so every route is traced).
  const tracing = fastifyTracingPlugin();
  if (tracing) await app.register(tracing);
  const metrics = options.metrics;
  if (metrics) {
    // A request the client gave up on (closed the connection) counts too, once, as 499.
    const started = new WeakMap<object, number>();
    const aborted = new WeakSet<object>();
    app.addHook('onRequest', async (request) => {
      started.set(request, performance.now());
    });
    app.addHook('onRequestAbort', async (request) => {
      aborted.add(request);
      metrics.http.observe(
        { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: '499' },
        (performance.now() - (started.get(request) ?? performance.now())) / 1000,
      );
    });
    app.addHook('onResponse', async (request, reply) => {
      if (aborted.has(request)) return;
      metrics.http.observe(
        {
          method: request.method,
          // The route's pattern (/invoices/:id), never the raw URL: one series per route.
          route: request.routeOptions.url ?? 'unmatched',
          status_code: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
    });
  }

  await app.register(swagger, {
    openapi: {
      info: { title: `${options.service} service`, description: options.description, version: '1.0.0' },
      components: { securitySchemes: securitySchemes() },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Alive: the process answers. Whether it can serve is /ready's question.
  app.get('/health', { config: { roles: 'public' }, schema: { hide: true } }, async () => ({
    status: 'ok',
    service: options.service,
    reason: 'the process is running and answering HTTP',
    uptimeSeconds: Math.round(process.uptime()),
  }));
  app.get('/ready', { config: { roles: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    const result = await options
      .ready()
      .catch((error: Error) => ({ ready: false, checks: { readiness: `check failed: ${error.message}` } }));
    const failing = Object.entries(result.checks).filter(([, verdict]) => !verdict.startsWith('ok'));
    const reason = result.ready
      ? 'ready: every dependency answers'
      : `not ready: ${failing.map(([name, verdict]) => `${name} ${verdict}`).join('; ')}`;
    if (!result.ready) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    return reply.code(result.ready ? 200 : 503).send({ service: options.service, ...result, reason });
  });
  if (metrics) {
    // Open, like /health: Prometheus scrapes it from inside the network; it holds counts and lags,
    // no receivable, customer or person (README, Operations).
    app.get('/metrics', { config: { roles: 'public' }, schema: { hide: true } }, async (_request, reply) => {
      const { contentType, body } = await metrics.expose();
      return reply.header('content-type', contentType).send(body);
    });
  }
  app.decorate('routeRules', routeRules);
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route and who may call it, as declared (the walk over every route reads them). */
    routeRules: RouteRule[];
  }
}

export type ServiceHttpApp = Awaited<ReturnType<typeof createHttpApp>>;

/** The methods routes answer on a concrete path (`/invoices/I-1` matches `/invoices/:invoiceId`). */
function methodsOn(rules: RouteRule[], path: string): string[] {
  const methods = new Set<string>();
  for (const rule of rules) {
    const pattern = rule.url
      .split('/')
      .map((part) =>
        part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      )
      .join('/');
    if (new RegExp(`^${pattern}$`).test(path)) methods.add(rule.method);
  }
  return [...methods].sort();
}

/**
 * Why and on whose behalf a command runs: the correlation id and trace context of the request, and
 * the actor - the authenticated caller of the token (subject, name, roles), never a header the
 * caller sets.
 */
export function commandMetadata(request: FastifyRequest): EventMetadata {
  const caller = callerOf(request);
  const header = (name: string) => {
    const value = request.headers[name];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  const metadata: EventMetadata = {
    correlationId: header('x-correlation-id') ?? request.id,
    traceparent: header('traceparent'),
    tracestate: header('tracestate'),
    actor: caller.subject,
    actorName: caller.name,
    actorRoles: caller.roles,
  };
  // With tracing on, the request's own span is what the command continues.
  const traced = request.opentelemetry?.();
  return traced?.instrumented && traced.context ? withTraceContext(metadata, traced.context) : metadata;
}
