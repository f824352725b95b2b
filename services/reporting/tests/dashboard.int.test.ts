import { creditScoringService } from '@ar/credit-scoring';
import { invoicingService } from '@ar/invoicing';
import { type RunningService, TOKEN_COOKIE } from '@ar/platform';
import { type Browser, chromium, type Page } from 'playwright-core';
import { authHeaders } from '../../../tests/support/auth';
import { artifactPath, chromiumExecutable } from '../../../tests/support/browser';
import { call, inProcessPlatform } from '../../../tests/support/platform';
import { reportingService } from '../src/service';

/** The dashboard in a real headless Chromium, against reporting fed by invoicing and credit. */
describe('reporting dashboard in a headless browser', () => {
  const platform = inProcessPlatform('dash', '2026-04-30');
  const services: RunningService[] = [];
  let reporting: RunningService;
  let browser: Browser;
  let page: Page;

  const customers = [
    { customerId: 'D-ACME', name: 'Acme Machinery', industry: 'MANUFACTURING', region: 'East China' },
    { customerId: 'D-BOLT', name: 'Bolt Retail', industry: 'RETAIL', region: 'South China' },
    { customerId: 'D-CRANE', name: 'Crane Builders', industry: 'CONSTRUCTION', region: 'North China' },
  ];
  // Invoice amounts (minor units), issue and due dates; some paid in part.
  const invoices = [
    {
      customer: 'D-ACME',
      amount: 12_000_000,
      issueDate: '2026-01-05',
      dueDate: '2026-02-04',
      paid: 2_000_000,
    },
    { customer: 'D-ACME', amount: 3_000_000, issueDate: '2026-04-01', dueDate: '2026-05-01', paid: 0 },
    { customer: 'D-BOLT', amount: 4_500_000, issueDate: '2026-02-10', dueDate: '2026-03-12', paid: 0 },
    { customer: 'D-BOLT', amount: 800_000, issueDate: '2026-03-20', dueDate: '2026-04-19', paid: 800_000 },
    {
      customer: 'D-CRANE',
      amount: 7_250_000,
      issueDate: '2026-03-01',
      dueDate: '2026-03-31',
      paid: 1_250_000,
    },
    { customer: 'D-CRANE', amount: 2_000_000, issueDate: '2026-04-15', dueDate: '2026-05-15', paid: 0 },
  ];

  beforeAll(async () => {
    const executablePath = chromiumExecutable();
    reporting = await platform.start(reportingService);
    const credit = await platform.start(creditScoringService);
    const invoicing = await platform.start(invoicingService);
    services.push(invoicing, credit, reporting);
    for (const c of customers) {
      const registered = await call(credit, 'POST', '/customers', {
        ...c,
        headcount: 200,
        annualRevenue: 5_000_000_000,
        expectedAnnualValue: 100_000_000,
        registrationNumber: `R-${c.customerId}`,
        registeredDate: '2012-01-01',
        salesOwner: 'sales-li',
      });
      expect(registered.status).toBe(201);
    }
    for (const [i, inv] of invoices.entries()) {
      const issued = await call(invoicing, 'POST', '/invoices', {
        invoiceId: `D-${i}`,
        customerId: inv.customer,
        amount: inv.amount,
        currency: 'CNY',
        issueDate: inv.issueDate,
        dueDate: inv.dueDate,
        lateFeeTerms: null,
      });
      expect(issued.status).toBe(201);
      if (inv.paid > 0) {
        await call(invoicing, 'POST', '/payments', {
          customerId: inv.customer,
          amount: inv.paid,
          currency: 'CNY',
          channel: 'BANK_TRANSFER',
          receivedDate: '2026-04-20',
          remittance: [{ invoiceId: `D-${i}`, amount: inv.paid }],
        });
      }
    }
    for (const s of services) await s.caughtUp();
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
    // Signed in as a BI reader: the token in the dashboard's cookie (what the sign-in sets).
    await page.context().addCookies([
      {
        name: TOKEN_COOKIE,
        value: (await authHeaders(['bi'], 'bi-reader')).authorization.slice(7),
        url: reporting.url,
      },
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await platform.stop();
  });

  const api = async (url: string) => (await call(reporting, 'GET', url)).body;
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText is the text as rendered, what a person sees.
  const text = (selector: string) => page.locator(selector).innerText();

  it('loads on the business date and shows the figures the API returns', async () => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${reporting.url}/`);
    await page.waitForSelector('body[data-loaded-as-of="2026-04-30"]', { timeout: 15_000 });
    expect(await page.inputValue('#as-of')).toBe('2026-04-30');

    const [rate] = (await api('/reports/overdue-rate?asOf=2026-04-30')).rates;
    // Overdue on 2026-04-30: 10,000,000 (Acme) + 4,500,000 (Bolt) + 6,000,000 (Crane).
    expect(rate.overdue.amount).toBe(20_500_000);
    expect(await text('#kpi-overdue-rate')).toBe(`${(rate.byAmount * 100).toFixed(1)}%`);
    expect(await text('#kpi-outstanding')).toBe('CN¥255,000.00');
    expect(await text('#kpi-overdue')).toBe('CN¥205,000.00');
    expect(await text('#kpi-outstanding-count')).toBe(`${rate.outstanding.count} invoices`);

    const top = (await api('/reports/top-overdue-customers?asOf=2026-04-30&limit=10')).customers;
    const rows = await page
      .locator('#top-customers tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows.map((r) => r[0])).toEqual(['Acme Machinery', 'Crane Builders', 'Bolt Retail']);
    expect(rows.map((r) => r[0])).toEqual(top.map((c: { name: string }) => c.name));
    expect(rows[0]!.at(-1)).toBe('CN¥100,000.00');

    // Every chart drew something: Chart.js registered an instance on each canvas.
    const charts = await page.evaluate(() =>
      ['trend-chart', 'aging-chart', 'by-tier-chart', 'by-industry-chart', 'by-region-chart'].map(
        (id) =>
          (globalThis as unknown as { Chart: { getChart(id: string): unknown } }).Chart.getChart(id) !==
          undefined,
      ),
    );
    expect(charts).toEqual([true, true, true, true, true]);
    expect(errors).toEqual([]);
    await page.screenshot({ path: artifactPath('dashboard.png'), fullPage: true });
  });

  it('shows an earlier date picked in the date picker, before the payments of 20 April', async () => {
    await page.fill('#as-of', '2026-04-15');
    await page.dispatchEvent('#as-of', 'change');
    await page.waitForSelector('body[data-loaded-as-of="2026-04-15"]', { timeout: 15_000 });
    const [rate] = (await api('/reports/overdue-rate?asOf=2026-04-15')).rates;
    // Before the payments: Acme 12,000,000 + Bolt 4,500,000 + Crane 7,250,000 overdue.
    expect(rate.overdue.amount).toBe(23_750_000);
    expect(await text('#kpi-overdue')).toBe('CN¥237,500.00');
    expect(await text('#kpi-overdue-rate')).toBe(`${(rate.byAmount * 100).toFixed(1)}%`);
    expect(page.url()).toContain('asOf=2026-04-15');
  });
});
