import { IsoDate, type RawJson } from '@ar/contracts';
import { addDays } from '@ar/kernel';
import { csvCell, READERS, type ServiceContext, type ServiceHttpApp } from '@ar/platform';
import { z } from 'zod';
import { collectionKpisAsOf } from '../collection-kpis/query';
import { NAMED_PERIOD, periodDates } from '../collection-rate/period';
import {
  AgingView,
  CeiView,
  CollectionKpisView,
  CollectionRateView,
  DsoView,
  OverdueRateTrendView,
  OverdueRateView,
  SalesOwnersView,
  TopOverdueCustomersView,
} from '../kpi-definitions';
import { collectionAchievementBySalesOwner } from '../sales-kpis/collection-achievement';
import { configuredAgingBuckets } from './buckets';
import {
  AGING_DIMENSIONS,
  type AgingReport,
  agingAsOf,
  ceiForPeriod,
  collectedWithinRate,
  dsoAsOf,
  overdueRateAsOf,
  overdueRateTrend,
  topOverdueCustomers,
} from './query';

/** A period of business dates, `from` to `to` inclusive. */
const PeriodQuery = z
  .object({
    from: IsoDate.meta({ description: `the period's first day (YYYY-MM-DD); not after to` }),
    to: IsoDate,
  })
  .strict()
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['from'] });

