import { InProcessBus } from '@ar/messaging';
import { AppendNotifier } from '@ar/postgres';
import { authHeaders, testAuth } from '../../../tests/support/auth';
import { quietLogger, testInfra, unique } from '../../../tests/support/infra';
import { BusinessClock } from './business-clock';
import { type RunningService, type ServiceDefinition, startService } from './service';

/** A service whose day job records each day it runs, and in which instance. */
function counting(): ServiceDefinition {
  return {
    name: 'days',
    description: 'counts business days',
    defaultPort: 0,
    schema: 'days',
    migrations: [
      { id: 'days-001', sql: 'create table day_runs (day date not null, instance text not null)' },
    ],
    routes: () => {},
    businessDays: (ctx) => [
      {
        name: 'count',
        run: async (day) => {
          await ctx.pool.query('insert into day_runs (day, instance) values ($1, $2)', [day, ctx.service]);
          return 1;
        },
      },
    ],
  };
}

describe('one business clock shared by every instance of a service', () => {
  const { databaseUrl } = testInfra();
  const schema = unique('clock');
  const notifier = new AppendNotifier(databaseUrl);
  const instances: RunningService[] = [];
  const start = (startDay: string) =>
    startService(counting(), {
      databaseUrl,
      bus: new InProcessBus(),
      notifier,
      logger: quietLogger,
      host: '127.0.0.1',
      port: 0,
      auth: testAuth,
      schema,
      clock: new BusinessClock(startDay),
    }).then((s) => {
      instances.push(s);
      return s;
    });
  const call = async (s: RunningService, method: 'GET' | 'PUT', payload?: object) => {
    const res = await s.app.inject({
      headers: await authHeaders(),
      method,
      url: '/admin/clock',
      ...(payload ? { payload } : {}),
    });
    return { status: res.statusCode, body: res.json() };
  };
  beforeAll(() => notifier.start());
  afterAll(async () => {
    for (const s of instances) await s.stop();
    await notifier.stop();
  });

  it('moves every instance, runs each day once, and survives a restart with an older BUSINESS_DATE', async () => {
    const a = await start('2026-03-02');
    const b = await start('2026-03-02');
    const moved = await call(a, 'PUT', { today: '2026-03-06' });
    expect(moved.status).toBe(200);
    // b follows within its look interval, without being told.
    for (let i = 0; i < 50 && (await call(b, 'GET')).body.today !== '2026-03-06'; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect((await call(b, 'GET')).body.today).toBe('2026-03-06');
    expect((await call(b, 'PUT', { today: '2026-03-05' })).status).toBe(422); // not back, on any instance
    expect((await call(b, 'PUT', { today: '2026-03-09' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1200)); // a's follower has seen it too
    const { rows } = await a.ctx.pool.query<{ day: string; runs: number }>(
      "select to_char(day, 'YYYY-MM-DD') as day, count(*)::int as runs from day_runs group by day order by day",
    );
    // Mon 2 March (at start) to Mon 9 March: each working day once, whichever instance ran it.
    expect(rows).toEqual(
      ['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-09'].map((day) => ({
        day,
        runs: 1,
      })),
    );
    const restarted = await start('2026-01-05'); // a restart with the old BUSINESS_DATE
    expect((await call(restarted, 'GET')).body.today).toBe('2026-03-09');
  });
});
