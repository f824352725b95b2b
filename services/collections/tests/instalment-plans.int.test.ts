import { creditScoringService } from '@ar/credit-scoring';
import { invoicingService } from '@ar/invoicing';
import type { RunningService } from '@ar/platform';
import { reportingService } from '@ar/reporting';
import { call, inProcessPlatform } from '../../../tests/support/platform';
import { collectionsService } from '../src/service';

/**
 * Issue 14 items 4 and 5, through the REST API with the business clock walking day by day: two
 * customers, each 1,000,000 fen due 20 January and unpaid until collections agrees a plan on
 * 2 March (41 days overdue, at the legal rung) covering what is open, fees included. One pays
 * exactly the instalments on their dates: never overdue again, no credit penalty, tier
 * unchanged, and reporting ages what is left from each instalment's own date (after a rebuild
 * too). The other misses the second instalment: the plan is broken and the case chased again.
 */
describe('instalment plans through the REST API, day by day', () => {
  const platform = inProcessPlatform('plan', '2026-01-05');
  const { clock } = platform;
  const services: RunningService[] = [];
  let invoicing: RunningService;
  let collections: RunningService;
  let credit: RunningService;
  let reporting: RunningService;

  const caughtUp = async () => {
    for (let round = 0; round < 3; round++) for (const s of services) await s.caughtUp();
  };
  /** One working day after another (the clock runs every job of each day it passes). */
  const walkTo = async (target: string, each: (day: string) => Promise<void> = async () => {}) => {
    let day = clock.today();
    while (day < target) {
      day = invoicing.ctx.calendar.addWorkingDays(day, 1);
      expect((await call(invoicing, 'PUT', '/admin/clock', { today: day })).status).toBe(200);
      await caughtUp();
      await each(day);
    }
  };
  const pay = async (customerId: string, invoiceId: string, amount: number, receivedDate: string) => {
    const paid = await call(invoicing, 'POST', '/payments', {
      customerId,
      amount,
      currency: 'CNY',
      channel: 'BANK_TRANSFER',
      receivedDate,
      remittance: [{ invoiceId, amount }],
    });
    expect(paid.status).toBe(201);
    await caughtUp();
  };
  const history = async (invoiceId: string) =>
    (await call(collections, 'GET', `/cases/${invoiceId}`)).body.history as {
      type: string;
      [k: string]: unknown;
    }[];
  const creditOf = async (customerId: string) =>
    (await call(credit, 'GET', `/customers/${customerId}/credit`)).body;
  const agingOf = async (customerId: string, asOf: string) => {
    const { body } = await call(reporting, 'GET', `/reports/aging?asOf=${asOf}&by=customer`);
    const report = body.reports.find((r: { group: string }) => r.group === customerId);
    return Object.fromEntries(
      (report?.buckets ?? [])
        .filter((b: { amount: number }) => b.amount > 0)
        .map((b: { bucket: string; amount: number }) => [b.bucket, b.amount]),
    );
  };

  /**
   * The deliberately simple count: the default clause (0.1% a day of 1,000,000 from overdue day
   * 16 for each day over, 2% once on day 31) at the start of a day `n` days overdue, nothing paid.
   */
  const simpleOpen = (n: number) => 1_000_000 + Math.max(0, n - 16) * 1_000 + (n >= 31 ? 20_000 : 0);
  const AGREED = '2026-03-02'; // 41 days after 20 January
  const DATES = ['2026-03-16', '2026-04-15', '2026-05-15'];
  const split = (total: number) => {
    const each = Math.floor(total / 3);
    return DATES.map((dueDate, i) => ({ dueDate, amount: i < 2 ? each : total - 2 * each }));
  };
  const KEPT = 'C-PLAN-KEPT';
  const MISSED = 'C-PLAN-MISSED';

  beforeAll(async () => {
    reporting = await platform.start(reportingService);
    credit = await platform.start(creditScoringService);
    collections = await platform.start(collectionsService);
    invoicing = await platform.start(invoicingService);
    services.push(invoicing, credit, collections, reporting);
    for (const customerId of [KEPT, MISSED]) {
      const registered = await call(credit, 'POST', '/customers', {
        customerId,
        name: `${customerId} Trading Co`,
        industry: 'RETAIL',
        region: 'East China',
        headcount: 200,
        annualRevenue: 5_000_000_000,
        expectedAnnualValue: 100_000_000,
        registrationNumber: `R-${customerId}`,
        registeredDate: '2012-05-01',
        salesOwner: 'sales-wang',
      });
      expect(registered.status).toBe(201);
    }
    await caughtUp();
    for (const [invoiceId, customerId] of [
      ['PL-KEPT', KEPT],
      ['PL-MISSED', MISSED],
    ] as const) {
      const issued = await call(invoicing, 'POST', '/invoices', {
        invoiceId,
        customerId,
        amount: 1_000_000,
        currency: 'CNY',
        issueDate: '2026-01-05',
        dueDate: '2026-01-20',
      });
      expect(issued.status).toBe(201);
    }
    await caughtUp();
    await walkTo(AGREED);
  }, 600_000);
  afterAll(async () => {
    await platform.stop();
  });

  it('agrees, on the business date, a plan covering what is open with the fees, as invoicing counts it', async () => {
    for (const invoiceId of ['PL-KEPT', 'PL-MISSED']) {
      const invoice = (await call(invoicing, 'GET', `/invoices/${invoiceId}`)).body;
      expect(invoice.open.total).toBe(simpleOpen(41));
      const kase = (await call(collections, 'GET', `/cases/${invoiceId}`)).body;
      expect(kase.open).toEqual({
        principal: 1_000_000,
        fees: simpleOpen(41) - 1_000_000,
        total: simpleOpen(41),
      });
      expect(kase.rungsReached).toEqual([1, 16, 31]);
      const agreed = await call(collections, 'POST', `/cases/${invoiceId}/instalment-plans`, {
        planId: `${invoiceId}-1`,
        instalments: split(simpleOpen(41)),
        guarantee: { guarantor: 'Parent Holdings Ltd', kind: 'CORPORATE', amount: 500_000 },
      });
      expect(agreed.status).toBe(200);
    }
    await caughtUp();
    const invoice = (await call(invoicing, 'GET', '/invoices/PL-KEPT')).body;
    expect(invoice.plan).toMatchObject({
      agreedDate: AGREED,
      guarantee: { guarantor: 'Parent Holdings Ltd', kind: 'CORPORATE', amount: 500_000 },
    });
    expect(invoice.schedule.map((i: { dueDate: string }) => i.dueDate)).toEqual(DATES);
    const noted = (await history('PL-KEPT')).find((e) => e.type === 'InstalmentPlanNoted');
    expect(noted).toMatchObject({ agreedDate: AGREED });
    expect((await call(collections, 'GET', '/cases/PL-KEPT')).body.status).toBe('OPEN');
  });

  it('pays exactly the instalments on their dates: never overdue, no credit penalty, tier unchanged; the other is chased again', async () => {
    const before = await creditOf(KEPT);
    const planned = split(simpleOpen(41));
    await walkTo('2026-05-29', async (day) => {
      const i = DATES.indexOf(day);
      if (i >= 0) await pay(KEPT, 'PL-KEPT', planned[i]!.amount, day);
      if (i === 0) await pay(MISSED, 'PL-MISSED', planned[0]!.amount, day);
      if (day === '2026-03-20') {
        // Item 5: what is left of the kept plan is not yet due; it no longer ages from 20 January.
        expect(await agingOf(KEPT, day)).toEqual({
          current: 1_000_000 - (planned[0]!.amount - (simpleOpen(41) - 1_000_000)),
        });
      }
    });

    const kept = (await call(invoicing, 'GET', '/invoices/PL-KEPT')).body;
    expect(kept).toMatchObject({ status: 'PAID', overdueThresholdsReached: [] });
    const keptHistory = await history('PL-KEPT');
    const sincePlan = keptHistory.slice(keptHistory.findIndex((e) => e.type === 'InstalmentPlanNoted'));
    expect(
      sincePlan.filter((e) =>
        ['CaseEscalated', 'ReminderSent', 'InstalmentPlanBroken', 'CreditFreezeRequested'].includes(e.type),
      ),
    ).toEqual([]);
    expect(keptHistory.at(-1)).toMatchObject({ type: 'CaseClosed', outcome: 'PAID', date: '2026-05-15' });
    const after = await creditOf(KEPT);
    expect(after.tier).toBe(before.tier);
    expect(after.creditPoints).toBeGreaterThanOrEqual(before.creditPoints);

    const missed = await history('PL-MISSED');
    expect(missed.find((e) => e.type === 'InstalmentPlanBroken')).toMatchObject({
      dueDate: '2026-04-15',
      due: planned[0]!.amount + planned[1]!.amount,
      paid: planned[0]!.amount,
      missed: planned[1]!.amount,
      detectedDate: '2026-04-16',
    });
    const sinceBroken = missed.slice(missed.findIndex((e) => e.type === 'InstalmentPlanBroken'));
    expect(sinceBroken.filter((e) => e.type === 'CaseEscalated').map((e) => [e.rung, e.date])).toEqual([
      [1, '2026-04-16'],
      [16, '2026-05-01'],
      [31, '2026-05-18'], // 16 May is a Saturday: the next business day
    ]);
    expect((await creditOf(MISSED)).creditPoints).toBeLessThan(before.creditPoints);
  });

  it('reporting ages each instalment of a plan from its own date, the same after a rebuild', async () => {
    const principalLeft = (n: number) => split(simpleOpen(41))[n]!.amount;
    // 20 April: the missed instalment is 5 days overdue, the last not yet due.
    const expected = { '1-30': principalLeft(1), current: principalLeft(2) };
    expect(await agingOf(MISSED, '2026-04-20')).toEqual(expected);
    const rate = async () =>
      (await call(reporting, 'GET', '/reports/overdue-rate?asOf=2026-04-20')).body.rates[0].overdue;
    expect(await rate()).toEqual({ amount: principalLeft(1), count: 1 });
    const rebuilt = await call(reporting, 'POST', '/admin/projections/aging/rebuild');
    expect(rebuilt.status).toBe(200);
    expect(await agingOf(MISSED, '2026-04-20')).toEqual(expected);
    expect(await rate()).toEqual({ amount: principalLeft(1), count: 1 });
  });
});
