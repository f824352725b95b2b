import { IsoDate } from '@ar/contracts';
import type { ServiceContext, ServiceHttpApp } from '@ar/platform';
import { z } from 'zod';
import { collectionKpisAsOf } from '../collection-kpis/query';
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

const AgingBucketView = z.object({
  bucket: z.string(),
  fromDays: z.number().int().nullable(),
  toDays: z.number().int().nullable(),
  amount: z.number().int(),
  count: z.number().int(),
});
const AgingView = z.object({
  asOf: IsoDate,
  reports: z.array(
    z.object({
      asOf: IsoDate,
      currency: z.string(),
      group: z.string().nullable(),
      total: z.object({ amount: z.number().int(), count: z.number().int() }),
      buckets: z.array(AgingBucketView),
    }),
  ),
});

/** A period of business dates, `from` to `to` inclusive. */
const PeriodQuery = z
  .object({ from: IsoDate, to: IsoDate })
  .strict()
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['from'] });

export function agingRoutes(app: ServiceHttpApp, ctx: ServiceContext) {
  const buckets = configuredAgingBuckets();
  app.get(
    '/reports/aging',
    {
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
        response: { 200: AgingView.or(z.string()) },
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
      schema: {
        summary: 'Overdue rate as of a date, by amount and by count, per currency',
        querystring: z.object({ asOf: IsoDate.optional() }).strict(),
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
      schema: {
        summary: 'The overdue rate (by amount) for each day of a period, at most 400 days',
        querystring: PeriodQuery.refine((q) => (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 <= 400, {
          message: 'at most 400 days at a time',
          path: ['to'],
        }),
      },
    },
    async (request) => ({ series: await overdueRateTrend(ctx.pool, request.query.from, request.query.to) }),
  );

  app.get(
    '/reports/cei',
    {
      schema: {
        summary: 'Collection effectiveness index for a period (percent)',
        querystring: PeriodQuery,
      },
    },
    async (request) => ({ cei: await ceiForPeriod(ctx.pool, request.query.from, request.query.to) }),
  );

  app.get(
    '/reports/collection-rate',
    {
      schema: {
        summary: 'Share of invoiced principal collected within N days of issue (default 60)',
        querystring: z
          .object({ asOf: IsoDate.optional(), days: z.coerce.number().int().min(1).max(365).default(60) })
          .strict(),
      },
    },
    async (request) => {
      const asOf = request.query.asOf ?? ctx.clock.today();
      return { rates: await collectedWithinRate(ctx.pool, asOf, request.query.days) };
    },
  );

  app.get(
    '/reports/collection-kpis',
    {
      schema: {
        summary: 'Collection conversion rate, automated-reminder share and promise-kept rate as of a date',
        querystring: z.object({ asOf: IsoDate.optional() }).strict(),
      },
    },
    async (request) => collectionKpisAsOf(ctx.pool, request.query.asOf ?? ctx.clock.today()),
  );

  app.get(
    '/reports/dso',
    {
      schema: {
        summary: 'Days sales outstanding as of a date: receivables / credit sales of the window x its days',
        querystring: z
          .object({ asOf: IsoDate.optional(), days: z.coerce.number().int().min(1).max(365).default(90) })
          .strict(),
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
      schema: {
        summary: 'The customers with the most principal past due as of a date',
        querystring: z
          .object({ asOf: IsoDate.optional(), limit: z.coerce.number().int().min(1).max(100).default(10) })
          .strict(),
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
      schema: {
        summary:
          'Collection achievement per sales owner for a period, with early collection and 91+ days overdue',
        querystring: PeriodQuery,
      },
    },
    async (request) => ({
      salesOwners: await collectionAchievementBySalesOwner(ctx.pool, request.query.from, request.query.to),
    }),
  );
}

/** The aging as CSV: one row per currency, group and bucket, for spreadsheets and BI imports. */
export function agingCsv(reports: AgingReport[]): string {
  const quote = (v: string | number | null) =>
    v === null ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v);
  const lines = ['as_of,currency,group,bucket,amount_minor_units,count'];
  for (const r of reports) {
    for (const b of r.buckets)
      lines.push([r.asOf, r.currency, r.group, b.bucket, b.amount, b.count].map(quote).join(','));
  }
  return `${lines.join('\n')}\n`;
}
