import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InProcessBus } from '@ar/messaging';
import { AppendNotifier } from '@ar/postgres';
import { trace } from '@opentelemetry/api';
import { authHeaders, servedAuthHeaders, servedTestIssuer, testAuth } from '../../../tests/support/auth';
import { ensureBuilt, spawnBuilt } from '../../../tests/support/built';
import { eventually, quietLogger, testInfra, unique } from '../../../tests/support/infra';
import { spawnTypeScript, stopProcess } from './child-process';
import { measured } from './measured-service.fixture';
import { startService } from './service';
import { startTracing } from './tracing';
import { instrumentModules } from './tracing-preload';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** What a client sends: a trace of its own, which the service must continue (or keep as it came). */
const CLIENT_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_TRACEPARENT = `00-${CLIENT_TRACE_ID}-00f067aa0ba902b7-01`;

/** A stand-in OTLP/HTTP collector on 127.0.0.1, port 0: keeps what is posted to it. */
async function otlpReceiver() {
  const received: { path: string; body: Buffer }[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      received.push({ path: request.url ?? '', body: Buffer.concat(chunks) });
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The fields of one protobuf message: field number -> its values (varints as bigint, the rest as bytes). */
function protobufFields(buffer: Buffer): Map<number, (bigint | Buffer)[]> {
  const fields = new Map<number, (bigint | Buffer)[]>();
  let at = 0;
  const varint = () => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = buffer[at++]!;
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < buffer.length) {
    const key = Number(varint());
    const [field, wire] = [key >> 3, key & 7];
    let value: bigint | Buffer;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const length = Number(varint());
      value = buffer.subarray(at, at + length);
      at += length;
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      value = buffer.subarray(at, at + size);
      at += size;
    } else throw new Error(`protobuf wire type ${wire} not expected in OTLP traces`);
    fields.set(field, [...(fields.get(field) ?? []), value]);
  }
  return fields;
}

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
}

/** The spans of OTLP/HTTP protobuf trace exports (ExportTraceServiceRequest > ResourceSpans > ScopeSpans > Span). */
function exportedSpans(bodies: Buffer[]): ExportedSpan[] {
  const bytes = (fields: Map<number, (bigint | Buffer)[]>, n: number) =>
    (fields.get(n) ?? []).filter((v): v is Buffer => Buffer.isBuffer(v));
  const spans: ExportedSpan[] = [];
  for (const body of bodies)
    for (const resourceSpans of bytes(protobufFields(body), 1))
      for (const scopeSpans of bytes(protobufFields(resourceSpans), 2))
        for (const span of bytes(protobufFields(scopeSpans), 2)) {
          const f = protobufFields(span);
          spans.push({
            traceId: bytes(f, 1)[0]?.toString('hex') ?? '',
            spanId: bytes(f, 2)[0]?.toString('hex') ?? '',
            parentSpanId: bytes(f, 4)[0]?.toString('hex') ?? '',
            name: bytes(f, 5)[0]?.toString('utf8') ?? '',
          });
        }
  return spans;
}

