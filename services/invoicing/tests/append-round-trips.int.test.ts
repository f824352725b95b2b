import { ConcurrencyConflict } from '@ar/kernel';
import { migrate, PostgresEventStore } from '@ar/postgres';
import { Client } from 'pg';
import { freshStoreSchema } from '../../../tests/support/infra';
import { paymentListMigrations, paymentListProjection } from '../src/finding/payment-list';
import { openItemsMigrations, openItemsProjection } from '../src/ledger/open-items';

const text = (q: unknown) => (typeof q === 'string' ? q : (q as { text: string }).text);
/** The statements an append waits on (the store's NOTIFY goes after the commit, at most every 10 ms). */
const sent = (calls: unknown[][]) => calls.map(([q]) => text(q)).filter((t) => !/^select pg_notify/.test(t));

const issued = (invoiceId: string) => ({
  type: 'InvoiceIssued',
  data: {
    invoiceId,
    customerId: 'C-1',
    amount: 10_000,
    currency: 'CNY',
    issueDate: '2026-01-05',
    dueDate: '2026-02-04',
  },
});

/**
 * `POST /invoices` over HTTP made five round trips (#17 goal 2): the stream's load, then begin,
 * the append, the open-items row, commit. An append whose inline projections write one row in
 * all is now one statement - the append and that write together, committed on its own - so the
 * command is two; a wrong expected version still keeps nothing of either.
 */
describe("invoicing's append round trips", () => {
  it('issues an invoice in one statement with its open-items row, keeps neither on a conflict, and takes two writes in a transaction', async () => {
    const ctx = await freshStoreSchema('append_trips');
    await migrate(ctx.pool, ctx.schema, [...openItemsMigrations, ...paymentListMigrations]);
    const store = new PostgresEventStore(ctx.pool, ctx.schema, [openItemsProjection, paymentListProjection]);
    const metadata = { correlationId: 'c-1' };
    const query = jest.spyOn(Client.prototype, 'query');
    try {
      await store.appendToStream('invoice-I-1', [issued('I-1')], { expectedVersion: 0, metadata });
      expect(sent(query.mock.calls)).toHaveLength(1);
      // The same stream at a version it is past: a conflict, and the write made with it is undone.
      query.mockClear();
      await expect(
        store.appendToStream('invoice-I-1', [issued('I-2')], { expectedVersion: 0, metadata }),
      ).rejects.toBeInstanceOf(ConcurrencyConflict);
      expect(sent(query.mock.calls)).toHaveLength(1);
    } finally {
      query.mockRestore();
    }
    const { rows } = await ctx.pool.query(
      'select invoice_id, first_due_date::text as due, next_assessment::text as next from open_invoices',
    );
    expect(rows).toEqual([{ invoice_id: 'I-1', due: '2026-02-04', next: '2026-02-05' }]);
    expect((await ctx.pool.query('select version from streams')).rows).toEqual([{ version: 1 }]);
    // An unidentified payment writes two rows (open items and the payment list): in a transaction.
    await store.appendToStream(
      'payment-P-1',
      [
        {
          type: 'PaymentReceived',
          data: {
            paymentId: 'P-1',
            amount: 500,
            currency: 'CNY',
            channel: 'BANK_TRANSFER',
            receivedDate: '2026-01-06',
          },
        },
      ],
      { expectedVersion: 0, metadata },
    );
    expect((await ctx.pool.query('select payment_id from unidentified_payments')).rows).toEqual([
      { payment_id: 'P-1' },
    ]);
    expect((await ctx.pool.query('select payment_id, status from payment_list')).rows).toEqual([
      { payment_id: 'P-1', status: 'UNIDENTIFIED' },
    ]);
    await ctx.pool.end();
  });
});
