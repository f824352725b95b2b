import { creditScoringService } from '@ar/credit-scoring';
import { invoicingService } from '@ar/invoicing';
import type { RunningService } from '@ar/platform';
import { reportingService } from '@ar/reporting';
import { eventually } from '../../../tests/support/infra';
import { call, kafkaPlatform } from '../../../tests/support/platform';
import { collectionsService } from '../src/service';

/**
 * Over a controlled clock and real Kafka: an unpaid invoice walks the whole ladder,
 * credit-scoring freezes the customer at day 16, a payment closes the case and no reminder follows.
 */
describe('collections through Kafka', () => {
  const platform = kafkaPlatform('col', '2026-01-05');
  const { clock } = platform;
  let credit: RunningService;
  let collections: RunningService;
  let reporting: RunningService;
  let invoicing: RunningService;

  beforeAll(async () => {
    credit = await platform.start(creditScoringService);
    collections = await platform.start(collectionsService);
    invoicing = await platform.start(invoicingService);
    reporting = await platform.start(reportingService);
  });
  afterAll(async () => {
    await platform.stop();
  });

  const advanceTo = async (target: string) => {
    let day = clock.today();
    while (day < target) {
      day = collections.ctx.calendar.addWorkingDays(day, 1);
      expect((await call(invoicing, 'PUT', '/admin/clock', { today: day })).status).toBe(200);
    }
  };
  const history = async () =>
    (await call(collections, 'GET', '/cases/INV-L1')).body.history as {
      type: string;
      [k: string]: unknown;
    }[];

  it('walks the ladder, freezes credit at day 16, and stops at payment', async () => {
    await call(credit, 'POST', '/customers', {
      customerId: 'C-LADDER',
      name: 'Ladder Trading Co',
      industry: 'RETAIL',
      region: 'South China',
      headcount: 50,
      annualRevenue: 2_000_000_000,
      expectedAnnualValue: 50_000_000,
      registrationNumber: 'R-LADDER',
      registeredDate: '2018-03-01',
      salesOwner: 'sales-wu',
    });
    await eventually(
      async () => {
        const { rows } = await collections.ctx.pool.query(
          "select name from customers where customer_id = 'C-LADDER'",
        );
        return rows[0]?.name;
      },
      30_000,
      'the customer known to collections',
    );
    await call(invoicing, 'POST', '/invoices', {
      invoiceId: 'INV-L1',
      customerId: 'C-LADDER',
      amount: 8_000_000,
      currency: 'CNY',
      issueDate: '2026-01-05',
      dueDate: '2026-01-30',
    });
    await eventually(
      async () => ((await call(collections, 'GET', '/cases/INV-L1')).status === 200 ? true : undefined),
      30_000,
      'the case tracked',
    );

    // Day 16 overdue is Sunday 2026-02-15: the ladder moves on the next business day.
    await advanceTo('2026-02-16');
    const frozen = await eventually(
      async () => {
        const { body } = await call(credit, 'GET', '/customers/C-LADDER/credit');
        return body.frozen ?? undefined;
      },
      30_000,
      'credit-scoring to freeze the customer',
    );
    expect(frozen.reason).toMatch(/16-30 days overdue: finance/);
    const check = await call(credit, 'POST', '/customers/C-LADDER/credit-checks', {
      amount: 1,
      currency: 'CNY',
    });
    expect(check.body.reasons.map((r: { code: string }) => r.code)).toContain('CREDIT_FROZEN');

    await advanceTo('2026-05-01'); // 91 days overdue
    const events = await history();
    const rungs = events.filter((e) => e.type === 'CaseEscalated').map((e) => [e.rung, e.ownerRole]);
    expect(rungs).toEqual([
      [1, 'SALES'],
      [16, 'FINANCE'],
      [31, 'LEGAL'],
      [91, 'MANAGEMENT'],
    ]);
    const sent = events.filter((e) => e.type === 'ReminderSent').map((e) => e.kind);
    expect(sent).toEqual([
      'REMINDER_BEFORE_DUE',
      'REMINDER_ON_DUE',
      'CUSTOMER_CARE',
      'DUNNING_LETTER',
      'REMINDER_OVERDUE',
    ]);
    const worklist = await eventually(
      async () => {
        const { body } = await call(collections, 'GET', '/worklist?ownerRole=MANAGEMENT');
        return body.cases.find((c: { invoiceId: string }) => c.invoiceId === 'INV-L1');
      },
      30_000,
      'the case on the management worklist',
    );
    expect(worklist).toMatchObject({ customerId: 'C-LADDER', openAmount: 8_000_000, daysOverdue: 91 });

    const owed = (await call(invoicing, 'GET', '/invoices/INV-L1')).body.open.total;
    const paid = await call(invoicing, 'POST', '/payments', {
      customerId: 'C-LADDER',
      amount: owed,
      currency: 'CNY',
      channel: 'BANK_TRANSFER',
    });
    expect(paid.body.allocations).toEqual([{ invoiceId: 'INV-L1', amount: owed }]);
    await eventually(
      async () =>
        (await history()).some((e) => e.type === 'CaseClosed' && e.outcome === 'PAID') ? true : undefined,
      30_000,
      'the case closed by the payment',
    );

    // Reporting's collection KPIs, from the same events over Kafka: one case, closed by payment.
    const kpis = await eventually(
      async () => {
        const { body } = await call(reporting, 'GET', '/reports/collection-kpis?asOf=2026-05-31');
        return body.casesClosedByPayment === 1 ? body : undefined;
      },
      30_000,
      'the collection KPIs in reporting',
    );
    expect(kpis).toMatchObject({
      casesOpened: 1,
      conversionRate: 1,
      automaticMessages: 5,
      automatedReminderShare: 1,
    });
    expect((await call(reporting, 'GET', '/reports/collection-kpis?asOf=2026-01-31')).body).toMatchObject({
      casesOpened: 0,
    });

    await advanceTo('2026-05-20');
    const after = await history();
    const closedAt = after.findIndex((e) => e.type === 'CaseClosed');
    expect(
      after.slice(closedAt + 1).filter((e) => e.type === 'ReminderSent' || e.type === 'CaseEscalated'),
    ).toEqual([]);
  });
});
