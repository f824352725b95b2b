import { ConcurrencyConflict } from '@ar/kernel';
import { migrate, PostgresEventStore } from '@ar/postgres';
import { Client } from 'pg';
import { freshStoreSchema } from '../../../tests/support/infra';
import { paymentListMigrations, paymentListProjection } from '../src/finding/payment-list';
import { openItemsMigrations, openItemsProjection } from '../src/ledger/open-items';

const text = (q: unknown) => (typeof q === 'string' ? q : (q as { text: string }).text);
/** The statements an append waits on (the store's NOTIFY goes after the commit, at most every 10 ms). */
const sent = (calls: unknown[][]) => calls.map(([q]) => text(q)).filter((t) => !/^select pg_notify/.test(t));

const issued = (invoiceId: string, prepayment = false) => ({
  type: 'InvoiceIssued',
  data: {
    invoiceId,
    customerId: 'C-1',
    amount: 10_000,
    currency: 'CNY',
    issueDate: '2026-01-05',
    dueDate: '2026-02-04',
    ...(prepayment && { prepayment }),
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

  it('issues 32 invoices asked at once in a few statements, their streams read in a few more, each with its open-items row', async () => {
    const ctx = await freshStoreSchema('append_group');
    await migrate(ctx.pool, ctx.schema, [...openItemsMigrations, ...paymentListMigrations]);
    const store = new PostgresEventStore(ctx.pool, ctx.schema, [openItemsProjection, paymentListProjection]);
    const metadata = { correlationId: 'c-1' };
    const ids = Array.from({ length: 32 }, (_, i) => `G-${i}`);
    const query = jest.spyOn(Client.prototype, 'query');
    try {
      // What the command handler does for each: read the stream (from its snapshot), then append.
      const read = await Promise.all(
        ids.map((id) => store.readStreamAfterSnapshot(`invoice-${id}`, 'invoice@1')),
      );
      expect(read.map((r) => r.version)).toEqual(Array(32).fill(0));
      expect(sent(query.mock.calls).length).toBeLessThanOrEqual(4);
      query.mockClear();
      await Promise.all(
        ids.map((id, i) =>
          store.appendToStream(`invoice-${id}`, [issued(id, i % 8 === 0)], { expectedVersion: 0, metadata }),
        ),
      );
      expect(sent(query.mock.calls).length).toBeLessThanOrEqual(4);
    } finally {
      query.mockRestore();
    }
    const { rows } = await ctx.pool.query(
      'select invoice_id, first_due_date::text as due, next_assessment::text as next from open_invoices order by invoice_id',
    );
    // As one append alone writes it: the day after the due date, none for a prepayment invoice.
    expect(rows).toEqual(
      ids
        .map((id, i) => ({ invoice_id: id, due: '2026-02-04', next: i % 8 === 0 ? null : '2026-02-05' }))
        .sort((a, b) => a.invoice_id.localeCompare(b.invoice_id)),
    );
    expect((await ctx.pool.query('select count(*)::int as n from payment_list')).rows).toEqual([{ n: 0 }]);
    await ctx.pool.end();
  });
});
