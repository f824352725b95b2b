import { allServices } from '@ar/all-in-one';
import { type RunningService, startTracing, type Tracing } from '@ar/platform';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { authHeaders } from '../support/auth';
import { eventually } from '../support/infra';
import { call, kafkaPlatform } from '../support/platform';

const service = (name: string) => {
  const def = allServices.find((s) => s.name === name);
  if (!def) throw new Error(`no service ${name}`);
  return def;
};

/**
 * Traces (#16 item 1): one REST command, through the store, the relay, real Kafka and every
 * service that reacts, is ONE trace, its spans named in the domain's words.
 */
describe('a command traced through Kafka', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing | undefined;
  const platform = kafkaPlatform('trace', '2026-01-05');
  let credit: RunningService;
  let invoicing: RunningService;

  beforeAll(async () => {
    tracing = startTracing({
      serviceName: 'trace-test',
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    credit = await platform.start(service('credit-scoring'));
    await platform.start(service('collections'));
    await platform.start(service('reporting'));
    invoicing = await platform.start(service('invoicing'));
  });
  afterAll(async () => {
    await platform.stop();
    await tracing?.shutdown();
  });

  const attr = (span: ReadableSpan, key: string) => span.attributes[key];
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

  it('follows IssueInvoice from the REST call through the relay into credit-scoring, collections and reporting', async () => {
    expect(tracing).toBeDefined();
    const registered = await call(credit, 'POST', '/customers', {
      customerId: 'C-TRACE',
      name: 'Trace Trading Co',
      industry: 'RETAIL',
      region: 'East China',
      headcount: 40,
      annualRevenue: 900_000_000,
      expectedAnnualValue: 20_000_000,
      registrationNumber: 'R-TRACE',
      registeredDate: '2019-05-01',
      salesOwner: 'sales-li',
    });
    expect(registered.status).toBe(201);

    // Over real HTTP, as a client calls: the request span is the trace's root.
    const response = await fetch(`${invoicing.url}/invoices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeaders()) },
      body: JSON.stringify({
        invoiceId: 'INV-TRACE-1',
        customerId: 'C-TRACE',
        amount: 1_200_000,
        currency: 'CNY',
        issueDate: '2026-01-05',
        dueDate: '2026-02-04',
      }),
    });
    expect(response.status).toBe(201);

    const command = await eventually(
      async () => exporter.getFinishedSpans().find((s) => s.name === 'IssueInvoice'),
      20_000,
      'the IssueInvoice span',
    );
    const traceId = command.spanContext().traceId;
    const inTrace = () => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const reactions = await eventually(
      async () => {
        const on = inTrace().filter((s) => s.name === 'on InvoiceIssued');
        const services = new Set(on.map((s) => attr(s, 'ar.service')));
        return ['credit-scoring', 'collections', 'reporting'].every((s) => services.has(s)) ? on : undefined;
      },
      30_000,
      'on InvoiceIssued in credit-scoring, collections and reporting, in the same trace',
    );

    const spans = inTrace();
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    // The REST request is the root; the command runs inside it.
    const request = spans.find((s) => s.name === 'POST /invoices');
    expect(request).toBeDefined();
    expect(request!.kind).toBe(SpanKind.SERVER);
    expect(parentOf(request!)).toBeUndefined();
    const ancestors = (span: ReadableSpan) => {
      const chain: string[] = [];
      for (let p = parentOf(span); p && byId.has(p); p = parentOf(byId.get(p)!))
        chain.push(byId.get(p)!.name);
      return chain;
    };
    expect(attr(command, 'ar.service')).toBe('invoicing');
    expect(ancestors(command)).toContain('POST /invoices');

    // The store append is the command's; the relay publishes from the appended event's context.
    const append = spans.find(
      (s) => s.name === 'append invoice' && parentOf(s) === command.spanContext().spanId,
    );
    expect(append).toBeDefined();
    const publish = spans.find(
      (s) => s.name === 'relay publish' && attr(s, 'ar.event.type') === 'InvoiceIssued',
    );
    expect(publish).toBeDefined();
    expect(publish!.kind).toBe(SpanKind.PRODUCER);
    expect(attr(publish!, 'ar.service')).toBe('invoicing');
    expect(parentOf(publish!)).toBe(append!.spanContext().spanId);

    // Across the Kafka hop: each reacting service's handler span is a child of the producer's.
    for (const on of reactions) {
      expect(on.kind).toBe(SpanKind.CONSUMER);
      expect(parentOf(on)).toBe(publish!.spanContext().spanId);
      expect(attr(on, 'messaging.destination.name')).toBe(platform.topics.invoicing);
    }
  });
});
