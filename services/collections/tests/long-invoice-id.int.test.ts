import { CollectionsEventsV1 } from '@ar/contracts';
import { creditScoringService } from '@ar/credit-scoring';
import { invoicingService } from '@ar/invoicing';
import { fromBusMessage } from '@ar/messaging';
import type { RunningService } from '@ar/platform';
import { eventually } from '../../../tests/support/infra';
import { call, inProcessPlatform } from '../../../tests/support/platform';
import { collectionsService } from '../src/service';

/**
 * An invoice id may be 64 characters - a contract's `contractId:milestoneId` (#14 probe F1). Its
 * case's messages had ids over 64 (`<invoiceId>-REMINDER_BEFORE_DUE`), which credit-scoring and
 * invoicing parked as malformed: the case's stream stayed held behind them and the freeze asked
 * at day 16 never reached credit-scoring.
 */
describe('a case on an invoice with a 64-character id', () => {
  const platform = inProcessPlatform('longid', '2026-01-05');
  const invoiceId = `K-0b6f3c7e-6a0f-4f0e-9a39-3f2d3b9f7c11:${'m'.repeat(25)}`;
  let credit: RunningService;
  let collections: RunningService;
  let invoicing: RunningService;

  beforeAll(async () => {
    credit = await platform.start(creditScoringService);
    collections = await platform.start(collectionsService);
    invoicing = await platform.start(invoicingService);
  });
  afterAll(() => platform.stop(), 60_000);

  it('sends its reminders, its events are taken by the consumers, and the freeze reaches credit-scoring', async () => {
    expect(invoiceId).toHaveLength(64);
    await call(credit, 'POST', '/customers', {
      customerId: 'C-LONGID',
      name: 'Long Id Trading Co',
      industry: 'RETAIL',
      region: 'South China',
      headcount: 50,
      annualRevenue: 2_000_000_000,
      expectedAnnualValue: 50_000_000,
      registrationNumber: 'R-LONGID',
      registeredDate: '2018-03-01',
      salesOwner: 'sales-wu',
    });
    await platform.caughtUp();
    const issued = await call(invoicing, 'POST', '/invoices', {
      invoiceId,
      customerId: 'C-LONGID',
      amount: 8_000_000,
      currency: 'CNY',
      issueDate: '2026-01-05',
      dueDate: '2026-01-30',
    });
    expect(issued.status).toBe(201);
    await platform.caughtUp();
    expect((await call(collections, 'GET', `/cases/${invoiceId}`)).status).toBe(200);

    // Day 16 overdue is Sunday 2026-02-15: the ladder moves on the next business day.
    let day = platform.clock.today();
    while (day < '2026-02-16') {
      day = collections.ctx.calendar.addWorkingDays(day, 1);
      expect((await call(invoicing, 'PUT', '/admin/clock', { today: day })).status).toBe(200);
    }
    const frozen = await eventually(
      async () => (await call(credit, 'GET', '/customers/C-LONGID/credit')).body.frozen ?? undefined,
      30_000,
      'credit-scoring to freeze the customer',
    );
    expect(frozen.reason).toMatch(/16-30 days overdue/);
    await platform.caughtUp();

    const history = (await call(collections, 'GET', `/cases/${invoiceId}`)).body.history as {
      type: string;
      kind?: string;
    }[];
    expect(history.filter((e) => e.type === 'ReminderSent').map((e) => e.kind)).toEqual(
      expect.arrayContaining(['REMINDER_BEFORE_DUE', 'REMINDER_ON_DUE', 'DUNNING_LETTER']),
    );
    // What collections published, as the contracts take it; nothing parked by its consumers.
    // (fromBusMessage: a consumer's reading, which checks each event against its contract).
    const published = (platform.bus.retained.get(platform.topics.collections) ?? []).map((m) => {
      try {
        return fromBusMessage(m).type;
      } catch (error) {
        return (error as Error).message;
      }
    });
    expect(published).toEqual(
      expect.arrayContaining(['ReminderSent', 'MessageQueued', 'CreditFreezeRequested']),
    );
    expect(published.filter((t) => !(t in CollectionsEventsV1))).toEqual([]);
    for (const service of [credit, invoicing, collections])
      expect((await call(service, 'GET', '/admin/dlq')).body.parked).toEqual([]);
  }, 300_000);
});
