import { MAX_AMOUNT } from '@ar/contracts';
import { creditScoringService } from '@ar/credit-scoring';
import { invoicingService } from '@ar/invoicing';
import type { RunningService } from '@ar/platform';
import { call, inProcessPlatform } from '../../../tests/support/platform';
import { reportingService } from '../src/service';

/**
 * #14 item 13: amounts at the largest a request takes (MAX_AMOUNT), across enough invoices that
 * one currency's total passes 2^53, never break another currency's figures - nor that currency's
 * own: each total is exact to the minor unit.
 *
 * The book: C-BIG owes 1,001 CNY invoices of MAX_AMOUNT - 1 each (10,009,999,999,998,999 fen in
 * all, above 2^53 and odd, so no JavaScript number holds it); C-USD owes one USD invoice of
 * 123,456 cents. Everything issued 5 January, due 20 January; the reports are asked as of 10 March.
 */
describe('a currency whose total passes 2^53', () => {
  const platform = inProcessPlatform('huge', '2026-01-05');
  const services: RunningService[] = [];
  let invoicing: RunningService;
  let credit: RunningService;
  let reporting: RunningService;
  const COUNT = 1_001;
  const EACH = MAX_AMOUNT - 1;
  const TOTAL = BigInt(EACH) * BigInt(COUNT);

  const caughtUp = async () => {
    for (let round = 0; round < 2; round++) for (const s of services) await s.caughtUp();
  };
  const register = async (customerId: string) =>
    expect(
      (
        await call(credit, 'POST', '/customers', {
          customerId,
          name: `${customerId} Trading Co`,
          industry: 'RETAIL',
          region: 'East China',
          headcount: 200,
          annualRevenue: 5_000_000_000,
          expectedAnnualValue: 100_000_000,
          registrationNumber: `R-${customerId}`,
          registeredDate: '2012-05-01',
          salesOwner: 'sales-wang',
        })
      ).status,
    ).toBe(201);
  const issue = async (invoiceId: string, customerId: string, amount: number, currency: string) =>
    expect(
      (
        await call(invoicing, 'POST', '/invoices', {
          invoiceId,
          customerId,
          amount,
          currency,
          issueDate: '2026-01-05',
          dueDate: '2026-01-20',
        })
      ).status,
    ).toBe(201);

  beforeAll(async () => {
    reporting = await platform.start(reportingService);
    credit = await platform.start(creditScoringService);
    invoicing = await platform.start(invoicingService);
    services.push(invoicing, credit, reporting);
    await register('C-BIG');
    await register('C-USD');
    await caughtUp();
    for (let i = 0; i < COUNT; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, COUNT - i) }, (_, k) =>
          issue(`BIG-${i + k}`, 'C-BIG', EACH, 'CNY'),
        ),
      );
    }
    await issue('USD-1', 'C-USD', 123_456, 'USD');
    await caughtUp();
  }, 600_000);
  afterAll(() => platform.stop());

  /** The JSON body's text, so that a figure above 2^53 is read digit for digit. */
  const raw = async (service: RunningService, url: string) => {
    const { authHeaders } = await import('../../../tests/support/auth');
    const res = await service.app.inject({ method: 'GET', url, headers: await authHeaders() });
    return { status: res.statusCode, text: res.body };
  };
  /** A number in JSON text by its path of keys, as digits (no rounding through a JS number). */
  const digitsAfter = (text: string, key: string) => text.match(new RegExp(`"${key}":(-?\\d+)`))?.[1];

  it('the aging answers every currency, the USD line exact and the CNY total exact to the fen', async () => {
    const aging = await raw(reporting, '/reports/aging?asOf=2026-03-10');
    expect(aging.status).toBe(200);
    const body = JSON.parse(aging.text);
    const usd = body.reports.find((c: { currency: string }) => c.currency === 'USD');
    expect(usd.total).toEqual({ amount: 123_456, count: 1 });
    const cnyText = aging.text.slice(aging.text.indexOf('"currency":"CNY"'));
    expect(digitsAfter(cnyText, 'amount')).toBe(TOTAL.toString());
    const csv = await raw(reporting, '/reports/aging?asOf=2026-03-10&format=csv');
    expect(csv.status).toBe(200);
    expect(csv.text).toContain(`,CNY,,31-60,${TOTAL},${COUNT}`);
  });

  it('the overdue rate answers every currency', async () => {
    const rate = await raw(reporting, '/reports/overdue-rate?asOf=2026-03-10');
    expect(rate.status).toBe(200);
    const body = JSON.parse(rate.text);
    expect(body.rates.find((c: { currency: string }) => c.currency === 'USD').byAmount).toBe(1);
    expect(body.rates.find((c: { currency: string }) => c.currency === 'CNY').byAmount).toBe(1);
    const cnyText = rate.text.slice(rate.text.indexOf('"currency":"CNY"'));
    expect(digitsAfter(cnyText, 'amount')).toBe(TOTAL.toString());
  });

  it.each([
    '/reports/overdue-rate/trend?from=2026-03-01&to=2026-03-10',
    '/reports/dso?asOf=2026-03-10',
    '/reports/cei?from=2026-01-01&to=2026-03-10',
    '/reports/collection-rate?from=2026-01-01&to=2026-01-31&asOf=2026-03-10',
    '/reports/top-overdue-customers?asOf=2026-03-10',
    '/reports/sales-owners?from=2026-01-01&to=2026-03-31',
  ])('%s answers every currency', async (url) => {
    const res = await raw(reporting, url);
    expect(res.status).toBe(200);
    expect(res.text).toContain('"USD"');
  });

  it('the top overdue customer and the sales owner carry the huge total to the fen', async () => {
    const top = await raw(reporting, '/reports/top-overdue-customers?asOf=2026-03-10');
    expect(digitsAfter(top.text.slice(top.text.indexOf('"C-BIG"')), 'overdue')).toBe(TOTAL.toString());
    const owners = await raw(reporting, '/reports/sales-owners?from=2026-01-01&to=2026-03-31');
    const cny = owners.text.slice(owners.text.indexOf('"CNY"'));
    expect(digitsAfter(cny, 'target')).toBe(TOTAL.toString());
    const trend = await raw(reporting, '/reports/overdue-rate/trend?from=2026-03-01&to=2026-03-10');
    const cnyTrend = trend.text.slice(trend.text.indexOf('"CNY"'));
    expect(digitsAfter(cnyTrend, 'outstanding')).toBe(TOTAL.toString());
  });

  it("the credit file of the customer with the huge total answers, its exposure exact; another's is untouched", async () => {
    const big = await raw(credit, '/customers/C-BIG/credit');
    expect(big.status).toBe(200);
    expect(digitsAfter(big.text, 'openReceivables')).toBe(TOTAL.toString());
    const usd = await raw(credit, '/customers/C-USD/credit');
    expect(usd.status).toBe(200);
    const checked = await call(credit, 'POST', '/customers/C-BIG/credit-checks', {
      amount: 1,
      currency: 'CNY',
    });
    expect(checked.status).toBe(200);
    expect(checked.body.reasons.map((r: { code: string }) => r.code)).toContain('OVER_LIMIT');
    expect(checked.body.reasons.find((r: { code: string }) => r.code === 'OVER_LIMIT').message).toContain(
      'exposure CNY 100,099,999,999,989.99',
    );
  });

  it('an invoice of the huge book and the account of its customer answer', async () => {
    expect((await call(invoicing, 'GET', '/invoices/BIG-7')).status).toBe(200);
    expect((await call(invoicing, 'GET', '/invoices/USD-1')).status).toBe(200);
    const account = await call(invoicing, 'GET', '/customers/C-BIG/account');
    expect(account.status).toBe(200);
    expect(account.body.openInvoices).toHaveLength(COUNT);
  });
});
