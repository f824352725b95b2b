import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { CE } from '@ar/contracts';
import { createKafkaBus, InProcessBus } from '@ar/messaging';
import { AppendNotifier } from '@ar/postgres';
import { authHeaders, testAuth } from '../../../tests/support/auth';
import { eventually, quietLogger, testInfra, unique } from '../../../tests/support/infra';
import { TcpProxy } from '../../../tests/support/tcp-proxy';
import { measured } from './measured-service.fixture';
import { type RunningService, startService, topicNames } from './service';

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** `databaseUrl` with its host and port replaced (the credentials and database kept). */
function throughPort(databaseUrl: string, port: number): string {
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.toString();
}

async function get(url: string) {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  // biome-ignore lint/suspicious/noExplicitAny: the test reads the JSON field by field
  const body = (await res.json()) as any;
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
}

async function add(url: string, n = 1) {
  const res = await fetch(`${url}/counters/C-1/add`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await authHeaders(['finance'])) },
    body: JSON.stringify({ n }),
    signal: AbortSignal.timeout(10_000),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the test reads the JSON field by field
  const body = (await res.json()) as any;
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
}

/**
 * A service starts while PostgreSQL or Kafka is not there: it listens at once, /health answers,
 * /ready answers 503 saying what it waits for, commands answer 503 with Retry-After - and once
 * the dependency answers, it starts the rest (migrations, consumers, relay, leases) and serves.
 */
