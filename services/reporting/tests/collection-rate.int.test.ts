import { invoicingService } from '@ar/invoicing';
import type { RunningService } from '@ar/platform';
import { call, inProcessPlatform } from '../../../tests/support/platform';
import { reportingService } from '../src/service';

/**
 * The 60-day collection rate (DOMAIN.md §5): cash received within 60 days of issue / invoiced, for
 * the invoices of a period. Write-offs, credit notes and discounts lower what is owed, but they are
 * not cash. Every KPI's definition is in the OpenAPI response schema.
 */

interface Book {
  invoiceId: string;
  amount: number;
  issueDate: string;
  discountTerms?: { rateBp: number; withinDays: number };
  /** Money received, by its value date. */
  cash: { date: string; amount: number }[];
  creditNote?: { date: string; amount: number };
  writtenOff?: string;
}

const BOOK: Book[] = [
  {
    invoiceId: 'J1',
    amount: 100_000,
    issueDate: '2026-01-05',
    cash: [{ date: '2026-01-20', amount: 100_000 }],
  },
  { invoiceId: 'J2', amount: 100_000, issueDate: '2026-01-06', cash: [], writtenOff: '2026-02-01' },
  {
    invoiceId: 'J3',
    amount: 50_000,
    issueDate: '2026-01-10',
    creditNote: { date: '2026-01-15', amount: 10_000 },
    cash: [{ date: '2026-01-25', amount: 40_000 }],
  },
  {
    invoiceId: 'J4',
    amount: 100_000,
    issueDate: '2026-01-12',
    discountTerms: { rateBp: 200, withinDays: 10 },
    cash: [{ date: '2026-01-15', amount: 98_000 }],
  },
  {
    invoiceId: 'J5',
    amount: 80_000,
    issueDate: '2026-01-15',
    cash: [{ date: '2026-03-30', amount: 80_000 }],
  },
  {
    invoiceId: 'F1',
    amount: 60_000,
    issueDate: '2026-02-10',
    cash: [{ date: '2026-02-20', amount: 60_000 }],
  },
  { invoiceId: 'F2', amount: 40_000, issueDate: '2026-02-11', cash: [] },
];

const dayNumber = (d: string) => Date.parse(`${d}T00:00:00Z`) / 86_400_000;

/** The deliberately simple computation: the book above, read by hand. */
function expectedRate(from: string, to: string, asOf: string, days = 60) {
  let invoiced = 0;
  let collected = 0;
  for (const invoice of BOOK) {
    if (invoice.issueDate < from || invoice.issueDate > to || invoice.issueDate > asOf) continue;
    invoiced += invoice.amount;
    for (const { date, amount } of invoice.cash) {
      if (dayNumber(date) - dayNumber(invoice.issueDate) <= days && date <= asOf) collected += amount;
    }
  }
  return { invoiced, collected, rate: invoiced === 0 ? null : Number((collected / invoiced).toFixed(4)) };
}

