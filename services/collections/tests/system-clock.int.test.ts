import { InProcessBus } from '@ar/messaging';
import { type RunningService, startService } from '@ar/platform';
import { AppendNotifier } from '@ar/postgres';
import { authHeaders, testAuth } from '../../../tests/support/auth';
import { quietLogger, testInfra, unique } from '../../../tests/support/infra';
import { caseHandler } from '../src/case/handler';
import { collectionsService } from '../src/service';

/**
 * Collections on the system clock (no BUSINESS_DATE), as in production: only `Date` is faked, set
 * to real instants one after the other - midnight UTC (08:00 in Shanghai), 09:00 in Shanghai
 * (01:00 UTC), 16:30 UTC (00:30 in Shanghai, the next day), weekends - and the service's own day
 * timer decides when the day job runs. Reminders must go out, on the business day of the
 * business time zone (Asia/Shanghai by default), within contact hours there.
 */
describe('collections on the system clock (business time zone Asia/Shanghai)', () => {
  const { databaseUrl } = testInfra();
  const notifier = new AppendNotifier(databaseUrl);
  let service: RunningService;

  const jobDone = async (): Promise<string> => {
    const { rows } = await service.ctx.pool.query<{ last_day: string }>(
      "select to_char(last_day, 'YYYY-MM-DD') as last_day from business_days where job = 'collections-day'",
    );
    return rows[0]?.last_day ?? '';
  };
  /** The day whose day job is due at `instant`: the Shanghai date, the day before until 09:00 there. */
  const jobDayAt = (instant: Date) =>
    new Date(instant.getTime() + 8 * 3600_000 - 9 * 3600_000).toISOString().slice(0, 10);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /** Sets the wall clock and waits until the day timer has run every day job due by then. */
  async function wallClock(iso: string) {
    const instant = new Date(iso);
    jest.setSystemTime(instant);
    const expected = jobDayAt(instant);
    for (let i = 0; i < 300 && (await jobDone()) < expected; i++) await sleep(25);
    await sleep(60); // one more tick of the day timer: nothing else runs at this instant
  }

  beforeAll(async () => {
    // Only Date is faked: timers, I/O and the day timer run for real.
    jest.useFakeTimers({
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'requestAnimationFrame',
        'cancelAnimationFrame',
        'requestIdleCallback',
        'cancelIdleCallback',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
    jest.setSystemTime(new Date('2026-02-27T04:00:00Z')); // Friday, noon in Shanghai
    await notifier.start();
    service = await startService(collectionsService, {
      databaseUrl,
      bus: new InProcessBus(),
      notifier,
      logger: quietLogger,
      host: '127.0.0.1',
      port: 0,
      auth: testAuth,
      schema: unique('colsys'),
      dayCheckIntervalMs: 20,
    });
  });
  afterAll(async () => {
    await service?.stop();
    await notifier.stop();
    jest.useRealTimers();
  });

  it('sends the before-due and on-due reminders in contact hours, on Shanghai business days', async () => {
    expect(service.ctx.clock.controllable).toBe(false);
    const cases = caseHandler(service.ctx);
    const track = (invoiceId: string, dueDate: string) =>
      cases.execute(
        invoiceId,
        {
          type: 'TrackInvoice',
          data: {
            invoiceId,
            customerId: 'C-SYS',
            customerName: 'Shanghai Tools Ltd',
            amount: 500_000,
            currency: 'CNY',
            dueDate,
            lateFeeTerms: undefined,
          },
        },
        { metadata: { correlationId: 'system-clock', actor: 'test' } },
      );
    await track('INV-S1', '2026-03-09'); // a Monday
    await track('INV-S2', '2026-03-08'); // a Sunday

    for (let day = new Date('2026-02-27T00:00:00Z'); day <= new Date('2026-03-10T00:00:00Z'); ) {
      const d = day.toISOString().slice(0, 10);
      await wallClock(`${d}T00:00:30Z`); // midnight UTC: 08:00:30 in Shanghai
      await wallClock(`${d}T01:00:30Z`); // 09:00:30 in Shanghai
      await wallClock(`${d}T06:00:00Z`); // 14:00 in Shanghai
      await wallClock(`${d}T16:30:00Z`); // 00:30 the next day in Shanghai
      day = new Date(day.getTime() + 86_400_000);
    }

    const sent = async (invoiceId: string) =>
      (await cases.mustExist(invoiceId)).events
        .filter((e) => e.type === 'ReminderSent')
        .map((e) => e.data as { kind: string; sentDate: string; sentAt?: string });
    const s1 = await sent('INV-S1');
    const s2 = await sent('INV-S2');
    expect(s1.map((m) => [m.kind, m.sentDate])).toEqual([
      ['REMINDER_BEFORE_DUE', '2026-03-02'],
      ['REMINDER_ON_DUE', '2026-03-09'],
      ['CUSTOMER_CARE', '2026-03-10'],
    ]);
    // Due on a Sunday: the on-due level goes out on the next working day, Monday; the first
    // overdue day's customer-care message, one a day at most, the day after.
    expect(s2.map((m) => [m.kind, m.sentDate])).toEqual([
      ['REMINDER_BEFORE_DUE', '2026-03-02'],
      ['REMINDER_ON_DUE', '2026-03-09'],
      ['CUSTOMER_CARE', '2026-03-10'],
    ]);
    // Archived with the instant it went out, in Shanghai time, within contact hours.
    for (const m of [...s1, ...s2]) {
      expect(m.sentAt).toMatch(/^2026-03-(02|09|10)T09:00:30\.000\+08:00$/);
      expect(m.sentAt!.slice(0, 10)).toBe(m.sentDate);
    }
  });

  it('screens a message at a time given with an offset, in Shanghai contact hours', async () => {
    const screen = async (at: string) => {
      const res = await service.app.inject({
        headers: await authHeaders(),
        method: 'POST',
        url: '/compliance/screen',
        payload: { text: 'Dear customer, a friendly reminder.', at },
      });
      return { status: res.statusCode, body: res.json() };
    };
    expect(await screen('2026-03-10T09:30:00+08:00')).toEqual({ status: 200, body: { outcome: 'SEND' } });
    expect(await screen('2026-03-10T01:30:00Z')).toEqual({ status: 200, body: { outcome: 'SEND' } });
    expect(await screen('2026-03-10T21:00:00+08:00')).toMatchObject({
      status: 200,
      body: { outcome: 'DEFERRED', rule: 'contact-hours', until: '2026-03-11' },
    });
  });
});
