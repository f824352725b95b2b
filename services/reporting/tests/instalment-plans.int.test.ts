import { invoicingService } from '@ar/invoicing';
import { addDays, BusinessCalendar } from '@ar/kernel';
import type { RunningService } from '@ar/platform';
import { call, inProcessPlatform } from '../../../tests/support/platform';
import { reportingService } from '../src/service';

/**
 * Reporting follows an instalment plan as invoicing does (issue 14 items 4, 5): each instalment
 * ages from the day it is payable by - its date, or the next working day of the business
 * calendar when that is a weekend or holiday - and a plan revised by value dating
 * (`InstalmentPlanRevised`: a payment dated before the plan, recorded after it) is aged as
 * revised, the surplus off the last instalments. Aging, overdue rate, the overdue-rate trend and
 * the sales-owner KPIs are compared, day by day, with a deliberately simple computation; the same
 * after a rebuild.
 *
 * The book: one invoice of 900,000 CNY, issued 5 January, due 31 March. On Monday 2 March a plan
 * of three 300,000 instalments is agreed: Sunday 15 March (payable Monday 16), Wednesday
 * 15 April, Friday 1 May (Labour Day; the holidays run to 5 May: payable Wednesday 6 May). Then
 * 100,000 received on Friday 27 February is recorded: invoicing replays it before the plan and
 * revises the last instalment to 200,000. Nothing more is paid.
 */
