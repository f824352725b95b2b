import type { EventMetadata } from '@ar/kernel';
import {
  type Attributes,
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

/**
 * Spans in the domain's words (`IssueInvoice`, `relay publish`, `on PaymentOverdue`), on the
 * OpenTelemetry API only: with no SDK started (tracing off) the API's tracer is a no-op and
 * these cost a function call. The W3C trace context travels in each event's metadata and in
 * the Kafka headers (CE.traceparent), so a trace continues through the store and the broker.
 */
const tracer = () => trace.getTracer('@ar/platform');

export { SpanKind };

/** The W3C trace context a stored event or a message carries. */
export type TraceCarrier = Pick<EventMetadata, 'traceparent' | 'tracestate'>;

/** The context carried in `carrier` (a message's headers, an event's metadata), nothing else. */
export function carriedContext(carrier: TraceCarrier): Context {
  const headers: Record<string, string> = {};
  if (carrier.traceparent) headers.traceparent = carrier.traceparent;
  if (carrier.tracestate) headers.tracestate = carrier.tracestate;
  return propagation.extract(ROOT_CONTEXT, headers);
}

/**
 * Where work continues a trace: the span running now (a request's handler, a reaction's
 * `on ...`), else the context carried in the metadata it was given.
 */
export function continuedContext(carrier: TraceCarrier): Context {
  const active = context.active();
  return trace.getSpan(active)?.isRecording() ? active : carriedContext(carrier);
}

/** `carrier` with the trace context of `ctx` (default: now's) when a span records there; else as it is. */
export function withTraceContext<C extends TraceCarrier>(carrier: C, ctx: Context = context.active()): C {
  if (!trace.getSpan(ctx)?.isRecording()) return carrier;
  const headers: Record<string, string> = {};
  propagation.inject(ctx, headers);
  if (!headers.traceparent) return carrier;
  return { ...carrier, traceparent: headers.traceparent, tracestate: headers.tracestate };
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The context the span continues (default: the active one). */
  parent?: Context;
}

/** Runs `work` in a new active span: ended when it settles, an error recorded on it. */
export function inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes && { attributes: options.attributes }),
    },
    options.parent ?? context.active(),
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        failed(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** Starts a span that the caller ends (a message's span, ended once the broker acknowledged). */
export function startSpan(name: string, options: SpanOptions): { span: Span; context: Context } {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes && { attributes: options.attributes }),
    },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/** Marks `span` as failed with `error`. */
export function failed(span: Span, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
}
