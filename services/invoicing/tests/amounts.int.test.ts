import type { RunningService } from '@ar/platform';
import { unique } from '../../../tests/support/infra';
import { call as callService, inProcessPlatform } from '../../../tests/support/platform';
import { invoicingService } from '../src/service';

/** Amounts as large as the platform takes never break a read; larger ones are refused at the door. */
describe('large amounts in invoicing', () => {
  const platform = inProcessPlatform('amt', '2026-02-02');
  let service: RunningService;

  beforeAll(async () => {
    service = await platform.start(invoicingService);
  });
  afterAll(() => platform.stop());

  const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
    callService(service, method, url, payload);

  it('lists an unidentified payment of 2^31 minor units (above a 32-bit integer)', async () => {
    const paid = await call('POST', '/payments', {
      paymentId: unique('P'),
      amount: 2 ** 31,
      currency: 'CNY',
      channel: 'BANK_TRANSFER',
      receivedDate: '2026-01-20',
    });
    expect(paid.status).toBe(201);
    const list = await call('GET', '/payments?status=UNIDENTIFIED');
    expect(list.status).toBe(200);
    expect(list.body.payments).toContainEqual(expect.objectContaining({ amount: 2 ** 31 }));
  });

  it("shows a customer's credit of 2^31 minor units held from an over-payment", async () => {
    const customerId = unique('C');
    const paid = await call('POST', '/payments', {
      customerId,
      amount: 2 ** 31,
      currency: 'CNY',
      channel: 'BANK_TRANSFER',
      receivedDate: '2026-01-20',
    });
    expect(paid.status).toBe(201);
    const account = await call('GET', `/customers/${customerId}/account`);
    expect(account.status).toBe(200);
    expect(account.body.credit).toEqual([{ currency: 'CNY', amount: 2 ** 31 }]);
  });

  it.each([
    ['2^53 - 1', 2 ** 53 - 1],
    ['2^53', 2 ** 53],
  ])(
    'refuses an invoice of %s minor units with a 422 naming the amount, storing nothing',
    async (_, amount) => {
      const invoiceId = unique('I');
      const res = await call('POST', '/invoices', {
        invoiceId,
        customerId: 'C-1',
        amount,
        currency: 'CNY',
        issueDate: '2026-01-02',
        dueDate: '2026-01-31',
      });
      expect(res.status).toBe(422);
      expect(res.body.error).toBe('AMOUNT_TOO_LARGE');
      expect(res.body.issues.map((i: { field: string }) => i.field)).toEqual(['body.amount']);
      expect((await call('GET', `/invoices/${invoiceId}`)).status).toBe(404);
    },
  );

  it('refuses a payment above the largest amount, and a remittance line above it, naming the field', async () => {
    const base = {
      amount: 2 ** 53 - 1,
      currency: 'CNY',
      channel: 'BANK_TRANSFER',
      receivedDate: '2026-01-20',
    };
    const res = await call('POST', '/payments', base);
    expect(res.status).toBe(422);
    expect(res.body.issues.map((i: { field: string }) => i.field)).toEqual(['body.amount']);
    const line = await call('POST', '/payments', {
      ...base,
      amount: 1_000,
      remittance: [{ invoiceId: 'X', amount: 2 ** 53 - 1 }],
    });
    expect(line.status).toBe(422);
    expect(line.body.issues.map((i: { field: string }) => i.field)).toEqual(['body.remittance.0.amount']);
  });

  it('refuses a plan guarantee above the largest amount, naming the field (#14 probe F9)', async () => {
    const invoiceId = unique('I');
    await call('POST', '/invoices', {
      invoiceId,
      customerId: unique('C'),
      amount: 100_000,
      currency: 'CNY',
      issueDate: '2026-01-02',
      dueDate: '2026-03-31',
    });
    const plan = await call('POST', `/invoices/${invoiceId}/instalment-plans`, {
      planId: unique('PLAN'),
      instalments: [{ dueDate: '2026-03-31', amount: 100_000 }],
      date: '2026-02-02',
      guarantee: { guarantor: 'Li Wei', kind: 'PERSONAL', amount: 10_000_000_000_001 },
    });
    expect(plan.status).toBe(422);
    expect(plan.body.error).toBe('AMOUNT_TOO_LARGE');
    expect(plan.body.issues.map((i: { field: string }) => i.field)).toEqual(['body.guarantee.amount']);
  });

  it('takes an invoice at the largest amount, a year overdue, and reads it back', async () => {
    const invoiceId = unique('I');
    const res = await call('POST', '/invoices', {
      invoiceId,
      customerId: unique('C'),
      amount: 10_000_000_000_000,
      currency: 'CNY',
      issueDate: '2025-01-02',
      dueDate: '2025-01-31',
    });
    expect(res.status).toBe(201);
    const read = await call('GET', `/invoices/${invoiceId}`);
    expect(read.status).toBe(200);
    expect(read.body.amount).toBe(10_000_000_000_000);
  });
});