describe('reporting ages an instalment plan as invoicing counts it', () => {
  const platform = inProcessPlatform('rplan', '2026-02-27');
  const HOLIDAYS = ['2026-05-01', '2026-05-02', '2026-05-03', '2026-05-04', '2026-05-05'];
  const calendar = new BusinessCalendar({ holidays: HOLIDAYS });
  const services: RunningService[] = [];
  let invoicing: RunningService;
  let reporting: RunningService;

  const caughtUp = async () => {
    for (let round = 0; round < 2; round++) for (const s of services) await s.caughtUp();
  };

  const AGREED = '2026-03-02';
  const PAID_BEFORE = { date: '2026-02-27', amount: 100_000 };
  /** RP-2 (USD): the first instalment paid four days after its payable Monday, the second five days early. */
  const USD_INSTALMENTS = [
    { dueDate: '2026-03-15', amount: 200_000 },
    { dueDate: '2026-04-15', amount: 400_000 },
  ];
  const USD_PAYMENTS = [
    { date: '2026-03-20', amount: 200_000, pays: USD_INSTALMENTS[0]! },
    { date: '2026-04-10', amount: 400_000, pays: USD_INSTALMENTS[1]! },
  ];
  const AGREED_INSTALMENTS = [
    { dueDate: '2026-03-15', amount: 300_000 },
    { dueDate: '2026-04-15', amount: 300_000 },
    { dueDate: '2026-05-01', amount: 300_000 },
  ];

  /**
   * The simple computation. A day is worked unless it is a Saturday, a Sunday or one of the
   * holidays; an instalment is payable by its date or the first worked day after it. The plan as
   * revised: the payment made before it comes off the last instalments. Nothing is paid after the
   * plan, so each instalment is open whole, overdue from the day after it was payable by.
   */
  const worked = (day: string) => {
    const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
    return weekday !== 0 && weekday !== 6 && !HOLIDAYS.includes(day);
  };
  const payableBy = (day: string): string => (worked(day) ? day : payableBy(addDays(day, 1)));
  const revisedInstalments = () => {
    let surplus = PAID_BEFORE.amount;
    return [...AGREED_INSTALMENTS]
      .reverse()
      .map((i) => {
        const cut = Math.min(surplus, i.amount);
        surplus -= cut;
        return { ...i, amount: i.amount - cut };
      })
      .reverse()
      .filter((i) => i.amount > 0);
  };
  const daysBetween = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 86_400_000;
  const bucketOf = (daysOverdue: number) =>
    daysOverdue <= 0
      ? 'current'
      : daysOverdue <= 30
        ? '1-30'
        : daysOverdue <= 60
          ? '31-60'
          : daysOverdue <= 90
            ? '61-90'
            : daysOverdue <= 180
              ? '91-180'
              : '180+';
  const simpleAging = (asOf: string) => {
    const buckets: Record<string, number> = {};
    for (const i of revisedInstalments()) {
      const bucket = bucketOf(daysBetween(payableBy(i.dueDate), asOf));
      buckets[bucket] = (buckets[bucket] ?? 0) + i.amount;
    }
    return buckets;
  };
  const simpleOverdue = (asOf: string) =>
    revisedInstalments()
      .filter((i) => payableBy(i.dueDate) < asOf)
      .reduce((s, i) => s + i.amount, 0);

  const agingOf = async (asOf: string) => {
    const { body } = await call(reporting, 'GET', `/reports/aging?asOf=${asOf}`);
    const report = body.reports.find((r: { currency: string }) => r.currency === 'CNY');
    return Object.fromEntries(
      (report?.buckets ?? [])
        .filter((b: { amount: number }) => b.amount > 0)
        .map((b: { bucket: string; amount: number }) => [b.bucket, b.amount]),
    );
  };
  const overdueOf = async (asOf: string) =>
    (await call(reporting, 'GET', `/reports/overdue-rate?asOf=${asOf}`)).body.rates[0].overdue;

  /** Days around each instalment's date, its payable day, the holidays and the invoice's own due date. */
  const DAYS = [
    '2026-03-02',
    '2026-03-13',
    '2026-03-15',
    '2026-03-16',
    '2026-03-17',
    '2026-03-31',
    '2026-04-01',
    '2026-04-15',
    '2026-04-16',
    '2026-05-01',
    '2026-05-05',
    '2026-05-06',
    '2026-05-07',
    '2026-07-10',
  ];

  beforeAll(async () => {
    reporting = await platform.start(reportingService, { calendar });
    invoicing = await platform.start(invoicingService, { calendar });
    services.push(invoicing, reporting);
    const issued = await call(invoicing, 'POST', '/invoices', {
      invoiceId: 'RP-1',
      customerId: 'C-RPLAN',
      amount: 900_000,
      currency: 'CNY',
      issueDate: '2026-01-05',
      dueDate: '2026-03-31',
    });
    expect(issued.status).toBe(201);
    expect((await call(invoicing, 'PUT', '/admin/clock', { today: AGREED })).status).toBe(200);
    const plan = await call(invoicing, 'POST', '/invoices/RP-1/instalment-plans', {
      planId: 'RP-1-PLAN',
      instalments: AGREED_INSTALMENTS,
      date: AGREED,
    });
    expect(plan.status).toBe(200);
    const paid = await call(invoicing, 'POST', '/payments', {
      customerId: 'C-RPLAN',
      amount: PAID_BEFORE.amount,
      currency: 'CNY',
      channel: 'BANK_TRANSFER',
      receivedDate: PAID_BEFORE.date,
      remittance: [{ invoiceId: 'RP-1', amount: PAID_BEFORE.amount }],
    });
    expect(paid.status).toBe(201);
    // The second book (USD, so the figures above stay apart): a plan paid, one instalment late, one early.
    const issuedUsd = await call(invoicing, 'POST', '/invoices', {
      invoiceId: 'RP-2',
      customerId: 'C-RPLAN',
      amount: USD_INSTALMENTS.reduce((s, i) => s + i.amount, 0),
      currency: 'USD',
      issueDate: '2026-01-05',
      dueDate: '2026-03-31',
    });
    expect(issuedUsd.status).toBe(201);
    const planUsd = await call(invoicing, 'POST', '/invoices/RP-2/instalment-plans', {
      planId: 'RP-2-PLAN',
      instalments: USD_INSTALMENTS,
      date: AGREED,
    });
    expect(planUsd.status).toBe(200);
    await caughtUp();
    expect((await call(invoicing, 'PUT', '/admin/clock', { today: '2026-04-10' })).status).toBe(200);
    for (const { date, amount } of USD_PAYMENTS) {
      const paidUsd = await call(invoicing, 'POST', '/payments', {
        customerId: 'C-RPLAN',
        amount,
        currency: 'USD',
        channel: 'BANK_TRANSFER',
        receivedDate: date,
        remittance: [{ invoiceId: 'RP-2', amount }],
      });
      expect(paidUsd.status).toBe(201);
    }
    await caughtUp();
  }, 300_000);
  afterAll(async () => {
    await platform.stop();
  });

  it('invoicing revised the plan: the payment before it came off the last instalment', async () => {
    const invoice = (await call(invoicing, 'GET', '/invoices/RP-1')).body;
    expect(invoice.plan.instalments.map((i: { amount: number }) => i.amount)).toEqual(
      revisedInstalments().map((i) => i.amount),
    );
  });

  const agesAsTheSimpleComputation = async () => {
    for (const day of DAYS) {
      expect({ day, aging: await agingOf(day) }).toEqual({ day, aging: simpleAging(day) });
      expect({ day, overdue: (await overdueOf(day)).amount }).toEqual({ day, overdue: simpleOverdue(day) });
    }
  };

  it('ages each revised instalment from the working day it is payable by', agesAsTheSimpleComputation);

  /** The overdue-rate trend, day by day: the overdue amount of each day as the simple computation ages it. */
  const trendAsTheSimpleComputation = async () => {
    const { body } = await call(
      reporting,
      'GET',
      '/reports/overdue-rate/trend?from=2026-03-02&to=2026-07-10',
    );
    const series = (
      body.series as { day: string; currency: string; overdue: number; outstanding: number }[]
    ).filter((d) => d.currency === 'CNY');
    expect(series.length).toBe(daysBetween('2026-03-02', '2026-07-10') + 1);
    expect(series.map((d) => [d.day, d.outstanding, d.overdue])).toEqual(
      series.map((d) => [d.day, 800_000, simpleOverdue(d.day)]),
    );
  };

  /**
   * Sales-owner KPIs: the target is the principal payable in the period (by its end), less what
   * was settled before it began; the 91+ line is what is more than 90 days past the day it was
   * payable by at the period's end. Nothing is paid after the plan; the payment before it is
   * before every period here.
   */
  const salesOwnerAsTheSimpleComputation = async () => {
    for (const [from, to] of [
      ['2026-03-01', '2026-03-31'],
      ['2026-04-01', '2026-04-30'],
      ['2026-04-01', '2026-07-20'],
    ] as const) {
      const { body } = await call(reporting, 'GET', `/reports/sales-owners?from=${from}&to=${to}`);
      const row = body.salesOwners.find((r: { currency: string }) => r.currency === 'CNY');
      const instalments = revisedInstalments();
      expect({
        from,
        to,
        target: row.target,
        collected: row.collected,
        overdue91Plus: row.overdue91Plus,
      }).toEqual({
        from,
        to,
        target: instalments.filter((i) => payableBy(i.dueDate) <= to).reduce((s, i) => s + i.amount, 0),
        collected: 0,
        overdue91Plus: instalments
          .filter((i) => daysBetween(payableBy(i.dueDate), to) > 90)
          .reduce((s, i) => s + i.amount, 0),
      });
    }
  };

  /**
   * Collected early under a plan: what was paid in the period before the day the instalment it
   * pays is payable by (here each payment pays one instalment whole); the target, what is payable
   * by the period's end.
   */
  const earlyAsTheSimpleComputation = async () => {
    for (const [from, to] of [
      ['2026-03-01', '2026-03-31'],
      ['2026-03-01', '2026-04-30'],
    ] as const) {
      const { body } = await call(reporting, 'GET', `/reports/sales-owners?from=${from}&to=${to}`);
      const row = body.salesOwners.find((r: { currency: string }) => r.currency === 'USD');
      const inPeriod = USD_PAYMENTS.filter((p) => p.date >= from && p.date <= to);
      const target = USD_INSTALMENTS.filter((i) => payableBy(i.dueDate) <= to).reduce(
        (s, i) => s + i.amount,
        0,
      );
      expect({ from, to, target: row.target, collected: row.collected, early: row.collectedEarly }).toEqual({
        from,
        to,
        target,
        collected: Math.min(
          target,
          inPeriod.reduce((s, p) => s + p.amount, 0),
        ),
        early: inPeriod.filter((p) => p.date < payableBy(p.pays.dueDate)).reduce((s, p) => s + p.amount, 0),
      });
    }
  };

  it('the overdue-rate trend follows the plan, day by day', trendAsTheSimpleComputation);

  it(
    'sales-owner KPIs: collected early under a plan is what was paid before its instalment was payable',
    earlyAsTheSimpleComputation,
  );

  it(
    'sales-owner KPIs follow the plan: target and the 91+ line by the instalments',
    salesOwnerAsTheSimpleComputation,
  );

  it('the same after a rebuild', async () => {
    const rebuilt = await call(reporting, 'POST', '/admin/projections/aging/rebuild');
    expect(rebuilt.status).toBe(200);
    await agesAsTheSimpleComputation();
    await trendAsTheSimpleComputation();
    await salesOwnerAsTheSimpleComputation();
    await earlyAsTheSimpleComputation();
  });
});
