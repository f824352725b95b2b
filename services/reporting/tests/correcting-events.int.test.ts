import { collectionsService } from '@ar/collections';
import { creditScoringService } from '@ar/credit-scoring';
import { invoicingService } from '@ar/invoicing';
import type { RunningService } from '@ar/platform';
import { call, inProcessPlatform } from '../../../tests/support/platform';
import { reportingService } from '../src/service';

/**
 * Value dating (DOMAIN.md §3): a payment recorded after later facts makes invoicing correct the
 * past with LateFeeReversed, PaymentOverdueWithdrawn and PaymentReallocated. Reporting's aging,
 * overdue rate and KPIs follow them: a fee that was not due no longer eats a payment's principal,
 * a case opened on a threshold that was withdrawn was never a collection case, and a payment's
 * corrected split moves what is open per invoice.
 *
 * The book (all invoices 1,000.00 CNY, issued 5 January, due 20 January, the default clause):
 *   V1: 300.00 received 2 March (recorded first), then 700.00 received on the due date (recorded after):
 *       the fees the 2 March payment paid shrink, so more of it goes to principal (reallocated);
 *   W1: paid in full on the due date, recorded on 2 March: its thresholds are withdrawn, fees reversed;
 *   W2: paid in full, fees included, on 10 February (really late);
 *   W3: never paid;
 *   R1: 1,000.00 received 2 March (recorded first: fees first, principal left open), then 1,000.00
 *       received on the due date (recorded after): paid on time, the 2 March payment released to
 *       credit in full (#14 F3) - its principal leaves the figures;
 *   R2: paid in full, fees included, on 2 March (recorded first, the case closed as paid late), then
 *       1,000.00 received on the due date (recorded after): paid again on time, the 2 March payment
 *       released in full, the case closed again as paid on time.
 */
