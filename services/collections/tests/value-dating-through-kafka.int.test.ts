import { creditScoringService } from '@ar/credit-scoring';
import { invoicingService } from '@ar/invoicing';
import type { RunningService } from '@ar/platform';
import { eventually } from '../../../tests/support/infra';
import { call, kafkaPlatform } from '../../../tests/support/platform';
import { collectionsService } from '../src/service';

/**
 * Issue 14 item 1, over a controlled clock and real Kafka: a customer pays in full on the due
 * date; the bank line is matched 50 days later, after the case reached legal and credit-scoring
 * froze the customer. Value dating withdraws the thresholds; collections closes the case as paid
 * on time, withdraws its escalations and freeze request, and credit-scoring lifts the freeze.
 */
describe('collections follows value dating through Kafka', () => {
  const platform = kafkaPlatform('cvd', '2026-01-05');
  const { clock } = platform;
  let credit: RunningService;
  let collections: RunningService;
  let invoicing: RunningService;

  beforeAll(async () => {
    credit = await platform.start(creditScoringService);
    collections = await platform.start(collectionsService);
    invoicing = await platform.start(invoicingService);
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
    (await call(collections, 'GET', '/cases/INV-VD1')).body.history as {
      type: string;
      [k: string]: unknown;
    }[];
  const frozen = async () => (await call(credit, 'GET', '/customers/C-VALDATE/credit')).body.frozen;

  it('closes the case as paid on time and lifts the freeze when a due-date payment is recorded 50 days late', async () => {
    await call(credit, 'POST', '/customers', {
      customerId: 'C-VALDATE',
      name: 'Value Date Trading Co',
      industry: 'RETAIL',
      region: 'South China',
      headcount: 50,
      annualRevenue: 2_000_000_000,
      expectedAnnualValue: 50_000_000,
      registrationNumber: 'R-VALDATE',
      registeredDate: '2018-03-01',
      salesOwner: 'sales-wu',
    });
    await eventually(
      async () => {
        const { rows } = await collections.ctx.pool.query(
          "select name from customers where customer_id = 'C-VALDATE'",
        );
        return rows[0]?.name;
      },
      30_000,
      'the customer known to collections',
    );
    await call(invoicing, 'POST', '/invoices', {
      invoiceId: 'INV-VD1',
      customerId: 'C-VALDATE',
      amount: 8_000_000,
      currency: 'CNY',
      issueDate: '2026-01-05',
      dueDate: '2026-01-30',
    });
    await eventually(
      async () => ((await call(collections, 'GET', '/cases/INV-VD1')).status === 200 ? true : undefined),
      30_000,
      'the case tracked',
    );

    // 50 days after the due date (2026-03-21 is a Saturday): legal rung, credit frozen.
    await advanceTo('2026-03-23');
    await eventually(
      async () => (await frozen()) ?? undefined,
      30_000,
      'credit-scoring to freeze the customer',
    );
    await eventually(
      async () =>
        (await history()).some((e) => e.type === 'CaseEscalated' && e.rung === 31) ? true : undefined,
      30_000,
      'the case at the legal rung',
    );

    // The money arrived on the due date; the bank line is matched today.
    const paid = await call(invoicing, 'POST', '/payments', {
      paymentId: 'PAY-VD1',
      customerId: 'C-VALDATE',
      amount: 8_000_000,
      currency: 'CNY',
      channel: 'BANK_TRANSFER',
      receivedDate: '2026-01-30',
    });
    expect(paid.status).toBe(201);

    const closed = await eventually(
      async () => (await history()).find((e) => e.type === 'CaseClosed'),
      30_000,
      'the case closed',
    );
    expect(closed).toMatchObject({ outcome: 'PAID_ON_TIME', date: '2026-01-30' });
    const events = await history();
    expect(events.filter((e) => e.type === 'CaseEscalationWithdrawn').map((e) => e.rung)).toEqual([
      1, 16, 31,
    ]);
    expect(events.filter((e) => e.type === 'CreditFreezeLiftRequested')).toHaveLength(1);

    // No freeze left in credit-scoring's credit file; a credit check is no longer refused for it.
    await eventually(async () => ((await frozen()) === null ? true : undefined), 30_000, 'the freeze lifted');
    const check = await call(credit, 'POST', '/customers/C-VALDATE/credit-checks', {
      amount: 1,
      currency: 'CNY',
    });
    expect(check.body.reasons.map((r: { code: string }) => r.code)).not.toContain('CREDIT_FROZEN');

    // The worklist drops the case, and nothing more goes out for it.
    await eventually(
      async () => {
        const { body } = await call(collections, 'GET', '/worklist');
        return body.cases.some((c: { invoiceId: string }) => c.invoiceId === 'INV-VD1') ? undefined : true;
      },
      30_000,
      'the case off the worklist',
    );
    const before = (await history()).length;
    await advanceTo('2026-04-30');
    const after = (await history()).slice(before);
    expect(
      after.filter((e) => ['ReminderSent', 'CaseEscalated', 'CreditFreezeRequested'].includes(e.type)),
    ).toEqual([]);
    expect(await frozen()).toBeNull();
  });
});
