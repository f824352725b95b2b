import { NO_STREAM } from '@ar/kernel';
import { ProjectionRunner } from '@ar/postgres';
import { quietLogger } from '../../../tests/support/infra';
import { appendAsTheDaysGo, invoiceHistory } from '../../../tests/support/invoice-histories';
import { inProcessPlatform } from '../../../tests/support/platform';
import { invoicingService } from '../../invoicing/src/service';
import { reportingService } from '../src/service';

const TABLES = {
  aging_invoices: 'invoice_id',
  aging_settlements: 'event_id',
  aging_plan_instalments: 'event_id, seq',
  customer_dimensions: 'customer_id',
  customer_attribute_history: 'event_id, attribute',
  aging_cells: 'dimension, value, currency, due_date, event_date',
  aging_sales_days: 'currency, issue_date',
  aging_cell_totals: 'dimension, value, currency, due_date',
  aging_customer_dues: 'customer_id, currency, due_date',
  aging_customer_books: 'customer_id, currency',
};
/** Sums whose rows stay when they come back to zero (which ones, depends on the order of the events). */
const ZEROS_LEFT = ['aging_cells', 'aging_cell_totals', 'aging_customer_dues', 'aging_customer_books'];

/**
 * #17 goal 4: the aging read model rebuilt a page at a time (settlements and invoices issued one
 * statement each per page) holds exactly the rows and cells the live path made from the same
 * events, in pages of 5000, of 7 and of one event. 400 invoices made by the decider (paid on time
 * and late, credited, written off, on a plan, paid in part), their customers registered and
 * re-tiered on the way; whole tables compared, so a settlement dropped, counted twice or counted
 * before its invoice shows.
 */
describe('rebuilding the aging read model', () => {
  const platform = inProcessPlatform('agingrb', '2026-06-01');
  afterAll(() => platform.stop());

  it('gives exactly the rows and cells of the live path, in pages of 5000, of 7 and of one event', async () => {
    const reporting = await platform.start(reportingService);
    const invoicing = await platform.start(invoicingService);
    const metadata = { correlationId: 'aging-rebuild' };
    // The customers (as credit-scoring tells reporting): registered, and a tier change mid-way for some.
    for (let c = 0; c < 37; c++) {
      const events = [
        {
          type: 'CustomerRegistered',
          data: {
            customerId: `C-${c}`,
            name: `Customer ${c}`,
            industry: ['MANUFACTURING', 'RETAIL', 'ENERGY'][c % 3],
            region: ['East China', 'North China'][c % 2],
            salesOwner: `sales-${c % 4}`,
            registeredOn: '2026-01-01',
          },
        },
        ...(c % 3 === 0
          ? [
              {
                type: 'CreditTierChanged',
                data: { customerId: `C-${c}`, tier: 'CAUTIOUS', date: '2026-02-20' },
              },
            ]
          : []),
      ];
      await reporting.ctx.store.appendToStream(`customer-C-${c}`, events, {
        expectedVersion: NO_STREAM,
        metadata,
      });
    }
    const histories = Array.from({ length: 400 }, (_, n) => ({
      stream: `invoice-INV-${n}`,
      events: invoiceHistory(n),
    }));
    await appendAsTheDaysGo(invoicing.ctx.store, invoicing.ctx.pool, histories);
    await platform.caughtUp();

    const { pool } = reporting.ctx;
    const snapshot = async () => {
      const tables: Record<string, unknown[]> = {};
      // (A cell moved out and back in by the live path may stay at zero: it adds nothing to any sum.)
      for (const [table, key] of Object.entries(TABLES))
        tables[table] = (
          await pool.query(
            `select * from ${table} ${ZEROS_LEFT.includes(table) ? 'where amount <> 0 or count <> 0' : ''} order by ${key}`,
          )
        ).rows;
      return tables;
    };
    const live = await snapshot();
    // What the events make, so the comparison is about something.
    expect(live.aging_invoices).toHaveLength(400);
    expect(live.aging_settlements!.length).toBeGreaterThan(250);
    expect(live.aging_plan_instalments!.length).toBeGreaterThan(0);
    expect(live.customer_attribute_history!.length).toBeGreaterThan(37 * 4);
    expect(
      (live.aging_cells as { dimension: string }[]).filter((c) => c.dimension === 'tier').length,
    ).toBeGreaterThan(0);

    const projection = reportingService.projections!(reporting.ctx).find((p) => p.name === 'aging')!;
    for (const rebuildBatchSize of [undefined, 7, 1]) {
      const runner = new ProjectionRunner(projection, {
        pool,
        schema: `${platform.run}_${reportingService.schema}`,
        notifier: platform.notifier,
        logger: quietLogger,
        ...(rebuildBatchSize && { rebuildBatchSize }),
      });
      expect(await runner.rebuild()).toMatchObject({ parked: 0 });
      expect(await snapshot()).toEqual(live);
    }
  }, 600_000);
});
