import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { InProcessBus } from '@ar/messaging';
import { AppendNotifier } from '@ar/postgres';
import { authHeaders, testAuth } from '../../../tests/support/auth';
import { eventually, quietLogger, testInfra, unique } from '../../../tests/support/infra';
import { measured } from './measured-service.fixture';
import { type RunningService, startService } from './service';

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

/**
 * A TCP stand-in for a server, on a port of its own: not there at all until `listen`, then
 * forwarding every connection to the real server, or (`hang`) accepting connections and never
 * answering - a PostgreSQL that hangs, as a stuck host or a half-open network makes it.
 */
class TcpProxy {
  private server: Server | undefined;
  private mode: 'forward' | 'hang' = 'forward';
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  async listen(): Promise<void> {
    const server = createServer((client) => {
      this.track(client);
      if (this.mode === 'hang') return; // accepted, and not a byte ever answered
      const upstream = tcpConnect(this.target.port, this.target.host);
      this.track(upstream);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((done) => server.listen(this.port, '127.0.0.1', done));
    this.server = server;
  }

  /** From now on the server hangs: the connections open are cut, new ones are held unanswered. */
  hang(): void {
    this.mode = 'hang';
    for (const s of this.sockets) s.destroy();
  }

  forward(): void {
    this.mode = 'forward';
    for (const s of this.sockets) s.destroy(); // the held ones: their clients have given up
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }

  private track(socket: Socket) {
    this.sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => this.sockets.delete(socket));
  }
}

/** `databaseUrl` with its host and port replaced (the credentials and database kept). */
function throughPort(databaseUrl: string, port: number): string {
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.toString();
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