describe('a service whose dependencies are not there yet', () => {
  const { databaseUrl, kafkaBrokers } = testInfra();
  const shared = new URL(databaseUrl);
  const notifier = new AppendNotifier(databaseUrl);
  const running: RunningService[] = [];
  const proxies: TcpProxy[] = [];
  const starting: Promise<RunningService | undefined>[] = [];

  beforeAll(() => notifier.start());
  afterAll(async () => {
    for (const p of proxies) await p.close();
    for (const s of running) await s.stop();
    await notifier.stop();
  });

  /** Starts `measured` without waiting for its dependencies; the running service once it listens. */
  const start = async (infra: {
    databaseUrl: string;
    bus?: InProcessBus | ReturnType<typeof createKafkaBus>;
  }) => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const pending = startService(measured, {
      databaseUrl: infra.databaseUrl,
      bus: infra.bus ?? new InProcessBus(),
      notifier,
      logger: quietLogger,
      host: '127.0.0.1',
      port,
      auth: testAuth,
      schema: unique('unreachable'),
      awaitDependencies: false,
    }).then(
      (s) => {
        running.push(s);
        return s;
      },
      () => undefined,
    );
    starting.push(pending);
    return { url, pending };
  };

  it('PostgreSQL refusing: /health 200, /ready 503 "waiting for PostgreSQL at ...: ECONNREFUSED", commands 503; ready and serving once it answers', async () => {
    const pgPort = await freePort(); // nobody listens here (yet)
    const { url } = await start({ databaseUrl: throughPort(databaseUrl, pgPort) });

    const health = await eventually(async () => get(`${url}/health`), 10_000, '/health to answer');
    expect(health.status).toBe(200);
    const notReady = await eventually(
      async () => {
        const r = await get(`${url}/ready`);
        return r.body.checks?.startup?.includes('ECONNREFUSED') ? r : undefined;
      },
      10_000,
      '/ready to say what it waits for',
    );
    expect(notReady.status).toBe(503);
    expect(Number(notReady.retryAfter)).toBeGreaterThan(0);
    expect(notReady.body.checks.startup).toMatch(
      new RegExp(`^waiting for PostgreSQL at 127\\.0\\.0\\.1:${pgPort}/postgres .*ECONNREFUSED`),
    );
    expect(notReady.body.checks.database).toMatch(/^down: PostgreSQL at/);
    expect(notReady.body.reason).toContain(`startup waiting for PostgreSQL at 127.0.0.1:${pgPort}/postgres`);

    const refused = await add(url);
    expect(refused.status).toBe(503);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(refused.body.error).toBe('unavailable');
    expect(refused.body.message).toContain(`waiting for PostgreSQL at 127.0.0.1:${pgPort}/postgres`);

    // PostgreSQL appears (a proxy to the shared server on that port).
    const proxy = new TcpProxy(pgPort, { host: shared.hostname, port: Number(shared.port || 5432) });
    proxies.push(proxy);
    await proxy.listen();
    const ready = await eventually(
      async () => {
        const r = await get(`${url}/ready`);
        return r.status === 200 ? r : undefined;
      },
      30_000,
      '/ready 200 once PostgreSQL answers',
    );
    expect(ready.body.checks).toMatchObject({ database: 'ok', kafka: expect.stringMatching(/^ok/) });
    expect(ready.body.checks.startup).toMatch(/^ok/);
    expect((await add(url)).status).toBe(201);
  }, 60_000);

  it('Kafka not there, longer than the clients give up (60 s): /health 200, /ready 503 waiting for the broker, commands 503; ready by itself once the broker answers', async () => {
    const brokerPort = await freePort();
    const began = Date.now();
    const [host, port] = kafkaBrokers[0]!.split(':');
    const bus = createKafkaBus({
      brokers: [`127.0.0.1:${brokerPort}`],
      clientId: unique('unreachable'),
      logger: quietLogger,
    });
    const { url } = await start({ databaseUrl, bus });
    try {
      const health = await eventually(async () => get(`${url}/health`), 10_000, '/health to answer');
      expect(health.status).toBe(200);
      const notReady = await eventually(
        async () => {
          const r = await get(`${url}/ready`);
          return r.body.checks?.startup?.startsWith('waiting for the message broker') ? r : undefined;
        },
        20_000,
        '/ready to say it waits for the broker',
      );
      expect(notReady.status).toBe(503);
      expect(Number(notReady.retryAfter)).toBeGreaterThan(0);
      expect(notReady.body.checks.startup).toMatch(
        /^waiting for the message broker \(consumer group of invoicing\.milestones\)/,
      );
      expect(notReady.body.checks.kafka).toMatch(/^down: the message broker/);
      expect(notReady.body.checks.database).toBe('ok');
      const refused = await add(url);
      expect(refused.status).toBe(503);
      expect(Number(refused.retryAfter)).toBeGreaterThan(0);

      // Away past the point where the topic plan and the client stop trying (~42 s: "Listing
      // topics failed."): still serving /health, still waiting - not a start that failed.
      while (Date.now() - began < 60_000) {
        await new Promise((r) => setTimeout(r, 5000));
        expect((await get(`${url}/health`)).status).toBe(200);
        const waiting = await get(`${url}/ready`);
        expect(waiting.status).toBe(503);
        expect(waiting.body.checks.startup).toMatch(/^waiting for the message broker/);
      }

      // The broker appears: its bootstrap address answers (the brokers it names are the shared one).
      const proxy = new TcpProxy(brokerPort, { host: host!, port: Number(port) });
      proxies.push(proxy);
      await proxy.listen();
      await eventually(
        async () => ((await get(`${url}/ready`)).status === 200 ? true : undefined),
        45_000,
        '/ready 200 once the broker answers',
      );
      expect((await add(url)).status).toBe(201);
    } finally {
      for (const s of running) await s.stop();
      running.length = 0;
      await bus.close();
    }
  }, 150_000);

  it('stops at once while it waits (SIGTERM during an outage), for PostgreSQL or for the broker', async () => {
    const bus = createKafkaBus({
      brokers: [`127.0.0.1:${await freePort()}`],
      clientId: unique('unreachable'),
      logger: quietLogger,
    });
    try {
      for (const infra of [
        { databaseUrl: throughPort(databaseUrl, await freePort()) },
        { databaseUrl, bus },
      ]) {
        const { url, pending } = await start(infra);
        await eventually(
          async () =>
            (await get(`${url}/ready`)).body.checks?.startup?.startsWith('waiting for') ? true : undefined,
          20_000,
          'waiting',
        );
        const service = (await pending)!; // listening, still waiting
        running.splice(running.indexOf(service), 1);
        const began = Date.now();
        await service.stop();
        expect(Date.now() - began).toBeLessThan(5000);
        await expect(fetch(`${url}/health`)).rejects.toThrow();
      }
    } finally {
      await bus.close();
    }
  }, 60_000);
});

/**
 * A PostgreSQL that hangs (accepts the connection, never answers) under a running service: the
 * pool gives up connecting after its connect timeout, so a command answers 503 with Retry-After
 * in about that time instead of hanging until TCP gives up.
 */
