import { creditScoringService } from '@ar/credit-scoring';
import { invoicingService } from '@ar/invoicing';
import type { RunningService } from '@ar/platform';
import { authHeaders } from '../../../tests/support/auth';
import { call, inProcessPlatform } from '../../../tests/support/platform';
import { reportingService } from '../src/service';

/**
 * Aging by tier, industry or region as of a past date groups each customer by what it was on
 * that date: a downgrade today does not move last quarter's figures.
 */
describe('reporting: a customer counts under its attributes as of the date asked', () => {
  const platform = inProcessPlatform('attr', '2026-01-02');
  const services: RunningService[] = [];
  let credit: RunningService;
  let invoicing: RunningService;
  let reporting: RunningService;
  /** Each customer's tier as credit-scoring showed it, by the day it was read. */
  const tierOn = new Map<string, Map<string, string>>();
  const amounts = new Map([
    ['C-DOWN', 500_000],
    ['C-KEEP', 300_000],
  ]);

  const caughtUp = async () => {
    for (const s of services) await s.caughtUp();
  };
  const readTiers = async (day: string) => {
    const tiers = new Map<string, string>();
    for (const customerId of amounts.keys()) {
      const res = await call(credit, 'GET', `/customers/${customerId}/credit`);
      expect(res.status).toBe(200);
      tiers.set(customerId, res.body.tier);
    }
    tierOn.set(day, tiers);
  };

  beforeAll(async () => {
    reporting = await platform.start(reportingService);
    credit = await platform.start(creditScoringService);
    invoicing = await platform.start(invoicingService);
    services.push(invoicing, credit, reporting);
    for (const [customerId, amount] of amounts) {
      const registered = await call(credit, 'POST', '/customers', {
        customerId,
        name: customerId,
        industry: customerId === 'C-DOWN' ? 'MANUFACTURING' : 'RETAIL',
        region: customerId === 'C-DOWN' ? 'East China' : 'South China',
        headcount: 800,
        annualRevenue: 50_000_000_000,
        expectedAnnualValue: 500_000_000,
        registrationNumber: `R-${customerId}`,
        registeredDate: '2010-01-01',
        salesOwner: 'sales-li',
      });
      expect(registered.status).toBe(201);
      const issued = await call(invoicing, 'POST', '/invoices', {
        invoiceId: `INV-${customerId}`,
        customerId,
        amount,
        currency: 'CNY',
        issueDate: '2026-01-05',
        dueDate: '2026-02-04',
        lateFeeTerms: null,
      });
      expect(issued.status).toBe(201);
    }
    await caughtUp();
    await readTiers('2026-01-02');

    // The next quarter: risk downgrades C-DOWN (to a tier it is not in).
    expect((await call(invoicing, 'PUT', '/admin/clock', { today: '2026-04-10' })).status).toBe(200);
    const before = tierOn.get('2026-01-02')!.get('C-DOWN')!;
    const downgraded = await call(
      credit,
      'POST',
      '/customers/C-DOWN/tier-override',
      {
        tier: before === 'CAUTIOUS' ? 'COOPERATIVE' : 'CAUTIOUS',
        reason: 'two lawsuits opened',
        decidedBy: 'risk-zhao',
      },
      await authHeaders(['risk'], 'risk-officer'),
    );
    expect(downgraded.status).toBe(200);
    await caughtUp();
    await readTiers('2026-04-10');
    expect(tierOn.get('2026-04-10')!.get('C-DOWN')).not.toBe(before);
  });
  afterAll(async () => {
    await platform.stop();
  });

  /** The simple computation: each customer's invoice, open in full, summed under its tier of that day. */
  function expectedByTier(day: string) {
    const tiers = tierOn.get(day)!;
    const byTier = new Map<string, number>();
    for (const [customerId, amount] of amounts) {
      const tier = tiers.get(customerId)!;
      byTier.set(tier, (byTier.get(tier) ?? 0) + amount);
    }
    return [...byTier].sort(([a], [b]) => a.localeCompare(b)).map(([group, amount]) => ({ group, amount }));
  }
  const agingByTier = async (asOf: string) =>
    (await call(reporting, 'GET', `/reports/aging?asOf=${asOf}&by=tier`)).body.reports.map(
      (r: { group: string; total: { amount: number } }) => ({ group: r.group, amount: r.total.amount }),
    );

  it("groups last quarter's aging under the tiers the customers had then, not today's", async () => {
    expect(await agingByTier('2026-03-31')).toEqual(expectedByTier('2026-01-02'));
    expect(await agingByTier('2026-04-10')).toEqual(expectedByTier('2026-04-10'));
  });

  it('shows the top overdue customers with the tier of the date asked', async () => {
    const { customers } = (await call(reporting, 'GET', '/reports/top-overdue-customers?asOf=2026-03-31'))
      .body;
    expect(customers.find((c: { customerId: string }) => c.customerId === 'C-DOWN').tier).toBe(
      tierOn.get('2026-01-02')!.get('C-DOWN'),
    );
  });

  it('keeps industry and region from the registration, and gives the same after a rebuild', async () => {
    const byIndustry = (await call(reporting, 'GET', '/reports/aging?asOf=2026-03-31&by=industry')).body;
    expect(byIndustry.reports.map((r: { group: string }) => r.group)).toEqual(['MANUFACTURING', 'RETAIL']);
    const rebuilt = await call(reporting, 'POST', '/admin/projections/aging/rebuild');
    expect(rebuilt.status).toBe(200);
    expect(await agingByTier('2026-03-31')).toEqual(expectedByTier('2026-01-02'));
    expect(await agingByTier('2026-04-10')).toEqual(expectedByTier('2026-04-10'));
  });
});
