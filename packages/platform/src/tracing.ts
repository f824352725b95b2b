import { inSpan, withTraceContext } from '@ar/messaging';
import type { PostgresEventStore } from '@ar/postgres';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { tracingWanted } from './tracing-env';

/** Routes no one needs a trace of: probes and scrapes. */
const UNTRACED_ROUTES = new Set(['/health', '/ready', '/metrics']);

export interface TracingOptions {
  /** `service.name` of the process's spans, unless OTEL_SERVICE_NAME says otherwise. */
  serviceName: string;
  /** Where spans go instead of OTLP (tests: an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
  env?: NodeJS.ProcessEnv;
}

export interface Tracing {
  /** Exports what is still buffered and stops. */
  shutdown(): Promise<void>;
}

let fastifyInstrumentation: FastifyOtelInstrumentation | undefined;

export { tracingWanted };

/**
 * Starts the OpenTelemetry SDK for traces when wanted (see `tracingWanted`), else does nothing:
 * no SDK, no hooks, the API's no-op tracer - the spans the platform makes cost a function call.
 * Exporter, protocol, headers, sampler and resource come from the standard `OTEL_*` variables.
 * Metrics stay Prometheus (/metrics) and logs stay pino: only traces go over OTLP.
 */
export function startTracing(options: TracingOptions): Tracing | undefined {
  const env = options.env ?? process.env;
  if (!tracingWanted(env, options.spanProcessors !== undefined)) return undefined;
  fastifyInstrumentation = new FastifyOtelInstrumentation({
    // One span per request and one for its handler; fastify's own hooks would only add noise.
    instrumentHooks: false,
    ignorePaths: (route) => UNTRACED_ROUTES.has(route.url?.split('?')[0] ?? ''),
    lifecycleHook: (span, { hookName, request }) => {
      if (hookName === 'handler' && request.routeOptions.url)
        span.updateName(`handler ${request.method} ${request.routeOptions.url}`);
    },
    requestHook: (span, request) => {
      // HTTP's span name: the method and the route's pattern (POST /invoices), never the raw URL.
      if (request.routeOptions.url) span.updateName(`${request.method} ${request.routeOptions.url}`);
    },
  });
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? options.serviceName,
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
    metricReaders: [],
    logRecordProcessors: [],
    // @fastify/otel works as a plugin of each app (createHttpApp registers it). The ones that
    // patch modules as they load (pg, fetch) are on since tracing-preload.ts, which each
    // program imports first; they make their spans through the tracer provider started here.
    instrumentations: [fastifyInstrumentation],
  });
  sdk.start();
  return {
    shutdown: async () => {
      await sdk.shutdown();
      fastifyInstrumentation = undefined;
    },
  };
}

/** The fastify plugin of the running SDK (request and handler spans), if tracing is on. */
export function fastifyTracingPlugin() {
  return fastifyInstrumentation?.plugin();
}

/**
 * Every append to the store in an `append <category>` span (append invoice), whoever makes it
 * (a command, a day job); the events record its trace context, so the relay continues from it.
 */
export function traceAppends(store: PostgresEventStore, service: string): void {
  const append = store.appendToStream.bind(store);
  store.appendToStream = (streamId, events, options, tx) =>
    inSpan(
      `append ${streamId.split('-', 1)[0]}`,
      {
        attributes: {
          'ar.service': service,
          'ar.stream': streamId,
          'ar.stream.expected_version': options.expectedVersion,
          'ar.event.types': events.map((e) => e.type),
          'db.system.name': 'postgresql',
        },
      },
      () => append(streamId, events, { ...options, metadata: withTraceContext(options.metadata) }, tx),
    );
  // Many streams at once (a day job's chunk): one span for the call; each stream's events keep
  // the trace context their command gave them.
  const appendMany = store.appendToStreams.bind(store);
  store.appendToStreams = (appends, tx) =>
    inSpan(
      `append ${appends[0]?.streamId.split('-', 1)[0] ?? 'streams'}`,
      {
        attributes: {
          'ar.service': service,
          'ar.streams': appends.map((a) => a.streamId),
          'ar.event.types': [...new Set(appends.flatMap((a) => a.events.map((e) => e.type)))],
          'db.system.name': 'postgresql',
        },
      },
      () => appendMany(appends, tx),
    );
}