describe('reporting follows invoicing correcting events', () => {
  const platform = inProcessPlatform('corr', '2026-01-05');
  const services: RunningService[] = [];
  let invoicing: RunningService;
  let reporting: RunningService;
  const INVOICES = ['R1', 'R2', 'V1', 'W1', 'W2', 'W3'];

  const caughtUp = async () => {
    for (let round = 0; round < 2; round++) for (const s of services) await s.caughtUp();
  };
  const moveClock = async (today: string) => {
    expect((await call(invoicing, 'PUT', '/admin/clock', { today })).status).toBe(200);
    await caughtUp();
  };
  const pay = async (invoiceId: string, amount: number, receivedDate: string) => {
    const paid = await call(invoicing, 'POST', '/payments', {
      customerId: 'C-VD',
      amount,
      currency: 'CNY',
      channel: 'BANK_TRANSFER',
      receivedDate,
      remittance: [{ invoiceId, amount }],
    });
    expect(paid.status).toBe(201);
  };

  beforeAll(async () => {
    reporting = await platform.start(reportingService);
    const credit = await platform.start(creditScoringService);
    const collections = await platform.start(collectionsService);
    invoicing = await platform.start(invoicingService);
    services.push(invoicing, credit, collections, reporting);
    const registered = await call(credit, 'POST', '/customers', {
      customerId: 'C-VD',
      name: 'Value Dated Trading Co',
      industry: 'RETAIL',
      region: 'East China',
      headcount: 200,
      annualRevenue: 5_000_000_000,
      expectedAnnualValue: 100_000_000,
      registrationNumber: 'R-VD',
      registeredDate: '2012-05-01',
      salesOwner: 'sales-wang',
    });
    expect(registered.status).toBe(201);
    await caughtUp();
    for (const invoiceId of INVOICES) {
      const issued = await call(invoicing, 'POST', '/invoices', {
        invoiceId,
        customerId: 'C-VD',
        amount: 100_000,
        currency: 'CNY',
        issueDate: '2026-01-05',
        dueDate: '2026-01-20',
        lateFeeTerms: { interestFromDay: 16, dailyInterestBp: 10, penaltyDay: 31, penaltyBp: 200 },
      });
      expect(issued.status).toBe(201);
    }
    await caughtUp();
    await moveClock('2026-02-10');
    await pay('W2', (await call(invoicing, 'GET', '/invoices/W2')).body.open.total, '2026-02-10');
    await moveClock('2026-03-02');
    await pay('V1', 30_000, '2026-03-02');
    await pay('V1', 70_000, '2026-01-20');
    await pay('W1', 100_000, '2026-01-20');
    await pay('R1', 100_000, '2026-03-02');
    await pay('R1', 100_000, '2026-01-20');
    await pay('R2', (await call(invoicing, 'GET', '/invoices/R2')).body.open.total, '2026-03-02');
    await caughtUp();
    await pay('R2', 100_000, '2026-01-20');
    await caughtUp();
  }, 240_000);
  afterAll(async () => {
    await platform.stop();
  });

  const get = async (url: string) => {
    const res = await call(reporting, 'GET', url);
    expect(res.status).toBe(200);
    return res.body;
  };
  const eventsOf = async (type: string) =>
    (
      await reporting.ctx.pool.query<{ data: Record<string, unknown> }>(
        'select data from events where event_type = $1 order by global_position',
        [type],
      )
    ).rows.map((r) => r.data);

  /**
   * The deliberately simple computation: each payment's principal is its latest split (the
   * PaymentAllocated, or the last PaymentReallocated of that payment and invoice); an invoice's
   * open principal on a day is its amount less the principal of payments dated by then.
   */
  async function simpleFigures(asOf: string) {
    const splits = new Map<string, { invoiceId: string; date: string; toPrincipal: number }>();
    const { rows } = await reporting.ctx.pool.query<{
      data: { invoiceId: string; paymentId: string; paymentDate: string; toPrincipal: number };
    }>(
      `select data from events where event_type in ('PaymentAllocated', 'PaymentReallocated') order by global_position`,
    );
    for (const { data } of rows) {
      splits.set(`${data.invoiceId}/${data.paymentId}`, {
        invoiceId: data.invoiceId,
        date: data.paymentDate,
        toPrincipal: data.toPrincipal,
      });
    }
    let outstanding = 0;
    let overdue = 0;
    const open = new Map<string, number>();
    for (const invoiceId of INVOICES) {
      const paid = [...splits.values()]
        .filter((s) => s.invoiceId === invoiceId && s.date <= asOf)
        .reduce((sum, s) => sum + s.toPrincipal, 0);
      open.set(invoiceId, 100_000 - paid);
      outstanding += 100_000 - paid;
      if (asOf > '2026-01-20') overdue += 100_000 - paid;
    }
    /** Principal received in cash within 60 days of the 5 January issue (by 6 March). */
    const collectedWithin60 = [...splits.values()]
      .filter((s) => s.date <= '2026-03-06')
      .reduce((sum, s) => sum + s.toPrincipal, 0);
    return { outstanding, overdue, open, collectedWithin60 };
  }

  it('PaymentReallocated: a payment whose split was corrected moves what is open on its invoice', async () => {
    const reallocated = await eventsOf('PaymentReallocated');
    expect(reallocated.map((e) => e.invoiceId)).toEqual(['V1', 'R1', 'R2']);
    expect(reallocated[1]).toMatchObject({ released: 100_000, toPrincipal: 0 });
    const simple = await simpleFigures('2026-03-02');
    // What invoicing itself says is open, today.
    for (const invoiceId of INVOICES) {
      const view = (await call(invoicing, 'GET', `/invoices/${invoiceId}`)).body;
      expect({ invoiceId, principal: view.open.principal }).toEqual({
        invoiceId,
        principal: simple.open.get(invoiceId),
      });
    }
    for (const asOf of ['2026-01-31', '2026-02-15', '2026-03-02']) {
      const expected = await simpleFigures(asOf);
      const aging = (await get(`/reports/aging?asOf=${asOf}`)).reports[0];
      const rate = (await get(`/reports/overdue-rate?asOf=${asOf}`)).rates[0];
      expect({ asOf, outstanding: aging.total.amount, overdue: rate.overdue.amount }).toEqual({
        asOf,
        outstanding: expected.outstanding,
        overdue: expected.overdue,
      });
    }
    const [dso] = (await get('/reports/dso?asOf=2026-03-02&days=90')).dso;
    expect(dso.outstanding).toBe(simple.outstanding);
  });

  it('LateFeeReversed: a fee that was not due leaves nothing in the figures - what a payment paid of it is principal', async () => {
    const reversed = await eventsOf('LateFeeReversed');
    expect(new Set(reversed.map((e) => e.invoiceId))).toEqual(new Set(['R1', 'R2', 'V1', 'W1']));
    const simple = await simpleFigures('2026-03-10');
    const [rate] = (await get('/reports/collection-rate?from=2026-01-01&to=2026-01-31&asOf=2026-03-10'))
      .rates;
    expect({ invoiced: rate.invoiced, collected: rate.collected }).toEqual({
      invoiced: 600_000,
      collected: simple.collectedWithin60,
    });
    // CEI of January to March: the closing receivables are the simple computation's.
    const [cei] = (await get('/reports/cei?from=2026-01-01&to=2026-03-02')).cei;
    expect(cei.closing).toBe((await simpleFigures('2026-03-02')).outstanding);
  });

  it('PaymentOverdueWithdrawn: a case opened on a withdrawn threshold counts as no collection case', async () => {
    const withdrawn = await eventsOf('PaymentOverdueWithdrawn');
    expect(new Set(withdrawn.map((e) => e.invoiceId))).toEqual(new Set(['R1', 'R2', 'W1']));
    const opened = await eventsOf('CaseOpened');
    expect(opened.map((e) => e.invoiceId).sort()).toEqual(INVOICES);
    // Simple: the invoices that really were overdue - not paid in full by their due date - are
    // V1 (700.00 of 1,000.00), W2 (paid 10 February) and W3 (never); of their cases, the one
    // closed by payment is W2's.
    // R1's case (#14 F3): closed as paid on time, once the later payment was released.
    const r1 = (await call(services[2]!, 'GET', '/cases/R1')).body.history as { type: string }[];
    expect(r1.find((e) => e.type === 'CaseClosed')).toMatchObject({
      outcome: 'PAID_ON_TIME',
      date: '2026-01-20',
    });
    // R2's: closed as paid late on 2 March, then again as paid on time, its escalations withdrawn.
    const r2 = (await call(services[2]!, 'GET', '/cases/R2')).body.history as {
      type: string;
      outcome?: string;
      rung?: number;
    }[];
    expect(r2.filter((e) => e.type === 'CaseClosed').map((e) => e.outcome)).toEqual(['PAID', 'PAID_ON_TIME']);
    expect(r2.filter((e) => e.type === 'CaseEscalationWithdrawn').map((e) => e.rung)).toEqual([1, 16, 31]);
    const kpis = await get('/reports/collection-kpis?asOf=2026-03-02');
    expect(kpis).toMatchObject({ casesOpened: 3, casesClosedByPayment: 1, conversionRate: 0.3333 });
    // Before the late record the case was real: figures of that day as known now leave it out too.
    const earlier = await get('/reports/collection-kpis?asOf=2026-02-10');
    expect(earlier).toMatchObject({ casesOpened: 3, casesClosedByPayment: 1 });
    // And the overdue rate of a day in between never counted W1.
    const rate = (await get('/reports/overdue-rate?asOf=2026-02-10')).rates[0];
    expect(rate.overdue.amount).toBe((await simpleFigures('2026-02-10')).overdue);
  });
});
