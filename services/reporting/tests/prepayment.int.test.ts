import { randomUUID } from 'node:crypto';
import { type InvoiceIssuedV1, publicEventsOf } from '@ar/contracts';
import { toBusMessage } from '@ar/messaging';
import type { RunningService } from '@ar/platform';
import { eventually } from '../../../tests/support/infra';
import { call, inProcessPlatform } from '../../../tests/support/platform';
import { reportingService } from '../src/service';

/**
 * #14: a prepayment invoice (款到发货, a CAUTIOUS customer's contract: every milestone due on
 * signing, delivery waits for payment) asks for money before anything is shipped. No credit is
 * extended (DOMAIN.md §1: CAUTIOUS, zero credit; the simulator's "prepaid, no receivable"), so
 * it is not a receivable: not in the aging, the overdue rate or DSO, however long it waits.
 */
describe('a prepayment invoice in the reports', () => {
  const platform = inProcessPlatform('prepay', '2026-03-10');
  let reporting: RunningService;
  let position = 0;

  const issue = async (invoice: InvoiceIssuedV1) => {
    position++;
    const message = toBusMessage(
      {
        eventId: randomUUID(),
        streamId: `invoice-${invoice.invoiceId}`,
        streamPosition: 1,
        globalPosition: BigInt(position),
        type: 'InvoiceIssued',
        data: invoice,
        metadata: { correlationId: invoice.invoiceId },
        recordedAt: new Date(),
      },
      'invoicing',
      publicEventsOf('invoicing').get('InvoiceIssued'),
    );
    await platform.bus.publish(platform.topics.invoicing, [message]);
  };

  beforeAll(async () => {
    reporting = await platform.start(reportingService);
    const base = { customerId: 'C-PRE', currency: 'CNY', issueDate: '2026-01-05', dueDate: '2026-01-05' };
    await issue({
      ...base,
      invoiceId: 'PRE-1',
      amount: 700_000,
      contractId: 'K-PRE',
      milestoneId: 'ALL',
      prepayment: true,
    });
    await issue({ ...base, invoiceId: 'CREDIT-1', amount: 300_000, dueDate: '2026-01-20' });
    await eventually(async () => {
      const { rows } = await reporting.ctx.pool.query(
        "select 1 from events where event_type = 'InvoiceIssued'",
      );
      return rows.length === 2 ? true : undefined;
    }, 30_000);
    await reporting.caughtUp();
  }, 60_000);
  afterAll(() => platform.stop());

  it('is not in the aging or the overdue rate; the invoice on credit is', async () => {
    const aging = await call(reporting, 'GET', '/reports/aging?asOf=2026-03-10');
    expect(aging.status).toBe(200);
    expect(aging.body.reports).toEqual([
      expect.objectContaining({ currency: 'CNY', total: { amount: 300_000, count: 1 } }),
    ]);
    const rate = await call(reporting, 'GET', '/reports/overdue-rate?asOf=2026-03-10');
    expect(rate.body.rates).toEqual([
      expect.objectContaining({
        outstanding: { amount: 300_000, count: 1 },
        overdue: { amount: 300_000, count: 1 },
      }),
    ]);
  });
});
