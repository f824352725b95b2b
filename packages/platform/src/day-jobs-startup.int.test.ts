import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { InProcessBus } from '@ar/messaging';
import { AppendNotifier } from '@ar/postgres';
import { Client } from 'pg';
import pino from 'pino';
import { testAuth } from '../../../tests/support/auth';
import { eventually, quietLogger, testInfra, unique } from '../../../tests/support/infra';
import { BusinessClock } from './business-clock';
import { type RunningService, type ServiceDefinition, startService } from './service';

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

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Its day job records each day; on `gatedDay` it waits until the test opens the gate. */
function slowDays(
  runs: string[],
  gatedDay: string,
  reached: () => void,
  gate: Promise<void>,
): ServiceDefinition {
  return {
    name: 'slow-days',
    description: 'a day job that can be held on one day',
    defaultPort: 0,
    schema: 'slow_days',
    routes: () => {},
    businessDays: () => [
      {
        name: 'slow',
        run: async (day) => {
          runs.push(day);
          if (day === gatedDay) {
            reached();
            await gate;
          }
          return 0;
        },
      },
    ],
  };
}

/**
 * A service restarted far behind the shared business day (after a kill -9 during a long clock
 * move) listens while it catches the days up: /health answers, /ready answers 503 with
 * Retry-After and how far the catch-up is, and the log says what it catches up, day by day.
 */
describe('a service catching up business days at start', () => {
  const { databaseUrl } = testInfra();
  const schema = unique('catchup');
  const notifier = new AppendNotifier(databaseUrl);
  const started: RunningService[] = [];
  const gate = deferred();
  let starting: Promise<RunningService> | undefined;

  beforeAll(() => notifier.start());
  afterAll(async () => {
    gate.resolve();
    if (starting) started.push(await starting);
    for (const s of started) await s.stop();
    await notifier.stop();
  });

  it('answers /health, and /ready 503 "catching up business days: day X of Y", before the catch-up ends', async () => {
    const infra = {
      databaseUrl,
      bus: new InProcessBus(),
      notifier,
      logger: quietLogger,
      auth: testAuth,
      host: '127.0.0.1',
      schema,
    };
    // The job's first day: Monday 2026-03-02.
    const first = await startService(
      slowDays([], '', () => {}, Promise.resolve()),
      {
        ...infra,
        port: 0,
        clock: new BusinessClock('2026-03-02'),
      },
    );
    await first.caughtUp();
    await first.stop();
    // Meanwhile the shared day moved on to Friday 2026-04-10: 29 working days from 03-03.
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    await db.query(`update "${schema}".business_clock set today = '2026-04-10'`);
    await db.end();

    const runs: string[] = [];
    const reached = deferred();
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(...chunk.toString().split('\n').filter(Boolean));
          done();
        },
      }),
    );
    const port = await freePort();
    starting = startService(slowDays(runs, '2026-03-05', reached.resolve, gate.promise), {
      ...infra,
      logger,
      port,
      clock: new BusinessClock('2026-03-02'),
    });
    await reached.promise; // the third of the 29 days runs, and waits

    const url = `http://127.0.0.1:${port}`;
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    // The catch-up shows on /ready once the start's other steps are done too (on a busy machine
    // the third day can be reached before they are).
    const { ready, body } = await eventually(
      async () => {
        const ready = await fetch(`${url}/ready`);
        const body = (await ready.json()) as { reason: string; checks: Record<string, string> };
        return body.checks?.dayJobs ? { ready, body } : undefined;
      },
      20_000,
      '/ready to report the catch-up',
    );
    expect(ready.status).toBe(503);
    expect(Number(ready.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(body.checks.dayJobs).toBe('catching up business days: day 3 of 29 (2026-03-05, job slow)');
    expect(body.reason).toContain('catching up business days: day 3 of 29');
    const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages).toContain('catching up 29 business days of slow (2026-03-03 to 2026-04-10)');
    expect(messages).toContain('business day done (2 of 29)');

    gate.resolve();
    const service = await starting;
    starting = undefined;
    started.push(service);
    await service.caughtUp();
    const after = await fetch(`${url}/ready`);
    expect(after.status).toBe(200);
    expect(((await after.json()) as { checks: Record<string, string> }).checks.dayJobs).toMatch(/^ok/);
    expect(runs).toHaveLength(29);
    expect(new Set(runs).size).toBe(29);
    expect(runs.at(-1)).toBe('2026-04-10');
  });
});
