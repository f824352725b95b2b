import { ProjectionRunner } from '@ar/postgres';
import { quietLogger } from '../../../tests/support/infra';
import { appendAsTheDaysGo, invoiceHistory, planHistory } from '../../../tests/support/invoice-histories';
import { inProcessPlatform } from '../../../tests/support/platform';
import { loadInvoicingConfig } from '../src/config';
import { invoiceHandler } from '../src/invoice/handler';
import { payableBy } from '../src/invoice/overdue';
import {
  earliestUnpaidDueDate,
  evolveInvoice,
  type InvoiceEvent,
  type InvoiceState,
  initialInvoiceState,
  isIssued,
} from '../src/invoice/state';
import { invoicingService } from '../src/service';

/**
 * #17 goal 4a: the invoice list reads an invoice's stream for its due dates only when an event of
 * the page can move them. The oracle: every invoice's stream folded whole with `evolveInvoice`,
 * its due date the earliest instalment not paid in full (the last once all are), payable by the
 * next working day under a plan. Every row must agree, live and rebuilt in pages of 5000, 7 and 1
 * event, so an event the projection wrongly skips (a payment, credit note or re-split on an
 * invoice on a plan, a plan revised) shows as a row left on an old due date.
 */
describe('the invoice list due dates', () => {
  const platform = inProcessPlatform('invlistdue', '2026-06-01');
  afterAll(() => platform.stop());

  it("are every invoice's own, folded from its whole stream: live and after rebuilds", async () => {
    const service = await platform.start(invoicingService);
    const { pool } = service.ctx;
    const policy = invoiceHandler(service.ctx, loadInvoicingConfig()).policy;
    const histories = [
      ...Array.from({ length: 160 }, (_, n) => ({ stream: `invoice-INV-${n}`, events: invoiceHistory(n) })),
      ...Array.from({ length: 120 }, (_, n) => ({ stream: `invoice-PLN-${n}`, events: planHistory(n) })),
    ];
    await appendAsTheDaysGo(service.ctx.store, pool, histories);
    await platform.caughtUp();

    // The oracle: each invoice stream as stored (the service's day job may have added to it), folded whole.
    const { rows: stored } = await pool.query<{ stream_id: string; event_type: string; data: unknown }>(
      `select stream_id, event_type, data from events where stream_id like 'invoice-%' order by stream_id, stream_position`,
    );
    const states = new Map<string, InvoiceState>();
    for (const e of stored)
      states.set(
        e.stream_id,
        evolveInvoice(states.get(e.stream_id) ?? initialInvoiceState(), {
          type: e.event_type,
          data: e.data,
        } as InvoiceEvent),
      );
    const expected = [...states.values()]
      .filter(isIssued)
      .map((state) => {
        const dueDate = earliestUnpaidDueDate(state) ?? state.schedule.at(-1)!.dueDate;
        return {
          invoiceId: state.issued.invoiceId,
          dueDate,
          nextDueDate: payableBy(state, policy)(dueDate),
        };
      })
      .sort((a, b) => (a.invoiceId < b.invoiceId ? -1 : 1));
    expect(expected).toHaveLength(280);
    // What the histories hold, so the comparison is about something: due dates moved by the plans,
    // instalments payable after a weekend, and every event that moves a plan's due dates.
    const issuedDue = new Map(
      [...states.values()].filter(isIssued).map((s) => [s.issued.invoiceId, s.issued.dueDate]),
    );
    expect(expected.filter((e) => e.dueDate !== issuedDue.get(e.invoiceId)).length).toBeGreaterThan(60);
    expect(expected.filter((e) => e.nextDueDate !== e.dueDate).length).toBeGreaterThan(20);
    const planTypes = new Set(stored.filter((e) => e.stream_id.includes('PLN')).map((e) => e.event_type));
    for (const type of [
      'InstalmentPlanApplied',
      'InstalmentPlanRevised',
      'PaymentAllocated',
      'PaymentReallocated',
      'CreditNoteIssued',
    ])
      expect(planTypes).toContain(type);

    const rows = async () =>
      (
        await pool.query<{ invoiceId: string; dueDate: string; nextDueDate: string }>(
          `select invoice_id as "invoiceId", to_char(due_date, 'YYYY-MM-DD') as "dueDate",
                  to_char(next_due_date, 'YYYY-MM-DD') as "nextDueDate"
             from invoice_list order by invoice_id`,
        )
      ).rows.sort((a, b) => (a.invoiceId < b.invoiceId ? -1 : 1));
    expect(await rows()).toEqual(expected);

    const projection = invoicingService.projections!(service.ctx).find((p) => p.name === 'invoice-list')!;
    for (const rebuildBatchSize of [undefined, 7, 1]) {
      const runner = new ProjectionRunner(projection, {
        pool,
        schema: `${platform.run}_${invoicingService.schema}`,
        notifier: platform.notifier,
        logger: quietLogger,
        ...(rebuildBatchSize && { rebuildBatchSize }),
      });
      await runner.rebuild();
      expect({ rebuildBatchSize, rows: await rows() }).toEqual({ rebuildBatchSize, rows: expected });
    }
  }, 600_000);
});
