/**
 * Every Kafka message is a CloudEvents 1.0 event in binary mode (CONVENTIONS §8): the value is
 * the event's data as JSON, the attributes are headers. Consumers dedupe on `ce_id`.
 */
export const CE = {
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  subject: 'ce_subject',
  time: 'ce_time',
  specversion: 'ce_specversion',
  dataschema: 'ce_dataschema',
  /** The event's position in its stream (extension attribute). */
  sequence: 'ce_sequence',
  /**
   * The position of the stream's previous public event (0 for its first): private events leave
   * gaps in `ce_sequence`, so this is how a consumer tells a gap from a hidden event.
   */
  previousSequence: 'ce_previoussequence',
  correlationId: 'ce_correlationid',
  causationId: 'ce_causationid',
  contentType: 'content-type',
  /** W3C trace context, carried as plain headers so any tracer picks them up. */
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

/** `ar.invoicing.InvoiceIssued.v1` */
export function cloudEventType(service: string, eventType: string, version = 1): string {
  return `ar.${service}.${eventType}.v${version}`;
}

export function parseCloudEventType(ceType: string): { service: string; eventType: string; version: number } {
  const m = /^ar\.([a-z-]+)\.([A-Za-z]+)\.v(\d+)$/.exec(ceType);
  if (!m) throw new Error(`not a platform event type: ${ceType}`);
  return { service: m[1]!, eventType: m[2]!, version: Number(m[3]) };
}
