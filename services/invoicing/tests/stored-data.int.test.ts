import type { RunningService } from '@ar/platform';
import { unique } from '../../../tests/support/infra';
import { call as callService, inProcessPlatform } from '../../../tests/support/platform';
import { invoicingService } from '../src/service';

/**
 * History the rules cannot read - an event written into the store by hand, by an old version or a
 * bad migration - never makes a read answer 500, nor a command store anything it then cannot
 * answer: the invoice answers 409 STORED_EVENT_INVALID naming the event and what is wrong with it.
 */
describe('an invoice whose stored history is out of range', () => {
  const platform = inProcessPlatform('bad', '2026-02-02');
  let service: RunningService;

  beforeAll(async () => {
    service = await platform.start(invoicingService);
  });
  afterAll(() => platform.stop());

  const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
    callService(service, method, url, payload);

  /** An invoice issued over REST, then its InvoiceIssued changed straight in the store. */
  async function invoiceWithStored(change: string, customerId = 'C-1'): Promise<string> {
    const invoiceId = unique('INV');
    const issued = await call('POST', '/invoices', {
      invoiceId,
      customerId,
      amount: 100_000,
      currency: 'CNY',
      issueDate: '2026-01-05',
      dueDate: '2026-01-20',
    });
    expect(issued.status).toBe(201);
    const { rowCount } = await service.ctx.pool.query(
      `update events set data = ${change} where stream_id = $1 and event_type = 'InvoiceIssued'`,
      [`invoice-${invoiceId}`],
    );
    expect(rowCount).toBe(1);
    return invoiceId;
  }

  const storedEvents = async (invoiceId: string) =>
    (
      await service.ctx.pool.query('select count(*)::int as n from events where stream_id = $1', [
        `invoice-${invoiceId}`,
      ])
    ).rows[0].n;

  it.each([
    ['a late-fee penalty of -7 bp', `jsonb_set(data, '{lateFeeTerms,penaltyBp}', '-7')`, /penaltyBp/],
    ['a due date written 2026/02/04', `jsonb_set(data, '{dueDate}', '"2026/02/04"')`, /dueDate/],
  ])('with %s: GET answers 409 naming the stored event, never 500', async (_what, change, field) => {
    const invoiceId = await invoiceWithStored(change);
    const read = await call('GET', `/invoices/${invoiceId}`);
    expect(read.status).toBe(409);
    expect(read.body.error).toBe('STORED_EVENT_INVALID');
    expect(read.body.message).toContain(`invoice-${invoiceId}`);
    expect(read.body.message).toContain('InvoiceIssued');
    expect(read.body.message).toMatch(field);
  });

  it('a credit note on such an invoice is refused with the same 409, and nothing is stored', async () => {
    const invoiceId = await invoiceWithStored(`jsonb_set(data, '{lateFeeTerms,penaltyBp}', '-7')`);
    const before = await storedEvents(invoiceId);
    const credited = await call('POST', `/invoices/${invoiceId}/credit-notes`, {
      creditNoteId: unique('CN'),
      amount: 10_000,
      reason: 'price adjustment',
      issueDate: '2026-02-02',
    });
    expect(credited.status).toBe(409);
    expect(credited.body.error).toBe('STORED_EVENT_INVALID');
    expect(await storedEvents(invoiceId)).toBe(before);
  });

  it("a payment is applied to the customer's other invoices; a remittance naming the unreadable one is refused, nothing stored", async () => {
    const customerId = unique('C');
    const bad = await invoiceWithStored(`jsonb_set(data, '{lateFeeTerms,penaltyBp}', '-7')`, customerId);
    const good = unique('INV');
    const issueGood = await call('POST', '/invoices', {
      invoiceId: good,
      customerId,
      amount: 50_000,
      currency: 'CNY',
      issueDate: '2026-01-06',
      dueDate: '2026-02-20',
    });
    expect(issueGood.status).toBe(201);
    const paid = await call('POST', '/payments', {
      paymentId: unique('P'),
      customerId,
      amount: 50_000,
      currency: 'CNY',
      channel: 'BANK_TRANSFER',
      receivedDate: '2026-02-02',
    });
    expect(paid.status).toBe(201);
    expect(paid.body.allocations).toEqual([{ invoiceId: good, amount: 50_000 }]);

    const paymentId = unique('P');
    const named = await call('POST', '/payments', {
      paymentId,
      customerId,
      amount: 10_000,
      currency: 'CNY',
      channel: 'BANK_TRANSFER',
      receivedDate: '2026-02-02',
      remittance: [{ invoiceId: bad }],
    });
    expect(named.status).toBe(409);
    expect(named.body.error).toBe('STORED_EVENT_INVALID');
    expect(named.body.message).toContain(`invoice-${bad}`);
    expect((await call('GET', `/payments/${paymentId}`)).status).toBe(404);
  });

  it('a payment whose stored record is out of range answers 409, never 500', async () => {
    const paymentId = unique('P');
    const received = await call('POST', '/payments', {
      paymentId,
      amount: 10_000,
      currency: 'CNY',
      channel: 'BANK_TRANSFER',
      receivedDate: '2026-02-02',
    });
    expect(received.status).toBe(201);
    await service.ctx.pool.query(
      `update events set data = jsonb_set(data, '{receivedDate}', '"2026/02/02"') where stream_id = $1 and event_type = 'PaymentReceived'`,
      [`payment-${paymentId}`],
    );
    const read = await call('GET', `/payments/${paymentId}`);
    expect(read.status).toBe(409);
    expect(read.body.error).toBe('STORED_EVENT_INVALID');
    expect(read.body.message).toContain('PaymentReceived');
    expect(read.body.message).toContain('receivedDate');
  });

  it('the overdue clock passes such an invoice by and assesses the others', async () => {
    await invoiceWithStored(`jsonb_set(data, '{lateFeeTerms,penaltyBp}', '-7')`);
    const good = unique('INV');
    expect(
      (
        await call('POST', '/invoices', {
          invoiceId: good,
          customerId: 'C-2',
          amount: 100_000,
          currency: 'CNY',
          issueDate: '2026-01-05',
          dueDate: '2026-01-20',
        })
      ).status,
    ).toBe(201);
    const moved = await call('PUT', '/admin/clock', { today: '2026-02-03' });
    expect(moved.status).toBe(200);
    const { rows } = await service.ctx.pool.query(
      "select data->>'threshold' as threshold from events where stream_id = $1 and event_type = 'PaymentOverdue'",
      [`invoice-${good}`],
    );
    expect(rows.map((r) => Number(r.threshold))).toEqual([1]); // 14 days overdue
  });
});
