import { connect } from 'node:net';
import { InProcessBus } from '@ar/messaging';
import { AppendNotifier } from '@ar/postgres';
import pino from 'pino';
import { authHeaders, testAuth } from '../../../tests/support/auth';
import { quietLogger, testInfra, unique } from '../../../tests/support/infra';
import { httpLimitsFromEnv } from './hardening';
import { createHttpApp } from './http-app';
import { measured } from './measured-service.fixture';
import { type RunningService, startService } from './service';

/** Sends the headers of a POST promising a body, then a byte of it every 200 ms; resolves with what the server answered and when. */
function slowBody(port: number, forMs: number): Promise<{ answer: string; afterMs: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearInterval(timer);
      socket.destroy();
      resolve({ answer, afterMs: Date.now() - started });
    };
    socket.on('connect', () => {
      socket.write(
        'POST /anything HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n',
      );
      timer = setInterval(() => socket.write(' '), 200);
    });
    socket.on('data', (chunk) => {
      answer += chunk.toString();
    });
    socket.on('close', done);
    socket.on('error', done);
    setTimeout(done, forMs);
  });
}

describe('request timeouts (#15 item 7)', () => {
  it('cuts off a slowly sent body after REQUEST_TIMEOUT_MS with a 408, instead of holding it open', async () => {
    const app = await createHttpApp({
      service: 'slow',
      description: 'a service a slow client calls',
      logger: pino({ level: 'silent' }),
      ready: async () => ({ ready: true, checks: {} }),
      auth: testAuth,
      limits: { ...httpLimitsFromEnv({}), requestTimeoutMs: 1000 },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    const { answer, afterMs } = await slowBody(port, 8000);
    await app.close();
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    // 1 s allowed, Node looks every second: cut within about 2 s, not after the 8 s the client would go on.
    expect(afterMs).toBeLessThan(3500);
  });
});

describe('admin routes on an internal listener of their own (ADMIN_PORT)', () => {
  const { databaseUrl } = testInfra();
  const notifier = new AppendNotifier(databaseUrl);
  let service: RunningService;
  beforeAll(async () => {
    await notifier.start();
    service = await startService(measured, {
      databaseUrl,
      bus: new InProcessBus(),
      notifier,
      logger: quietLogger,
      host: '127.0.0.1',
      port: 0,
      adminPort: 0,
      auth: testAuth,
      schema: unique('admin_port'),
    });
  });
  afterAll(async () => {
    await service.stop();
    await notifier.stop();
  });

  it('serves /admin/* only on the admin port, the business routes only on the service port', async () => {
    const headers = await authHeaders(['admin']);
    expect(service.adminUrl).toBeDefined();
    expect(service.adminUrl).not.toBe(service.url);
    const onAdmin = await fetch(`${service.adminUrl}/admin/clock`, { headers });
    expect(onAdmin.status).toBe(200);
    const progress = await fetch(`${service.adminUrl}/admin/progress`, { headers });
    expect(progress.status).toBe(200);
    const onPublic = await fetch(`${service.url}/admin/clock`, { headers });
    expect(onPublic.status).toBe(404);
    // Still asks who calls, and holds callers to the admin role.
    expect((await fetch(`${service.adminUrl}/admin/clock`, { method: 'PUT' })).status).toBe(401);
    const business = await fetch(`${service.adminUrl}/counters/c-1/add`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: '{"n":1}',
    });
    expect(business.status).toBe(404);
    expect((await fetch(`${service.adminUrl}/health`)).status).toBe(200);
  });
});
