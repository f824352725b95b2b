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
    matchedLate: unique('F3'),
    paidLate: unique('F3P'),
  };
  const customers = {
    full: customer('C'),
    shown: customer('C'),
    sunday: customer('C'),
    scheduled: customer('C'),
    matchedLate: customer('C'),
    paidLate: customer('C'),
  };

  beforeAll(async () => {
    service = await platform.start(invoicingService);
    for (const key of ['full', 'shown', 'sunday', 'matchedLate', 'paidLate'] as const) {
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

    // #14 probe F3: the money that paid on time is matched after a later payment the invoice took.
    it('money received before the due date, matched after a later payment: paid on time, the later payment back as credit', async () => {
      const later = await pay(customers.matchedLate, 100_000, '2026-03-20');
      // Fees first (by Friday 03-20: the 2,000 penalty and 32 days of interest), 5,200 of principal still open.
      expect(later.body).toMatchObject({ allocations: [{ invoiceId: ids.matchedLate, amount: 100_000 }] });
      expect((await call('GET', `/invoices/${ids.matchedLate}`)).body).toMatchObject({
        status: 'OPEN',
        open: { principal: 5_200 },
        overdueThresholdsReached: [1, 16, 31],
      });

      const earlier = await pay(customers.matchedLate, 100_000, '2026-01-30');
      expect(earlier.status).toBe(201);
      expect(earlier.body).toMatchObject({
        allocations: [{ invoiceId: ids.matchedLate, amount: 100_000 }],
        creditHeld: 0,
      });
      expect((await call('GET', `/invoices/${ids.matchedLate}`)).body).toMatchObject({
        status: 'PAID',
        open: { principal: 0, interest: 0, penalty: 0, total: 0 },
        overdueThresholdsReached: [],
      });
      const invoiceEvents = (await service.ctx.store.readStream(`invoice-${ids.matchedLate}`)).events;
      expect(invoiceEvents.find((e) => e.type === 'InvoicePaid')?.data).toMatchObject({
        paidDate: '2026-01-30',
        daysLate: -1,
      });
      // The later payment: nothing on the invoice any more, all of it the customer's credit.
      expect((await call('GET', `/payments/${later.body.paymentId}`)).body).toMatchObject({
        allocations: [],
        creditHeld: 100_000,
      });
      expect((await call('GET', `/customers/${customers.matchedLate}/account`)).body).toMatchObject({
        openInvoices: [],
        credit: [{ currency: 'CNY', amount: 100_000 }],
      });

      // Both again (client retries): the same answers, nothing more stored.
      const before = (await service.ctx.store.readStream(`invoice-${ids.matchedLate}`)).events.length;
      const again = await call('POST', '/payments', {
        paymentId: earlier.body.paymentId,
        customerId: customers.matchedLate,
        amount: 100_000,
        currency: 'CNY',
        channel: 'BANK_TRANSFER',
        receivedDate: '2026-01-30',
      });
      expect(again.status).toBe(201);
      expect(again.body).toEqual(earlier.body);
      expect((await service.ctx.store.readStream(`invoice-${ids.matchedLate}`)).events).toHaveLength(before);
      expect((await call('GET', `/customers/${customers.matchedLate}/account`)).body.credit).toEqual([
        { currency: 'CNY', amount: 100_000 },
      ]);
    });

    // The probe's F1: the later payment had paid the invoice in full before the earlier money was matched.
    it('money received before the due date, matched after a later payment paid the invoice in full: paid again on time, the later payment all credit', async () => {
      const later = await pay(customers.paidLate, 105_200, '2026-03-20');
      expect(later.body).toMatchObject({ allocations: [{ invoiceId: ids.paidLate, amount: 105_200 }] });
      expect((await call('GET', `/invoices/${ids.paidLate}`)).body).toMatchObject({ status: 'PAID' });

      const earlier = await pay(customers.paidLate, 100_000, '2026-01-30');
      expect(earlier.status).toBe(201);
      expect(earlier.body).toMatchObject({
        allocations: [{ invoiceId: ids.paidLate, amount: 100_000 }],
        creditHeld: 0,
      });
      expect((await call('GET', `/invoices/${ids.paidLate}`)).body).toMatchObject({
        status: 'PAID',
        open: { total: 0 },
        overdueThresholdsReached: [],
      });
      const paid = (await service.ctx.store.readStream(`invoice-${ids.paidLate}`)).events.filter(
        (e) => e.type === 'InvoicePaid',
      );
      expect(paid.map((e) => (e.data as { paidDate: string }).paidDate)).toEqual([
        '2026-03-20',
        '2026-01-30',
      ]);
      expect((await call('GET', `/payments/${later.body.paymentId}`)).body).toMatchObject({
        allocations: [],
        creditHeld: 105_200,
      });
      expect((await call('GET', `/customers/${customers.paidLate}/account`)).body.credit).toEqual([
        { currency: 'CNY', amount: 105_200 },
      ]);
      // Money dated after it was paid finds it paid: the customer's credit.
      const after = await pay(customers.paidLate, 1_000, '2026-02-02');
      expect(after.body).toMatchObject({ allocations: [], creditHeld: 1_000 });
      // Nor is an invoice issued after the money arrived offered it, paid late or not.
      const issuedLater = unique('LATER');
      const issued = await call('POST', '/invoices', {
        invoiceId: issuedLater,
        customerId: customers.paidLate,
        amount: 50_000,
        currency: 'CNY',
        issueDate: '2026-02-10',
        dueDate: '2026-02-20',
      });
      expect(issued.status).toBe(201);
      const settled = await pay(
        customers.paidLate,
        (await call('GET', `/invoices/${issuedLater}`)).body.open.total,
        '2026-03-22',
      );
      expect(settled.body.allocations).toEqual([{ invoiceId: issuedLater, amount: settled.body.amount }]);
      const before = await pay(customers.paidLate, 500, '2026-02-05');
      expect(before.body).toMatchObject({ allocations: [], creditHeld: 500 });
    });

    it('money offered the invoices open on its date first, oldest due first; an invoice issued after it only then, as an advance from its issue date', async () => {
      const customerId = customer('C');
      const openThen = unique('THEN');
      const issuedAfter = unique('AFTER');
      for (const [invoiceId, issueDate, dueDate] of [
        [issuedAfter, '2026-02-10', '2026-02-20'],
        [openThen, '2026-01-02', '2026-03-31'],
      ] as const) {
        const issued = await call('POST', '/invoices', {
          invoiceId,
          customerId,
          amount: 30_000,
          currency: 'CNY',
          issueDate,
          dueDate,
        });
        expect(issued.status).toBe(201);
      }
      // Dated 02-05: only the invoice of 01-02 was open then, though the other falls due first.
      const first = await pay(customerId, 30_000, '2026-02-05');
      expect(first.body).toMatchObject({
        allocations: [{ invoiceId: openThen, amount: 30_000 }],
        creditHeld: 0,
      });
      const advance = await pay(customerId, 30_000, '2026-02-06');
      expect(advance.body).toMatchObject({ allocations: [{ invoiceId: issuedAfter, amount: 30_000 }] });
      const events = (await service.ctx.store.readStream(`invoice-${issuedAfter}`)).events;
      expect(events.find((e) => e.type === 'InvoicePaid')?.data).toMatchObject({ paidDate: '2026-02-10' });
    });
  });
});
