import type { RunningService } from '@ar/platform';
import { unique } from '../../../tests/support/infra';
import { call as callService, inProcessPlatform } from '../../../tests/support/platform';
import { invoicingService } from '../src/service';

/**
 * Money and dates as finance sees them (issue #14, items 1-3), over REST on real PostgreSQL:
 * value dating, dates in the future, fees on weekends. Invoices of 1,000.00 CNY due Saturday
 * 2026-01-31 under the default clause (0.1% a day from day 16, 2% on day 31); the business day
 * moves to Sunday 2026-03-22, day 50 overdue.
 */
describe('invoicing: value dates, future dates, weekends', () => {
  const platform = inProcessPlatform('invdates', '2026-01-05');
  const { clock } = platform;
  let service: RunningService;
  const customer = (name: string) => unique(name);
  const ids = {
    full: unique('FULL'),
    shown: unique('SHOWN'),
    sunday: unique('SUN'),
    scheduled: unique('SCHED'),
  };
  const customers = {
    full: customer('C'),
    shown: customer('C'),
    sunday: customer('C'),
    scheduled: customer('C'),
  };

  beforeAll(async () => {
    service = await platform.start(invoicingService);
    for (const key of ['full', 'shown', 'sunday'] as const) {
      const issued = await call('POST', '/invoices', {
        invoiceId: ids[key],
        customerId: customers[key],
        amount: 100_000,
        currency: 'CNY',
        issueDate: '2026-01-02',
        dueDate: '2026-01-31',
      });
      expect(issued.status).toBe(201);
    }
  });
  afterAll(() => platform.stop());

  const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
    callService(service, method, url, payload);
  const pay = (customerId: string, amount: number, receivedDate: string) =>
    call('POST', '/payments', {
      customerId,
      amount,
      currency: 'CNY',
      channel: 'BANK_TRANSFER',
      receivedDate,
    });

  describe('dates in the future, on 2026-01-05', () => {
    it('takes a scheduled invoice, issued and due later', async () => {
      const { status } = await call('POST', '/invoices', {
        invoiceId: ids.scheduled,
        customerId: customers.scheduled,
        amount: 50_000,
        currency: 'CNY',
        issueDate: '2026-02-01',
        dueDate: '2026-03-01',
      });
      expect(status).toBe(201);
    });

    it('refuses money received tomorrow with a 422 naming receivedDate, and applies nothing', async () => {
      const { status, body } = await pay(customers.scheduled, 10_000, '2026-01-06');
      expect(status).toBe(422);
      expect(JSON.stringify(body)).toContain('receivedDate');
      expect((await call('GET', `/invoices/${ids.scheduled}`)).body.open.principal).toBe(50_000);
    });

    it.each([
      [
        'credit-notes',
        'issueDate',
        { creditNoteId: 'CN-F', amount: 100, reason: 'x', issueDate: '2026-02-01' },
      ],
      ['disputes', 'date', { reason: 'x', date: '2026-01-06' }],
      ['write-offs', 'date', { reason: 'x', date: '2026-01-06' }],
      ['factoring', 'date', { factorId: 'F-1', date: '2026-01-06' }],
    ])(
      'refuses POST /invoices/:id/%s dated in the future with a 422 naming %s',
      async (path, field, payload) => {
        const { status, body } = await call('POST', `/invoices/${ids.scheduled}/${path}`, payload);
        expect(status).toBe(422);
        expect(JSON.stringify(body)).toContain(field);
      },
    );
  });

  describe('on Sunday 2026-03-22, 50 days after the due date', () => {
    beforeAll(async () => {
      await clock.advanceTo('2026-03-22');
    });

    it("shows Sunday's fees (interest through Saturday), and paying what is shown settles the invoice", async () => {
      const shown = await call('GET', `/invoices/${ids.sunday}`);
      // interest for days 16..49 (34 days x 1.00) and the 2% penalty of day 31
      expect(shown.body.open).toEqual({
        principal: 100_000,
        interest: 3_400,
        penalty: 2_000,
        total: 105_400,
      });
      const paid = await pay(customers.sunday, shown.body.open.total, '2026-03-22');
      expect(paid.body).toMatchObject({
        allocations: [{ invoiceId: ids.sunday, amount: 105_400 }],
        creditHeld: 0,
      });
      expect((await call('GET', `/invoices/${ids.sunday}`)).body).toMatchObject({
        status: 'PAID',
        open: { total: 0 },
      });
    });

    it('a payment in full received on the due date and recorded now pays the invoice on time', async () => {
      const { status } = await pay(customers.full, 100_000, '2026-01-31');
      expect(status).toBe(201);
      const invoice = (await call('GET', `/invoices/${ids.full}`)).body;
      expect(invoice).toMatchObject({
        status: 'PAID',
        open: { principal: 0, interest: 0, penalty: 0, total: 0 },
        overdueThresholdsReached: [],
      });
      const events = (await service.ctx.store.readStream(`invoice-${ids.full}`)).events;
      const types = events.map((e) => e.type);
      expect(types).toContain('LateFeeReversed');
      expect(types.filter((t) => t === 'PaymentOverdueWithdrawn')).toHaveLength(3);
      expect(events.find((e) => e.type === 'InvoicePaid')?.data).toMatchObject({ daysLate: 0 });
    });

    it('what was paid on the due date beyond the invoice, recorded now, is held as credit', async () => {
      const { body } = await pay(customers.shown, 105_400, '2026-01-31');
      expect(body).toMatchObject({
        allocations: [{ invoiceId: ids.shown, amount: 100_000 }],
        creditHeld: 5_400,
      });
      expect((await call('GET', `/invoices/${ids.shown}`)).body).toMatchObject({ status: 'PAID' });
    });
  });
});
