import { z } from 'zod';
import { CurrencyCode, IsoDate, TotalMinorUnits } from '../primitives';

/**
 * Public events of the reporting service on `ar.reporting.kpis.v1`: figures a BI tool can load
 * as they are, without knowing how the platform's events add up to them.
 */

const Ratio = z.number().min(0).max(1).nullable().describe('a share between 0 and 1; null when undefined');
/** Amounts are totals over a book: exact at any size, every digit also above 2^53 (#14 item 13). */
const AmountAndCount = z.object({ amount: TotalMinorUnits, count: z.number().int() });

export const CurrencyKpisV1 = z.object({
  currency: CurrencyCode,
  outstanding: AmountAndCount.describe('open principal in minor units, and how many invoices'),
  overdue: AmountAndCount.describe('the part of it past its due date'),
  overdueRateByAmount: Ratio,
  overdueRateByCount: Ratio,
  aging: z
    .array(z.object({ bucket: z.string(), amount: TotalMinorUnits, count: z.number().int() }))
    .describe('outstanding per aging bucket, in the configured buckets order'),
  dso: z.number().nullable().describe('days sales outstanding over the 90 days before the day'),
  collectedWithin60DaysRate: Ratio.describe('share of principal collected within 60 days of issue'),
});

export const DailyKpiSnapshotTakenV1 = z
  .object({
    day: IsoDate.describe('the business day the figures are as of (end of that day)'),
    currencies: z.array(CurrencyKpisV1),
    collection: z.object({
      casesOpened: z.number().int(),
      conversionRate: Ratio.describe('cases closed by payment / cases opened'),
      automatedReminderShare: Ratio.describe('automatic messages / all customer contacts'),
      promiseKeptRate: Ratio.describe('promises kept / promises kept or broken'),
    }),
  })
  .describe('The receivables KPIs as of the end of one business day; one per day, keyed by the day.');
export type DailyKpiSnapshotTakenV1 = z.infer<typeof DailyKpiSnapshotTakenV1>;

export const ReportingEventsV1 = { DailyKpiSnapshotTaken: DailyKpiSnapshotTakenV1 };