describe('tracing: off and free unless OTLP is configured', () => {
  const { databaseUrl } = testInfra();
  const saved = { ...process.env };
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
  beforeAll(async () => {
    receiver = await otlpReceiver();
  });
  afterAll(async () => {
    process.env = saved;
    await receiver.close();
  });

  /** The measured service, one command over real HTTP with the client's traceparent. */
  async function runOneCommand() {
    const notifier = new AppendNotifier(databaseUrl);
    await notifier.start();
    const service = await startService(measured, {
      databaseUrl,
      bus: new InProcessBus(),
      notifier,
      logger: quietLogger,
      host: '127.0.0.1',
      port: 0,
      auth: testAuth,
      schema: unique('tracing'),
    });
    try {
      const response = await fetch(`${service.url}/counters/c-1/add`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          traceparent: CLIENT_TRACEPARENT,
          ...(await authHeaders()),
        },
        body: JSON.stringify({ n: 3 }),
      });
      expect(response.status).toBe(201);
      await service.caughtUp();
      const stored = await service.ctx.store.readStream('counter-c-1');
      return { traced: service.app.hasPlugin('@fastify/otel'), metadata: stored.events[0]!.metadata };
    } finally {
      await service.stop();
      await notifier.stop();
    }
  }

  it('with no OTEL variables starts no SDK: no span records, the client trace context is stored as it came', async () => {
    for (const key of Object.keys(process.env)) if (key.startsWith('OTEL_')) delete process.env[key];
    expect(startTracing({ serviceName: 'invoicing' })).toBeUndefined();
    expect(instrumentModules()).toBe(false); // the preload instruments nothing, loads nothing
    expect(trace.getTracer('probe').startSpan('probe').isRecording()).toBe(false);
    const { traced, metadata } = await runOneCommand();
    expect(traced).toBe(false);
    expect(metadata.traceparent).toBe(CLIENT_TRACEPARENT);
    expect(receiver.received).toEqual([]);
  });

  it('with OTEL_SDK_DISABLED=true starts nothing even with an endpoint: the collector receives nothing', async () => {
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.endpoint;
    process.env.OTEL_SDK_DISABLED = 'true';
    expect(startTracing({ serviceName: 'invoicing' })).toBeUndefined();
    const { traced } = await runOneCommand();
    expect(traced).toBe(false);
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.received).toEqual([]);
  });

  // A service process as main.ts runs it (the OTLP exporter loads its HTTP client by a dynamic
  // import, which jest's module sandbox does not allow): spans reach the collector when it stops.
  it('with OTEL_EXPORTER_OTLP_ENDPOINT a service process exports its spans over OTLP, continuing the client trace', async () => {
    const { kafkaBrokers } = testInfra();
    const run = unique('tracing');
    const port = await freePort();
    const env: Record<string, string> = {
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: kafkaBrokers.join(','),
      DB_SCHEMA: `${run}_metrics`,
      TOPIC_PREFIX: `${run}.`,
      GROUP_PREFIX: `${run}.`,
      PORT: String(port),
      BUSINESS_DATE: '2026-03-02',
      LOG_LEVEL: 'warn',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_SDK_DISABLED: 'false',
      ...(await servedTestIssuer()).env,
    };
    const child = spawnTypeScript('packages/platform/src/measured-service.fixture.ts', env);
    try {
      const url = `http://127.0.0.1:${port}`;
      await eventually(async () => ((await fetch(`${url}/ready`)).ok ? true : undefined), 60_000, 'ready');
      const response = await fetch(`${url}/counters/c-1/add`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          traceparent: CLIENT_TRACEPARENT,
          ...(await servedAuthHeaders()),
        },
        body: JSON.stringify({ n: 3 }),
      });
      expect(response.status).toBe(201);
    } finally {
      expect(await stopProcess(child, 'SIGTERM')).toBe(0); // a graceful stop flushes the spans
    }
    const traces = receiver.received.filter((r) => r.path === '/v1/traces');
    expect(traces.length).toBeGreaterThan(0);
    const body = Buffer.concat(traces.map((t) => t.body));
    // protobuf keeps strings and ids as they are: the names, the service, the client's trace id
    for (const name of ['POST /counters/:id/add', 'Add', 'append counter', 'invoicing'])
      expect({ name, exported: body.includes(Buffer.from(name)) }).toEqual({ name, exported: true });
    expect(body.includes(Buffer.from(CLIENT_TRACE_ID, 'hex'))).toBe(true);

    // Each SQL query of the command is a span (pg's instrumentation, on before pg was loaded)
    // beneath the command's span, in the client's trace; no query outside a span of ours (lease
    // checks, polling) starts a trace of its own.
    const spans = exportedSpans(traces.map((t) => t.body));
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const command = spans.find((span) => span.name === 'Add' && span.traceId === CLIENT_TRACE_ID);
    expect(command).toBeDefined();
    const under = (span: ExportedSpan, ancestor: ExportedSpan): boolean => {
      const parent = byId.get(span.parentSpanId);
      return !!parent && (parent === ancestor || under(parent, ancestor));
    };
    const queries = spans.filter((span) => span.name.startsWith('pg.query'));
    const ofCommand = queries.filter((span) => under(span, command!)).map((span) => span.name);
    // the append is one statement, the store's append_to_stream function (named after it)
    expect(ofCommand).toEqual(expect.arrayContaining([expect.stringMatching(/^pg\.query:append_to_stream/)]));
    expect(ofCommand).toEqual(expect.arrayContaining([expect.stringMatching(/^pg\.query:SELECT/)]));
    expect(queries.filter((span) => !span.parentSpanId).map((span) => span.name)).toEqual([]);
  }, 120_000);

  // As production runs it: the built bundle with plain node (pg and the instrumentations are
  // require()d from node_modules, the preload is the bundle's first code).
  it('the built service (plain node) exports each SQL query of a command as a span beneath the command', async () => {
    const { kafkaBrokers } = testInfra();
    const run = unique('tracing_built');
    const port = await freePort();
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await ensureBuilt();
    const before = receiver.received.length;
    const child = spawnBuilt(
      'invoicing',
      {
        DATABASE_URL: databaseUrl,
        KAFKA_BROKERS: kafkaBrokers.join(','),
        DB_SCHEMA: `${run}_invoicing`,
        TOPIC_PREFIX: `${run}.`,
        GROUP_PREFIX: `${run}.`,
        PORT: String(port),
        BUSINESS_DATE: '2026-03-02',
        LOG_LEVEL: 'warn',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_SDK_DISABLED: 'false',
        ...(await servedTestIssuer()).env,
      },
      ['ignore', 'inherit', 'inherit'],
    );
    try {
      const url = `http://127.0.0.1:${port}`;
      await eventually(async () => ((await fetch(`${url}/ready`)).ok ? true : undefined), 90_000, 'ready');
      const response = await fetch(`${url}/invoices`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          traceparent: `00-${traceId}-b7ad6b7169203331-01`,
          ...(await servedAuthHeaders()),
        },
        body: JSON.stringify({
          customerId: 'C-TRACED',
          amount: 123_456,
          currency: 'CNY',
          issueDate: '2026-02-01',
          dueDate: '2026-03-03',
        }),
      });
      expect(response.status).toBe(201);
    } finally {
      expect(await stopProcess(child, 'SIGTERM')).toBe(0);
    }
    const spans = exportedSpans(
      receiver.received
        .slice(before)
        .filter((r) => r.path === '/v1/traces')
        .map((r) => r.body),
    );
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const command = spans.find((span) => span.name === 'IssueInvoice' && span.traceId === traceId);
    expect(command).toBeDefined();
    const under = (span: ExportedSpan, ancestor: ExportedSpan): boolean => {
      const parent = byId.get(span.parentSpanId);
      return !!parent && (parent === ancestor || under(parent, ancestor));
    };
    const ofCommand = spans.filter((span) => span.name.startsWith('pg.query') && under(span, command!));
    // The stream read, and the append with its inline row as one statement (a WITH around the append).
    expect(ofCommand.map((span) => span.name)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^pg\.query:SELECT/),
        expect.stringMatching(/^pg\.query:WITH/),
      ]),
    );
  }, 180_000);
});
