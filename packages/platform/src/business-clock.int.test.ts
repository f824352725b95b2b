import { addDays } from '@ar/kernel';
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

  it('refuses a day the calendar cannot handle and a jump over a year, storing nothing; a 30-day move works (#15 probe F3)', async () => {
    const s = await start('2026-03-02');
    const stored = async () =>
      (
        await s.ctx.pool.query<{ today: string }>(
          "select to_char(today, 'YYYY-MM-DD') as today from business_clock where id",
        )
      ).rows[0]?.today;
    const before = (await call(s, 'GET')).body.today as string;
    // 9999-12-31 was a 500 (RangeError '+010000-01' in the day jobs) yet stored, and then could not go back.
    const end = await call(s, 'PUT', { today: '9999-12-31' });
    expect(end.status).toBe(422);
    expect(end.body.issues).toEqual([{ field: 'today', message: expect.stringContaining('9998-12-31') }]);
    expect((await call(s, 'GET')).body.today).toBe(before);
    expect(await stored()).toBe(before);
    // Two years in one move: the day jobs would work through every day of them in the request.
    const far = await call(s, 'PUT', { today: addDays(before, 731) });
    expect(far.status).toBe(422);
    expect(far.body.issues).toEqual([
      { field: 'today', message: expect.stringMatching(/at most 366 days.*in steps/) },
    ]);
    expect((await call(s, 'GET')).body.today).toBe(before);
    expect(await stored()).toBe(before);
    const month = await call(s, 'PUT', { today: addDays(before, 30) });
    expect(month.status).toBe(200);
    expect(month.body.today).toBe(addDays(before, 30));
    expect(await stored()).toBe(addDays(before, 30));
  });
});
