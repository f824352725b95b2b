import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InProcessBus } from '@ar/messaging';
import { AppendNotifier } from '@ar/postgres';
import { trace } from '@opentelemetry/api';
import { authHeaders, servedAuthHeaders, servedTestIssuer, testAuth } from '../../../tests/support/auth';
import { eventually, quietLogger, testInfra, unique } from '../../../tests/support/infra';
import { spawnTypeScript, stopProcess } from './child-process';
import { measured } from './measured-service.fixture';
import { startService } from './service';
import { startTracing } from './tracing';

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
  }, 120_000);
});