describe('a PostgreSQL that hangs', () => {
  const { databaseUrl } = testInfra();
  const shared = new URL(databaseUrl);
  const notifier = new AppendNotifier(databaseUrl);
  let proxy: TcpProxy;
  let service: RunningService;
  let url: string;

  beforeAll(async () => {
    await notifier.start();
    proxy = new TcpProxy(await freePort(), { host: shared.hostname, port: Number(shared.port || 5432) });
    await proxy.listen();
    service = await startService(measured, {
      databaseUrl: throughPort(databaseUrl, proxy.port),
      bus: new InProcessBus(),
      notifier,
      logger: quietLogger,
      host: '127.0.0.1',
      port: 0,
      auth: testAuth,
      schema: unique('hanging'),
      pgConnectTimeoutMs: 1000,
    });
    url = service.url;
  });
  afterAll(async () => {
    proxy.forward();
    await service?.stop();
    await proxy.close();
    await notifier.stop();
  });

  it('answers a command 503 with Retry-After within the connect timeout, and serves again once it answers', async () => {
    expect((await add(url)).status).toBe(201);
    proxy.hang();
    // Let the pool see its connections cut (an idle client's error removes it).
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    const refused = await add(url);
    const ms = Date.now() - started;
    expect(refused.status).toBe(503);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(refused.body.message).toMatch(/timeout/);
    expect(ms).toBeLessThan(4000);

    proxy.forward();
    await eventually(
      async () => ((await add(url)).status === 201 ? true : undefined),
      20_000,
      'a command served again',
    );
  }, 60_000);
});

/**
 * A PostgreSQL that stops answering a query already sent (the connection open, the network or
 * the server stuck): only the query timeout can end the wait - connecting is not involved, and
 * TCP would wait for many minutes. The command answers 503 with Retry-After within the bound.
 * Long work (migrations here) is not held to it.
 */
