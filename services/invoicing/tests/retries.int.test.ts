import type { RunningService } from '@ar/platform';
import { unique } from '../../../tests/support/infra';
import { call as callService, inProcessPlatform } from '../../../tests/support/platform';
import { invoicingService } from '../src/service';

/** Every command safe to retry: the same request again answers as the first did. */
describe('invoicing commands sent again', () => {
  const platform = inProcessPlatform('retry', '2026-02-02');
  let service: RunningService;

  beforeAll(async () => {
    service = await platform.start(invoicingService);
  });
  afterAll(() => platform.stop());

  const call = (url: string, payload?: object, headers: Record<string, string> = {}) =>
    callService(service, payload ? 'POST' : 'GET', url, payload, headers);
  const issue = (invoiceId: string, customerId: string, amount: number) =>
    call('/invoices', {
      invoiceId,
      customerId,
      amount,
      currency: 'CNY',
      issueDate: '2026-01-02',
      dueDate: '2026-03-31',
    });

  it('a POST /payments without paymentId sent twice with one Idempotency-Key books the payment once', async () => {
    const customerId = unique('C');
    expect((await issue(unique('I'), customerId, 100_000)).status).toBe(201);
    const payment = {
      customerId,
      amount: 30_000,
      currency: 'CNY',
      channel: 'BANK_TRANSFER',
      receivedDate: '2026-01-20',
    };
    const key = { 'idempotency-key': unique('key') };
    const first = await call('/payments', payment, key);
    const again = await call('/payments', payment, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const [invoice] = (await call(`/customers/${customerId}/account`)).body.openInvoices;
    expect((await call(`/invoices/${invoice.invoiceId}`)).body.open.principal).toBe(70_000);
  });

  it('the same Idempotency-Key with another amount is a 409, and nothing more is booked', async () => {
    const customerId = unique('C');
    const key = { 'idempotency-key': unique('key') };
    const payment = {
      customerId,
      amount: 30_000,
      currency: 'CNY',
      channel: 'BANK_TRANSFER',
      receivedDate: '2026-01-20',
    };
    expect((await call('/payments', payment, key)).status).toBe(201);
    const other = await call('/payments', { ...payment, amount: 31_000 }, key);
    expect(other.status).toBe(409);
    expect((await call(`/customers/${customerId}/account`)).body.credit).toEqual([
      { currency: 'CNY', amount: 30_000 },
    ]);
  });

  it('a POST /invoices without invoiceId sent twice with one Idempotency-Key issues one invoice', async () => {
    const invoice = {
      customerId: unique('C'),
      amount: 5_000,
      currency: 'CNY',
      issueDate: '2026-01-02',
      dueDate: '2026-03-31',
    };
    const key = { 'idempotency-key': unique('key') };
    const first = await call('/invoices', invoice, key);
    const again = await call('/invoices', invoice, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect((await call(`/customers/${invoice.customerId}/account`)).body.openInvoices).toHaveLength(1);
  });

  it('a POST /invoices and a POST /payments re-sent under their own ids answer 201 as the first did', async () => {
    const customerId = unique('C');
    const invoiceId = unique('I');
    const first = await issue(invoiceId, customerId, 100_000);
    const again = await issue(invoiceId, customerId, 100_000);
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body).toEqual(first.body);
    const payment = {
      paymentId: unique('P'),
      customerId,
      amount: 10_000,
      currency: 'CNY',
      channel: 'BANK_TRANSFER',
      receivedDate: '2026-01-20',
    };
    const paid = await call('/payments', payment);
    const paidAgain = await call('/payments', payment);
    expect([paid.status, paidAgain.status]).toEqual([201, 201]);
    expect(paidAgain.body).toEqual(paid.body);
  });

  it('a credit note id re-used with another amount is a 409; the first amount stands', async () => {
    const invoiceId = unique('I');
    await issue(invoiceId, unique('C'), 100_000);
    const note = { creditNoteId: 'CN-1', amount: 10_000, reason: 'returned goods', issueDate: '2026-01-10' };
    expect((await call(`/invoices/${invoiceId}/credit-notes`, note)).status).toBe(200);
    expect((await call(`/invoices/${invoiceId}/credit-notes`, note)).status).toBe(200);
    const other = await call(`/invoices/${invoiceId}/credit-notes`, { ...note, amount: 20_000 });
    expect(other.status).toBe(409);
    expect((await call(`/invoices/${invoiceId}`)).body.open.principal).toBe(90_000);
  });

  it('a write-off sent again answers as the first did', async () => {
    const invoiceId = unique('I');
    await issue(invoiceId, unique('C'), 100_000);
    const writeOff = { reason: 'customer insolvent', date: '2026-02-01' };
    const first = await call(`/invoices/${invoiceId}/write-offs`, writeOff);
    const again = await call(`/invoices/${invoiceId}/write-offs`, writeOff);
    expect(first.status).toBe(200);
    expect(again).toEqual(first);
  });
});