describe('reporting: the 60-day collection rate counts cash only, for a period', () => {
  const platform = inProcessPlatform('crate', '2026-04-30');
  let invoicing: RunningService;
  let reporting: RunningService;

  beforeAll(async () => {
    reporting = await platform.start(reportingService);
    invoicing = await platform.start(invoicingService);
    for (const invoice of BOOK) {
      const issued = await call(invoicing, 'POST', '/invoices', {
        invoiceId: invoice.invoiceId,
        customerId: 'C-RATE',
        amount: invoice.amount,
        currency: 'CNY',
        issueDate: invoice.issueDate,
        dueDate: new Date((dayNumber(invoice.issueDate) + 30) * 86_400_000).toISOString().slice(0, 10),
        lateFeeTerms: null,
        ...(invoice.discountTerms ? { discountTerms: invoice.discountTerms } : {}),
      });
      expect(issued.status).toBe(201);
      if (invoice.creditNote) {
        const credited = await call(invoicing, 'POST', `/invoices/${invoice.invoiceId}/credit-notes`, {
          creditNoteId: `CN-${invoice.invoiceId}`,
          amount: invoice.creditNote.amount,
          reason: 'returned goods',
          issueDate: invoice.creditNote.date,
        });
        expect(credited.status).toBe(200);
      }
      for (const { date, amount } of invoice.cash) {
        const paid = await call(invoicing, 'POST', '/payments', {
          customerId: 'C-RATE',
          amount,
          currency: 'CNY',
          channel: 'BANK_TRANSFER',
          receivedDate: date,
          remittance: [{ invoiceId: invoice.invoiceId, amount }],
        });
        expect(paid.status).toBe(201);
      }
      if (invoice.writtenOff) {
        const written = await call(invoicing, 'POST', `/invoices/${invoice.invoiceId}/write-offs`, {
          reason: 'customer insolvent',
          date: invoice.writtenOff,
        });
        expect(written.status).toBe(200);
      }
    }
    await invoicing.caughtUp();
    await reporting.caughtUp();
  });
  afterAll(async () => {
    await platform.stop();
  });

  const rateOf = async (query: string) => {
    const res = await call(reporting, 'GET', `/reports/collection-rate?${query}`);
    expect(res.status).toBe(200);
    return res.body.rates[0];
  };

  it('the book is what the test says: a discount, a credit note and a write-off were recorded', async () => {
    const { rows } = await reporting.ctx.pool.query<{ event_type: string }>(
      `select event_type from events where event_type in ('DiscountTaken', 'CreditNoteIssued', 'InvoiceWrittenOff') order by 1`,
    );
    expect(rows.map((r) => r.event_type)).toEqual(['CreditNoteIssued', 'DiscountTaken', 'InvoiceWrittenOff']);
  });

  it('one invoice paid, one written off: 50%, not 100%', async () => {
    // Without a period: the invoices whose 60 days are over by 7 March, J1 (paid) and J2 (written off).
    expect(await rateOf('asOf=2026-03-07')).toMatchObject({
      invoiced: 200_000,
      collected: 100_000,
      rate: 0.5,
    });
    // J1 (paid) and J2 (written off) are the only invoices of 5-6 January.
    const rate = await rateOf('from=2026-01-05&to=2026-01-06&asOf=2026-04-30');
    expect(rate).toMatchObject({ invoiced: 200_000, collected: 100_000, rate: 0.5 });
  });

  it('counts neither credit notes nor discounts as collected: cash only, within 60 days of issue', async () => {
    const rate = await rateOf('from=2026-01-01&to=2026-01-31&asOf=2026-04-30');
    const expected = expectedRate('2026-01-01', '2026-01-31', '2026-04-30');
    expect(expected).toEqual({ invoiced: 430_000, collected: 238_000, rate: 0.5535 });
    expect(rate).toMatchObject({
      currency: 'CNY',
      from: '2026-01-01',
      to: '2026-01-31',
      withinDays: 60,
      ...expected,
    });
  });

  it('takes a named period (a month, a quarter, a year) as its from and to', async () => {
    for (const [period, from, to] of [
      ['2026-02', '2026-02-01', '2026-02-28'],
      ['2026-Q1', '2026-01-01', '2026-03-31'],
      ['2026', '2026-01-01', '2026-12-31'],
    ] as const) {
      const rate = await rateOf(`period=${period}&asOf=2026-04-30`);
      expect({ period, ...rate }).toMatchObject({
        period,
        from,
        to,
        ...expectedRate(from, to, '2026-04-30'),
      });
    }
  });

  it('counts only the cash received by the as-of date while a window is still open', async () => {
    const rate = await rateOf('period=2026-02&asOf=2026-02-15');
    expect(rate).toMatchObject(expectedRate('2026-02-01', '2026-02-28', '2026-02-15'));
    expect(rate.collected).toBe(0);
  });

  it('refuses a period that ends before it starts, naming the field', async () => {
    const bad = await call(reporting, 'GET', '/reports/collection-rate?from=2026-02-01&to=2026-01-01');
    expect(bad).toMatchObject({ status: 400, body: { issues: [{ field: 'querystring.from' }] } });
    const both = await call(reporting, 'GET', '/reports/collection-rate?period=2026-02&from=2026-02-01');
    expect(both).toMatchObject({ status: 400, body: { issues: [{ field: 'querystring.period' }] } });
    const month = await call(reporting, 'GET', '/reports/collection-rate?period=2026-13');
    expect(month).toMatchObject({ status: 400, body: { issues: [{ field: 'querystring.period' }] } });
  });

  it("writes every KPI's definition into its OpenAPI response schema", async () => {
    const doc = (await call(reporting, 'GET', '/docs/json')).body;
    const routes = [
      '/reports/aging',
      '/reports/overdue-rate',
      '/reports/overdue-rate/trend',
      '/reports/dso',
      '/reports/cei',
      '/reports/collection-rate',
      '/reports/collection-kpis',
      '/reports/sales-owners',
      '/reports/top-overdue-customers',
    ];
    const undescribed: string[] = [];
    /** Every property of the response, at any depth, must say what it is. */
    const walk = (schema: Record<string, unknown> | undefined, path: string) => {
      if (!schema) return;
      for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
        for (const part of (schema[key] as Record<string, unknown>[] | undefined) ?? []) walk(part, path);
      }
      if (schema.items) walk(schema.items as Record<string, unknown>, `${path}[]`);
      const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
      for (const [name, property] of Object.entries(properties)) {
        if (typeof property.description !== 'string' || property.description.length < 3)
          undescribed.push(`${path}.${name}`);
        walk(property, `${path}.${name}`);
      }
    };
    for (const route of routes) {
      const schema = doc.paths[route]?.get?.responses?.['200']?.content?.['application/json']?.schema;
      if (!schema) undescribed.push(`${route}: no response schema`);
      walk(schema, route);
    }
    expect(undescribed).toEqual([]);
    const definition = (route: string, ...path: string[]) => {
      let s = doc.paths[route].get.responses['200'].content['application/json'].schema;
      for (const p of path) s = p === '[]' ? s.items : s.properties[p];
      return s.description as string;
    };
    expect(definition('/reports/collection-rate', 'rates', '[]', 'rate')).toMatch(/cash/i);
    expect(definition('/reports/overdue-rate', 'rates', '[]', 'byAmount')).toMatch(/overdue/i);
    expect(definition('/reports/dso', 'dso', '[]', 'dso')).toMatch(/outstanding/i);
    expect(definition('/reports/cei', 'cei', '[]', 'cei')).toMatch(/opening/i);
  });
});
