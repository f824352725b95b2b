import { createServer, type Server } from 'node:net';
import pino from 'pino';
import { eventually, testInfra } from '../../../tests/support/infra';
import { Leases } from './lease';

/** A TCP port that refuses PostgreSQL now and forwards to the real server once `up` is called. */
async function databaseAway(target: URL) {
  let up = false;
  const { createConnection } = await import('node:net');
  const server: Server = createServer((socket) => {
    if (!up) return socket.destroy();
    const upstream = createConnection(Number(target.port), target.hostname);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return { url: url.toString(), bringUp: () => (up = true), close: () => server.close() };
}

describe('leases while the database is away', () => {
  it('log one line when the lease check starts failing and one when it recovers, not one per try', async () => {
    const away = await databaseAway(new URL(testInfra().databaseUrl));
    const lines: { level: number; msg: string; failures?: number }[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const leases = new Leases({ databaseUrl: away.url, logger, retryMs: 20 });
    let running = false;
    leases.add({
      name: `lease-log-${process.pid}-${Date.now()}`,
      start: () => {
        running = true;
      },
      stop: async () => {
        running = false;
      },
    });
    try {
      await leases.start();
      await eventually(
        async () =>
          lines.filter((l) => l.msg === 'lease check failed again').length >= 10 ? true : undefined,
        10_000,
        '10 failed tries',
      );
      away.bringUp();
      await eventually(
        async () => (running ? true : undefined),
        10_000,
        'the lease taken once the database answers',
      );
    } finally {
      await leases.stop();
      away.close();
    }
    expect(lines.filter((l) => l.level >= 40).map((l) => l.msg)).toEqual([
      'lease check failed; retrying until it succeeds',
    ]);
    expect(lines.find((l) => l.msg === 'lease check recovered')).toMatchObject({
      level: 30,
      failures: expect.any(Number),
    });
  });
});
