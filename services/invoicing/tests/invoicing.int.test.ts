import { randomUUID } from 'node:crypto';
import type { RunningService } from '@ar/platform';
import { unique } from '../../../tests/support/infra';
import { call as callService, inProcessPlatform } from '../../../tests/support/platform';
import { invoicingService } from '../src/service';

/** The invoicing service over REST, on real PostgreSQL, with a controllable business clock. */
describe('invoicing service', () => {
  const platform = inProcessPlatform('inv', '2026-01-05');
  let service: RunningService;

  beforeAll(async () => {
    service = await platform.start(invoicingService);
  });
  afterAll(() => platform.stop());

  const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
    callService(service, method, url, payload);
  const issue = (invoiceId: string, customerId: string, amount: number, dueDate: string, currency = 'CNY') =>
    call('POST', '/invoices', { invoiceId, customerId, amount, currency, issueDate: '2026-01-02', dueDate });
  const pay = (payload: object) =>
    call('POST', '/payments', {
      channel: 'BANK_TRANSFER',
      currency: 'CNY',
      receivedDate: '2026-01-05', // the business day: money cannot be received in the future
      ...payload,
    });
  const eventsOf = async (streamId: string) =>
    (await service.ctx.store.readStream(streamId)).events.map((e) => ({
      type: e.type,
      data: e.data as never,
    }));

  describe('cash application', () => {
    const customer = unique('C');
    beforeAll(async () => {
      expect((await issue('A', customer, 1_000, '2026-01-31')).status).toBe(201);
      expect((await issue('B', customer, 2_000, '2026-02-28')).status).toBe(201);
    });

    it('spreads one payment over several invoices oldest first and holds the over-payment as credit', async () => {
      const { status, body } = await pay({ customerId: customer, amount: 3_500 });
      expect(status).toBe(201);
      expect(body).toMatchObject({
        status: 'APPLIED',
        allocations: [
          { invoiceId: 'A', amount: 1_000 },
          { invoiceId: 'B', amount: 2_000 },
        ],
        creditHeld: 500,
      });
      expect((await call('GET', '/invoices/A')).body).toMatchObject({ status: 'PAID', open: { total: 0 } });
      expect((await call('GET', `/customers/${customer}/account`)).body).toEqual({
        customerId: customer,
        openInvoices: [],
        credit: [{ currency: 'CNY', amount: 500 }],
      });
    });

    it('keeps an unidentified payment until a person matches it, then applies it', async () => {
      await issue('D', customer, 4_000, '2026-03-31');
      const received = await pay({ amount: 1_500, reference: 'no such thing' });
      expect(received.body.status).toBe('UNIDENTIFIED');
      const waiting = await call('GET', '/payments?status=UNIDENTIFIED');
      expect(waiting.body.payments.map((p: { paymentId: string }) => p.paymentId)).toContain(
        received.body.paymentId,
      );

      const matched = await call('POST', `/payments/${received.body.paymentId}/match`, {
        customerId: customer,
      });
      expect(matched.body).toMatchObject({
        status: 'APPLIED',
        allocations: [{ invoiceId: 'D', amount: 1_500 }],
      });
      expect((await call('GET', '/invoices/D')).body.open.principal).toBe(2_500);
    });

    it('identifies the payer from a reference naming an open invoice', async () => {
      const { body } = await pay({ amount: 500, reference: 'D' });
      expect(body).toMatchObject({
        status: 'APPLIED',
        customerId: customer,
        allocations: [{ invoiceId: 'D' }],
      });
    });

    it('refuses bad input with a 4xx naming the field, and stores nothing', async () => {
      const before = await call('GET', '/invoices/D');
      const refusals: [object, number, string][] = [
        [{ customerId: customer, amount: -5 }, 400, 'body.amount'],
        [{ customerId: customer, amount: 5, currency: 'yen' }, 400, 'body.currency'],
        [
          { customerId: customer, amount: 100, currency: 'EUR', remittance: [{ invoiceId: 'D' }] },
          422,
          'currency',
        ],
        [
          { customerId: customer, amount: 9_000, remittance: [{ invoiceId: 'D', amount: 9_000 }] },
          422,
          'remittance.0.amount',
        ],
        [
          { customerId: customer, amount: 100, remittance: [{ invoiceId: 'NOPE' }] },
          422,
          'remittance.0.invoiceId',
        ],
      ];
      for (const [payload, status, field] of refusals) {
        const paymentId = randomUUID();
        const res = await pay({ ...payload, paymentId });
        expect({ payload, status: res.status }).toEqual({ payload, status });
        expect(res.body.issues.map((i: { field: string }) => i.field)).toContain(field);
        expect((await call('GET', `/payments/${paymentId}`)).status).toBe(404);
      }
      expect(await call('GET', '/invoices/D')).toEqual(before);
      expect((await call('GET', '/invoices/NOPE')).status).toBe(404);
      const unknown = await call('POST', '/invoices/NOPE/write-offs', { reason: 'x' });
      expect(unknown).toMatchObject({ status: 404, body: { issues: [{ field: 'invoiceId' }] } });
      const unknownPayment = await call('POST', '/payments/NOPE/match', { customerId: customer });
      expect(unknownPayment).toMatchObject({ status: 404, body: { error: 'PAYMENT_NOT_FOUND' } });
      const overCredit = await call('POST', '/invoices/D/credit-notes', {
        creditNoteId: 'CN-1',
        amount: 1_000_000,
        reason: 'x',
      });
      expect(overCredit).toMatchObject({ status: 422, body: { error: 'CREDIT_EXCEEDS_OPEN_AMOUNT' } });
    });
  });

  describe('the overdue clock on a controllable business clock', () => {
    it('gives exactly one PaymentOverdue per threshold and the clause fees over 100 business days, and a replayed day changes nothing', async () => {
      const customer = unique('LATE');
      const invoiceId = unique('X');
      await issue(invoiceId, customer, 1_000_000, '2026-01-30');
      let day = '2026-01-30';
      for (let n = 0; n < 100; n++) {
        day = service.ctx.calendar.addWorkingDays(day, 1);
        const moved = await call('PUT', '/admin/clock', { today: day });
        expect(moved.status).toBe(200);
      }
      const events = await eventsOf(`invoice-${invoiceId}`);
      const overdue = events.filter((e) => e.type === 'PaymentOverdue');
      expect(overdue.map((e) => (e.data as { threshold: number }).threshold)).toEqual([1, 16, 31, 61, 91]);
      // 100 business days after 2026-01-30 is 2026-06-19: 140 days overdue; interest for days 16..139.
      expect(day).toBe('2026-06-19');
      const invoice = (await call('GET', `/invoices/${invoiceId}`)).body;
      expect(invoice.open).toEqual({
        principal: 1_000_000,
        interest: 124 * 1_000,
        penalty: 20_000,
        total: 1_000_000 + 124_000 + 20_000,
      });

      // A restart mid-day: the scheduler forgets the last ten days and runs them again.
      await service.ctx.pool.query(
        "update business_days set last_day = last_day - 10 where job = 'overdue-clock'",
      );
      const rerun = await call('PUT', '/admin/clock', { today: day });
      expect(rerun.body.results.invoicing['overdue-clock'].days.length).toBeGreaterThan(0);
      expect(await eventsOf(`invoice-${invoiceId}`)).toEqual(events);
    });

    it('refuses to move the clock backwards', async () => {
      const res = await call('PUT', '/admin/clock', { today: '2026-01-01' });
      expect(res).toMatchObject({ status: 422, body: { error: 'CLOCK_BACKWARDS' } });
    });
  });
});
