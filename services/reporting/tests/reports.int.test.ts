import { creditScoringService } from '@ar/credit-scoring';
import { invoicingService } from '@ar/invoicing';
import type { RunningService } from '@ar/platform';
import { authHeaders } from '../../../tests/support/auth';
import { eventually } from '../../../tests/support/infra';
import { call, inProcessPlatform } from '../../../tests/support/platform';
import { reportingService } from '../src/service';

/** The fields of the raw events the independent computations read. */
interface RawFacts {
  customerId: string;
  salesOwner: string;
  invoiceId: string;
  issueDate: string;
  dueDate: string;
  amount: number;
  paymentDate: string;
  toPrincipal: number;
}

/** A small seeded PRNG (mulberry32), so the generated book is the same on every run. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('reporting: aging, overdue rate and DSO as of a date', () => {
  const platform = inProcessPlatform('rep', '2026-01-02');
  const { clock, bus } = platform;
  const services: RunningService[] = [];
  let credit: RunningService;
  let invoicing: RunningService;
  let reporting: RunningService;

  beforeAll(async () => {
    reporting = await platform.start(reportingService);
    credit = await platform.start(creditScoringService);
    invoicing = await platform.start(invoicingService);
    services.push(invoicing, credit, reporting);

    const customers = [
      ['C-A', 'MANUFACTURING', 'East China'],
      ['C-B', 'RETAIL', 'South China'],
      ['C-C', 'CONSTRUCTION', 'North China'],
    ];
    for (const [customerId, industry, region] of customers) {
      const registered = await call(credit, 'POST', '/customers', {
        customerId,
        name: customerId,
        industry,
        region,
        headcount: 100,
        annualRevenue: 5_000_000_000,
        expectedAnnualValue: 100_000_000,
        registrationNumber: `R-${customerId}`,
        registeredDate: '2015-01-01',
        salesOwner: `sales-${region!.split(' ')[0]!.toLowerCase()}`,
      });
      expect(registered.status).toBe(201);
    }
    // The book is generated first, then recorded day by day as the business clock reaches each
    // fact's date: money received may not be recorded before it arrived (422 DATE_IN_FUTURE).
    const random = prng(42);
    const facts: { day: string; order: number; path: string; body: Record<string, unknown> }[] = [];
    const isoDay = (day: number) => new Date(Date.UTC(2026, 0, day)).toISOString().slice(0, 10);
    for (let i = 0; i < 60; i++) {
      const issueDay = 1 + Math.floor(random() * 80);
      const issueDate = isoDay(issueDay);
      const dueDate = isoDay(issueDay + 15 + Math.floor(random() * 45));
      const customerId = customers[i % 3]![0]!;
      const amount = 10_000 + Math.floor(random() * 990_000);
      facts.push({
        day: issueDate,
        order: 0,
        path: '/invoices',
        body: {
          invoiceId: `R-${i}`,
          customerId,
          amount,
          currency: 'CNY',
          issueDate,
          dueDate,
          lateFeeTerms: null,
        },
      });
      if (random() < 0.5) {
        const receivedDate = isoDay(issueDay + Math.floor(random() * 90));
        const part = random() < 0.5 ? amount : Math.floor(amount / 2);
        facts.push({
          day: receivedDate,
          order: 1,
          path: '/payments',
          body: {
            customerId,
            amount: part,
            currency: 'CNY',
            channel: 'BANK_TRANSFER',
            receivedDate,
            remittance: [{ invoiceId: `R-${i}`, amount: part }],
          },
        });
      }
    }
    facts.sort((a, b) => a.day.localeCompare(b.day) || a.order - b.order);
    for (const fact of facts) {
      if (fact.day > clock.today()) {
        // A day's facts reach reporting long before the next morning's snapshot; so here too.
        for (const s of services) await s.caughtUp();
        await clock.advanceTo(fact.day);
      }
      expect((await call(invoicing, 'POST', fact.path, fact.body)).status).toBe(201);
    }
    for (const s of services) await s.caughtUp();
  });
  afterAll(async () => {
    await platform.stop();
  });

  const asOf = '2026-03-15';
  const get = async (url: string) => (await call(reporting, 'GET', url)).body;

  /** The independent computation: plain SQL over the raw events reporting stored. */
  async function fromRawEvents(date: string) {
    const { rows } = await reporting.ctx.pool.query<{
      bucket: string;
      amount: string;
      count: string;
      overdue: string;
      outstanding: string;
    }>(
      `with issued as (
         select data->>'invoiceId' as id, (data->>'amount')::bigint as amount, (data->>'issueDate')::date as issued, (data->>'dueDate')::date as due
           from events where event_type = 'InvoiceIssued'),
       paid as (
         select data->>'invoiceId' as id, sum((data->>'toPrincipal')::bigint) as amount
           from events where event_type = 'PaymentAllocated' and (data->>'paymentDate')::date <= $1::date group by 1),
       open as (
         select i.id, i.due, i.amount - coalesce(p.amount, 0) as open from issued i left join paid p using (id)
          where i.issued <= $1::date)
       select case when $1::date - due <= 0 then 'current' when $1::date - due <= 30 then '1-30'
                   when $1::date - due <= 60 then '31-60' when $1::date - due <= 90 then '61-90'
                   when $1::date - due <= 180 then '91-180' else '180+' end as bucket,
              sum(open)::text as amount, count(*)::text as count,
              sum(open) filter (where due < $1::date)::text as overdue, sum(open)::text as outstanding
         from open where open > 0 group by 1`,
      [date],
    );
    return rows;
  }

  it('gives the aging buckets and overdue rate a plain SQL query over the raw events gives', async () => {
    const aging = await get(`/reports/aging?asOf=${asOf}`);
    const report = aging.reports[0];
    const expected = await fromRawEvents(asOf);
    expect(expected.length).toBeGreaterThan(1);
    for (const row of expected) {
      const bucket = report.buckets.find((b: { bucket: string }) => b.bucket === row.bucket);
      expect({ bucket: row.bucket, amount: bucket.amount, count: bucket.count }).toEqual({
        bucket: row.bucket,
        amount: Number(row.amount),
        count: Number(row.count),
      });
    }
    const outstanding = expected.reduce((s, r) => s + Number(r.outstanding), 0);
    const overdue = expected.reduce((s, r) => s + Number(r.overdue ?? 0), 0);
    const rate = (await get(`/reports/overdue-rate?asOf=${asOf}`)).rates[0];
    expect(rate.outstanding.amount).toBe(outstanding);
    expect(rate.overdue.amount).toBe(overdue);
    expect(rate.byAmount).toBeCloseTo(overdue / outstanding, 4);
  });

  it('breaks the aging down by tier, industry, region and sales owner, adding up to the whole', async () => {
    const whole = (await get(`/reports/aging?asOf=${asOf}`)).reports[0].total;
    for (const by of ['customer', 'tier', 'industry', 'region', 'salesOwner']) {
      const parts = (await get(`/reports/aging?asOf=${asOf}&by=${by}`)).reports;
      expect(parts.length).toBeGreaterThan(0);
      expect({
        by,
        groups: parts.map((p: { group: string }) => p.group).filter((g: string) => g === 'UNKNOWN'),
      }).toEqual({ by, groups: [] });
      expect(parts.reduce((s: number, p: { total: { amount: number } }) => s + p.total.amount, 0)).toBe(
        whole.amount,
      );
    }
    const industries = (await get(`/reports/aging?asOf=${asOf}&by=industry`)).reports.map(
      (p: { group: string }) => p.group,
    );
    expect(industries).toEqual(['CONSTRUCTION', 'MANUFACTURING', 'RETAIL']);
  });

  it('gives a daily overdue-rate series whose days match the as-of figures', async () => {
    const { series } = await get('/reports/overdue-rate/trend?from=2026-03-13&to=2026-03-15');
    expect(series.map((p: { day: string }) => p.day)).toEqual(['2026-03-13', '2026-03-14', '2026-03-15']);
    const rate = (await get(`/reports/overdue-rate?asOf=${asOf}`)).rates[0];
    expect(series.at(-1)).toMatchObject({
      outstanding: rate.outstanding.amount,
      overdue: rate.overdue.amount,
      byAmount: rate.byAmount,
    });
    const bad = await call(reporting, 'GET', '/reports/overdue-rate/trend?from=2026-03-15&to=2026-03-01');
    expect(bad).toMatchObject({ status: 400, body: { issues: [{ field: 'querystring.from' }] } });
  });

  it('computes the CEI of a period and the 60-day collection rate against the raw events', async () => {
    const [cei] = (await get('/reports/cei?from=2026-02-01&to=2026-02-28')).cei;
    const expected =
      ((cei.opening + cei.sales - cei.closing) / (cei.opening + cei.sales - cei.closingCurrent)) * 100;
    expect(cei.cei).toBeCloseTo(expected, 1);
    expect(cei.closing).toBe(
      (await get('/reports/overdue-rate?asOf=2026-02-28')).rates[0].outstanding.amount,
    );

    const [rate] = (await get(`/reports/collection-rate?asOf=${asOf}&days=60`)).rates;
    const { rows } = await reporting.ctx.pool.query<{ invoiced: string; collected: string }>(
      `with issued as (select data->>'invoiceId' as id, (data->>'amount')::bigint as amount, (data->>'issueDate')::date as issued
                         from events where event_type = 'InvoiceIssued')
       select sum(amount)::text as invoiced,
              coalesce(sum((select sum((p.data->>'toPrincipal')::bigint) from events p
                             where p.event_type = 'PaymentAllocated' and p.data->>'invoiceId' = i.id
                               and (p.data->>'paymentDate')::date <= i.issued + 60)), 0)::text as collected
         from issued i where i.issued <= $1::date - 60`,
      [asOf],
    );
    expect({ invoiced: rate.invoiced, collected: rate.collected }).toEqual({
      invoiced: Number(rows[0]!.invoiced),
      collected: Number(rows[0]!.collected),
    });
  });

  it('exports the aging as CSV', async () => {
    const res = await reporting.app.inject({
      headers: await authHeaders(),
      method: 'GET',
      url: `/reports/aging?asOf=${asOf}&format=csv`,
    });
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    const lines = res.body.trim().split('\n');
    expect(lines[0]).toBe('as_of,currency,group,bucket,amount_minor_units,count');
    expect(lines).toHaveLength(1 + 6);
  });

  it('computes DSO from outstanding receivables and the sales of the window', async () => {
    const [dso] = (await get(`/reports/dso?asOf=${asOf}&days=90`)).dso;
    expect(dso.dso).toBeCloseTo((dso.outstanding / dso.sales) * 90, 1);
  });

  it('gives the same figures after a rebuild from scratch (replaying every event again)', async () => {
    const before = await get(`/reports/aging?asOf=${asOf}&by=tier`);
    const rebuilt = await call(reporting, 'POST', '/admin/projections/aging/rebuild');
    expect(rebuilt.status).toBe(200); // answers once the rebuilt model is in place
    expect(rebuilt.body.events).toBeGreaterThan(0);
    expect(await get(`/reports/aging?asOf=${asOf}&by=tier`)).toEqual(before);
  });

  it('keeps the figures of a past date when later payments arrive', async () => {
    const before = await get(`/reports/aging?asOf=${asOf}`);
    const open = (await get('/reports/aging?asOf=2026-06-30')).reports[0].total.amount;
    const account = (await call(invoicing, 'GET', '/customers/C-A/account')).body;
    const target = account.openInvoices[0].invoiceId;
    const owed = (await call(invoicing, 'GET', `/invoices/${target}`)).body.open.total;
    const paid = await call(invoicing, 'POST', '/payments', {
      customerId: 'C-A',
      amount: owed,
      currency: 'CNY',
      channel: 'ONLINE',
      receivedDate: clock.today(),
      remittance: [{ invoiceId: target }],
    });
    expect(paid.status).toBe(201);
    for (const s of services) await s.caughtUp();
    expect(await get(`/reports/aging?asOf=${asOf}`)).toEqual(before);
    expect((await get('/reports/aging?asOf=2026-06-30')).reports[0].total.amount).toBe(open - owed);
  });

  it('gives each sales owner collection achievement, early collection and 91+ days overdue as the raw events do', async () => {
    const [from, to] = ['2026-02-01', '2026-03-15'];
    const { salesOwners } = await get(`/reports/sales-owners?from=${from}&to=${to}`);
    const { rows } = await reporting.ctx.pool.query<{ event_type: string; data: RawFacts }>(
      `select event_type, data from events where event_type in ('CustomerRegistered', 'InvoiceIssued', 'PaymentAllocated')`,
    );
    const ownerOf = new Map(
      rows
        .filter((r) => r.event_type === 'CustomerRegistered')
        .map((r) => [r.data.customerId, r.data.salesOwner]),
    );
    const expected = new Map<
      string,
      { target: number; collected: number; early: number; overdue91: number }
    >();
    for (const { data: invoice } of rows.filter((r) => r.event_type === 'InvoiceIssued')) {
      if (invoice.issueDate > to) continue;
      const payments = rows.filter(
        (r) => r.event_type === 'PaymentAllocated' && r.data.invoiceId === invoice.invoiceId,
      );
      const settled = (when: (date: string) => boolean) =>
        payments
          .filter((p) => when(p.data.paymentDate))
          .reduce((sum, p) => sum + Number(p.data.toPrincipal), 0);
      const before = settled((d) => d < from);
      if (invoice.amount <= before) continue;
      const within = settled((d) => d >= from && d <= to);
      const owner = ownerOf.get(invoice.customerId) ?? 'UNASSIGNED';
      const e = expected.get(owner) ?? { target: 0, collected: 0, early: 0, overdue91: 0 };
      if (invoice.dueDate <= to) {
        e.target += invoice.amount - before;
        e.collected += within;
      }
      e.early += settled((d) => d >= from && d <= to && d < invoice.dueDate);
      if ((Date.parse(to) - Date.parse(invoice.dueDate)) / 86_400_000 > 90)
        e.overdue91 += invoice.amount - before - within;
      expected.set(owner, e);
    }
    expect(salesOwners.length).toBe(3);
    for (const row of salesOwners) {
      const e = expected.get(row.salesOwner)!;
      expect(row).toMatchObject({
        salesOwner: row.salesOwner,
        target: e.target,
        collected: e.collected,
        collectedEarly: e.early,
        overdue91Plus: e.overdue91,
      });
      expect(row.achievementRate).toBeCloseTo(e.collected / e.target, 4);
    }
  });

  it('lists the top overdue customers as the aging by customer has them', async () => {
    const { customers } = await get(`/reports/top-overdue-customers?asOf=${asOf}&limit=2`);
    const byCustomer = (await get(`/reports/aging?asOf=${asOf}&by=customer`)).reports.map(
      (r: { group: string; total: { amount: number }; buckets: { bucket: string; amount: number }[] }) => ({
        customerId: r.group,
        overdue: r.total.amount - r.buckets.find((b) => b.bucket === 'current')!.amount,
      }),
    );
    byCustomer.sort((a: { overdue: number }, b: { overdue: number }) => b.overdue - a.overdue);
    expect(
      customers.map((c: { customerId: string; overdue: number }) => ({
        customerId: c.customerId,
        overdue: c.overdue,
      })),
    ).toEqual(byCustomer.slice(0, 2));
    expect(customers[0]).toMatchObject({ industry: expect.any(String), region: expect.any(String) });
  });

  it('publishes a daily KPI snapshot for BI with the figures the REST reports give for that day', async () => {
    const kpiTopic = reporting.ctx.topics.reportingKpis;
    // The clock walked day by day from 2026-01-02 while the book was recorded: one snapshot per
    // day it left behind, each day once.
    expect(clock.today() > asOf).toBe(true);
    for (const s of services) await s.caughtUp();
    const published = await eventually(
      async () => {
        const messages = bus.retained.get(kpiTopic) ?? [];
        return messages.some((m) => JSON.parse(String(m.value)).day === asOf) ? messages : undefined;
      },
      30_000,
      'daily KPI snapshots on the topic',
    );
    const days = published.map((m) => JSON.parse(String(m.value)).day);
    expect(new Set(days).size).toBe(days.length);
    for (let d = Date.UTC(2026, 0, 2); d <= Date.parse(asOf); d += 86_400_000)
      expect(days).toContain(new Date(d).toISOString().slice(0, 10));
    const last = published.find((m) => JSON.parse(String(m.value)).day === asOf)!;
    expect(last.key).toBe(asOf);
    const snapshot = JSON.parse(String(last.value));
    const rate = (await get(`/reports/overdue-rate?asOf=${asOf}`)).rates[0];
    const aging = (await get(`/reports/aging?asOf=${asOf}`)).reports[0];
    expect(snapshot.currencies[0]).toMatchObject({
      currency: 'CNY',
      outstanding: rate.outstanding,
      overdue: rate.overdue,
      overdueRateByAmount: rate.byAmount,
      aging: aging.buckets.map(
        ({ bucket, amount, count }: { bucket: string; amount: number; count: number }) => ({
          bucket,
          amount,
          count,
        }),
      ),
    });
  });
});