/** The collection rate's period: from/to, or a named one, never both; from not after to. */
const CollectionRateQuery = z
  .object({
    asOf: IsoDate.optional(),
    days: z.coerce.number().int().min(1).max(365).default(60),
    from: IsoDate.optional().meta({ description: `the period's first day (YYYY-MM-DD); not after to` }),
    to: IsoDate.optional(),
    period: z
      .string()
      .regex(NAMED_PERIOD, 'a year (2026), a quarter (2026-Q1) or a month (2026-03)')
      .optional()
      .meta({ description: 'a year (2026), a quarter (2026-Q1) or a month (2026-03); not with from or to' }),
  })
  .strict()
  .refine((q) => !(q.period && (q.from || q.to)), {
    message: 'give either a period or from/to, not both',
    path: ['period'],
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, {
    message: 'from must not be after to',
    path: ['from'],
  });

export function agingRoutes(app: ServiceHttpApp, ctx: ServiceContext) {
  const buckets = configuredAgingBuckets();
  app.get(
    '/reports/aging',
    {
      config: { roles: READERS },
      schema: {
        summary: 'Receivables aging as of a date',
        description: 'Outstanding amount and count per aging bucket, per currency; asOf defaults to today.',
        querystring: z
          .object({
            asOf: IsoDate.optional(),
            by: z.enum(Object.keys(AGING_DIMENSIONS) as [keyof typeof AGING_DIMENSIONS]).optional(),
            format: z.enum(['json', 'csv']).default('json'),
          })
          .strict(),
        response: {
          200: {
            description: 'the aging: JSON, or with format=csv a CSV file (one row per currency and bucket)',
            content: { 'application/json': { schema: AgingView }, 'text/csv': { schema: z.string() } },
          },
        },
      },
    },
    async (request, reply) => {
      const asOf = request.query.asOf ?? ctx.clock.today();
      const reports = await agingAsOf(ctx.pool, asOf, buckets, request.query.by);
      if (request.query.format === 'csv') {
        reply.header('content-disposition', `attachment; filename="aging-${asOf}.csv"`);
        return reply.type('text/csv; charset=utf-8').send(agingCsv(reports));
      }
      return { asOf, reports };
    },
  );

  app.get(
    '/reports/overdue-rate',
    {
      config: { roles: READERS },
      schema: {
        summary: 'Overdue rate as of a date, by amount and by count, per currency',
        querystring: z.object({ asOf: IsoDate.optional() }).strict(),
        response: { 200: OverdueRateView },
      },
    },
    async (request) => {
      const asOf = request.query.asOf ?? ctx.clock.today();
      return { asOf, rates: await overdueRateAsOf(ctx.pool, asOf) };
    },
  );

  app.get(
    '/reports/overdue-rate/trend',
    {
      config: { roles: READERS },
      schema: {
        summary: 'The overdue rate (by amount) for each day of a period, at most 400 days',
        // 400 days counting both ends: to is at most 399 days after from.
        querystring: PeriodQuery.refine((q) => (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 < 400, {
          message: 'at most 400 days at a time',
          path: ['to'],
        }),
        response: { 200: OverdueRateTrendView },
      },
    },
    async (request) => ({ series: await overdueRateTrend(ctx.pool, request.query.from, request.query.to) }),
  );

  app.get(
    '/reports/cei',
    {
      config: { roles: READERS },
      schema: {
        summary: 'Collection effectiveness index for a period (percent)',
        querystring: PeriodQuery,
        response: { 200: CeiView },
      },
    },
    async (request) => ({ cei: await ceiForPeriod(ctx.pool, request.query.from, request.query.to) }),
  );

  app.get(
    '/reports/collection-rate',
    {
      config: { roles: READERS },
      schema: {
        summary: 'The 60-day collection rate: cash received within N days of issue / invoiced, for a period',
        description:
          'The invoices of a period (from/to, or a named period: 2026, 2026-Q1, 2026-03); cash only (payments by value date), counted up to asOf. Without a period: every invoice whose N days are over by asOf; from alone runs to asOf.',
        querystring: CollectionRateQuery,
        response: { 200: CollectionRateView },
      },
    },
    async (request) => {
      const { asOf: asked, days, period, from, to } = request.query;
      const asOf = asked ?? ctx.clock.today();
      const dates = period
        ? periodDates(period)
        : { from: from ?? null, to: to ?? (from ? asOf : addDays(asOf, -days)) };
      return { rates: await collectedWithinRate(ctx.pool, asOf, days, dates) };
    },
  );

  app.get(
    '/reports/collection-kpis',
    {
      config: { roles: READERS },
      schema: {
        summary: 'Collection conversion rate, automated-reminder share and promise-kept rate as of a date',
        querystring: z.object({ asOf: IsoDate.optional() }).strict(),
        response: { 200: CollectionKpisView },
      },
    },
    async (request) => collectionKpisAsOf(ctx.pool, request.query.asOf ?? ctx.clock.today()),
  );

  app.get(
    '/reports/dso',
    {
      config: { roles: READERS },
      schema: {
        summary: 'Days sales outstanding as of a date: receivables / credit sales of the window x its days',
        querystring: z
          .object({ asOf: IsoDate.optional(), days: z.coerce.number().int().min(1).max(365).default(90) })
          .strict(),
        response: { 200: DsoView },
      },
    },
    async (request) => {
      const asOf = request.query.asOf ?? ctx.clock.today();
      return { asOf, dso: await dsoAsOf(ctx.pool, asOf, request.query.days) };
    },
  );

  app.get(
    '/reports/top-overdue-customers',
    {
      config: { roles: READERS },
      schema: {
        summary: 'The customers with the most principal past due as of a date',
        querystring: z
          .object({ asOf: IsoDate.optional(), limit: z.coerce.number().int().min(1).max(100).default(10) })
          .strict(),
        response: { 200: TopOverdueCustomersView },
      },
    },
    async (request) => {
      const asOf = request.query.asOf ?? ctx.clock.today();
      return { asOf, customers: await topOverdueCustomers(ctx.pool, asOf, request.query.limit) };
    },
  );

  app.get(
    '/reports/sales-owners',
    {
      config: { roles: READERS },
      schema: {
        summary:
          'Collection achievement per sales owner for a period, with early collection and 91+ days overdue',
        querystring: PeriodQuery,
        response: { 200: SalesOwnersView },
      },
    },
    async (request) => ({
      salesOwners: await collectionAchievementBySalesOwner(ctx.pool, request.query.from, request.query.to),
    }),
  );
}

/** The aging as CSV: one row per currency, group and bucket, for spreadsheets and BI imports. */
export function agingCsv(reports: AgingReport[]): string {
  const quote = (v: string | number | RawJson | null) =>
    v === null
      ? ''
      : typeof v === 'object'
        ? v.rawJSON // an exact total's digits
        : csvCell(v); // no formula passes to a spreadsheet (OWASP CSV injection)
  const lines = ['as_of,currency,group,bucket,amount_minor_units,count'];
  for (const r of reports) {
    for (const b of r.buckets)
      lines.push([r.asOf, r.currency, r.group, b.bucket, b.amount, b.count].map(quote).join(','));
  }
  return `${lines.join('\n')}\n`;
}