describe('a PostgreSQL that stops answering a query already sent', () => {
  const { databaseUrl } = testInfra();
  const shared = new URL(databaseUrl);
  const notifier = new AppendNotifier(databaseUrl);
  let proxy: TcpProxy;
  let service: RunningService;
  let url: string;

  beforeAll(async () => {
    await notifier.start();
    proxy = new TcpProxy(await freePort(), { host: shared.hostname, port: Number(shared.port || 5432) });
    await proxy.listen();
    service = await startService(
      {
        ...measured,
        // A migration longer than the query timeout: migrations are long work, never cut.
        migrations: [...(measured.migrations ?? []), { id: 'slow-001', sql: 'select pg_sleep(2)' }],
      },
      {
        databaseUrl: throughPort(databaseUrl, proxy.port),
        bus: new InProcessBus(),
        notifier,
        logger: quietLogger,
        host: '127.0.0.1',
        port: 0,
        auth: testAuth,
        schema: unique('stalled'),
        pgConnectTimeoutMs: 1000,
        pgQueryTimeoutMs: 1500,
      },
    );
    url = service.url;
  });
  afterAll(async () => {
    proxy.forward();
    await service?.stop();
    await proxy.close();
    await notifier.stop();
  });

  it('answers a command 503 with Retry-After within the query timeout (not 500, not hanging), and serves again once it answers', async () => {
    expect((await add(url)).status).toBe(201);
    proxy.stall(); // the pool's connections stay open; what is sent on them is never answered
    const started = Date.now();
    const refused = await add(url);
    const ms = Date.now() - started;
    expect(refused.status).toBe(503);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(refused.body.error).toBe('unavailable');
    expect(ms).toBeLessThan(5000);
    const ready = await get(`${url}/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body.checks.database).toMatch(/^down: PostgreSQL at/);

    proxy.forward();
    await eventually(
      async () => ((await add(url)).status === 201 ? true : undefined),
      20_000,
      'a command served again',
    );
  }, 60_000);
});

/**
 * The broker going away under a running service, with the real Kafka bus: the service talks to
 * the shared broker only through a proxy (which also stands in for it in the broker's metadata,
 * so every connection of the client goes through it), and the proxy is cut, then restored.
 */
describe.each(['platformatic', 'kafkajs'] as const)(
  'a Kafka broker going away under a running service (%s)',
  (client) => {
    const { databaseUrl, kafkaBrokers } = testInfra();
    const [host, port] = kafkaBrokers[0]!.split(':');
    const notifier = new AppendNotifier(databaseUrl);
    let proxy: TcpProxy;
    let bus: ReturnType<typeof createKafkaBus>;
    // The test's own producer talks to the broker directly: only the service's path is cut.
    const direct = createKafkaBus({ brokers: kafkaBrokers, clientId: unique('direct'), logger: quietLogger });
    const run = unique('brokergone');
    let service: RunningService;
    let url: string;

    beforeAll(async () => {
      await notifier.start();
      proxy = new TcpProxy(await freePort(), { host: host!, port: Number(port) }, { kafka: true });
      await proxy.listen();
      bus = createKafkaBus({
        brokers: [`127.0.0.1:${proxy.port}`],
        clientId: run,
        logger: quietLogger,
        client,
      });
      service = await startService(measured, {
        databaseUrl,
        bus,
        notifier,
        logger: quietLogger,
        host: '127.0.0.1',
        port: 0,
        auth: testAuth,
        schema: run,
        topicPrefix: `${run}.`,
        groupPrefix: `${run}.`,
      });
      url = service.url;
    }, 60_000);
    afterAll(async () => {
      if (!proxy.listening) await proxy.listen(); // so the service stops without waiting for the broker
      await service?.stop();
      await bus?.close();
      await direct.close();
      await proxy.close();
      await notifier.stop();
    }, 60_000);

    it('/ready 200, then 503 naming Kafka with Retry-After within seconds of the broker going, 200 again once it is back', async () => {
      // Ready once its consumers joined their group (seconds on a busy machine), before the cut.
      await eventually(
        async () => ((await get(`${url}/ready`)).status === 200 ? true : undefined),
        60_000,
        '/ready 200 before the broker goes',
      );

      await proxy.cut();
      const cut = Date.now();
      const down = await eventually(
        async () => {
          const r = await get(`${url}/ready`);
          return r.status === 503 ? r : undefined;
        },
        10_000,
        '/ready 503 once the broker is gone',
      );
      const readyDownMs = Date.now() - cut;
      expect(readyDownMs).toBeLessThan(5000);
      expect(Number(down.retryAfter)).toBeGreaterThan(0);
      expect(down.body.checks.kafka).toMatch(/^down: the message broker/);
      expect(down.body.reason).toMatch(/kafka/i);
      expect(down.body.checks.database).toBe('ok');
      // Commands need only PostgreSQL: stored now, published once the broker is back.
      expect((await add(url)).status).toBe(201);
      // A message for the service's consumer meanwhile: read once the broker is back.
      await direct.publish(topicNames(`${run}.`).contract, [
        {
          key: 'C-1',
          value: JSON.stringify({ amount: 100 }),
          headers: {
            [CE.id]: randomUUID(),
            [CE.type]: 'ar.testing.MilestoneNoted.v1',
            [CE.subject]: 'contract-C-1',
            [CE.time]: '2026-03-02T09:00:00.000Z',
            [CE.sequence]: '1',
            [CE.previousSequence]: '0',
          },
        },
      ]);

      // /metrics still answers, saying Kafka could not be read.
      const metrics = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('ar_metrics_source_up{source="kafka",service="invoicing"} 0');
      // Away longer than the consumer group's session (10 s): the group forgets the member.
      await new Promise((r) => setTimeout(r, Math.max(0, 12_000 - (Date.now() - cut))));
      expect((await get(`${url}/ready`)).status).toBe(503);

      await proxy.listen();
      const restored = Date.now();
      const back = await eventually(
        async () => {
          const r = await get(`${url}/ready`);
          return r.status === 200 ? r : undefined;
        },
        30_000,
        '/ready 200 once the broker is back',
      );
      const readyUpMs = Date.now() - restored;
      expect(back.body.checks.kafka).toMatch(/^ok/);
      await eventually(
        async () => ((await service.published().then(() => true)) ? true : undefined),
        30_000,
        'what was stored meanwhile published',
      );
      await eventually(
        async () => {
          const { rows } = await service.ctx.pool.query<{ n: number }>('select count(*)::int as n from seen');
          return rows[0]?.n === 1 ? true : undefined;
        },
        45_000,
        'the message sent meanwhile consumed',
      );
      console.log(
        `${client}: broker cut: /ready 503 after ${readyDownMs} ms; back: /ready 200 after ${readyUpMs} ms`,
      );
    }, 120_000);
  },
);
