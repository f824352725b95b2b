/**
 * Loaded before anything else by every program that runs services (each service's `main.ts`, the
 * all-in-one's; as their first import, so also in the built bundles, or by `node --import`):
 * when traces are wanted (`tracingWanted`), it turns on the OpenTelemetry instrumentations that
 * patch modules as they are loaded - `pg` above all - before any of the service's modules loads
 * them. Off (no OTEL_EXPORTER_OTLP_* endpoint, or OTEL_SDK_DISABLED=true) it loads nothing.
 *
 * The instrumentations make their spans through the global tracer provider, which `startTracing`
 * (run.ts) sets once it knows the service's name: until then they record nothing.
 *  - pg (@opentelemetry/instrumentation-pg): each SQL query as a client span `pg.query:<OP> <db>`
 *    with its statement (placeholders only: parameter values are not recorded), only inside a
 *    span of ours (a command, an append, a relay publish, a consumer) - the lease checks, the
 *    relays' polling and the metrics' reads would otherwise each start a trace of their own.
 *  - undici (@opentelemetry/instrumentation-undici): each outgoing `fetch` (contract asking
 *    credit-scoring for a credit check, the OpenID issuer's keys) as a client span, with the
 *    trace context in its `traceparent`, so the called service continues the trace.
 * Incoming HTTP is @fastify/otel's (startTracing); node:http's own instrumentation would only add
 * a span above it, and no service calls out through node:http.
 */
import { tracingWanted } from './tracing-env';

const STARTED = Symbol.for('@ar/platform.tracing-preload');

/** Turns the module instrumentations on once per process (several bundles may run this file). */
export function instrumentModules(env: NodeJS.ProcessEnv = process.env): boolean {
  const global = globalThis as { [STARTED]?: boolean };
  if (global[STARTED]) return true;
  if (!tracingWanted(env)) return false;
  // Required here, not imported: with tracing off they are never loaded.
  const { PgInstrumentation } =
    require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { UndiciInstrumentation } =
    require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  // Each instrumentation is enabled by its constructor: it hooks require() from now on.
  new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false });
  new UndiciInstrumentation();
  global[STARTED] = true;
  return true;
}

instrumentModules();
