import { IsoDate, TotalMinorUnits } from '@ar/contracts';
import { z } from 'zod';

/**
 * What every figure reporting answers means (DOMAIN.md §5), written where a reader of the API
 * finds it: these are the response schemas of the report routes, so each KPI's definition is in
 * the OpenAPI document (/docs). Amounts are integer minor units of the row's currency; rates are
 * shares to four decimals (0.8531 = 85.31%), null when there is nothing to divide by.
 */

/** A sum over a book: exact at any size (every digit, also above 2^53). */
const Total = (what: string) =>
  TotalMinorUnits.describe(
    `${what}, in minor units of the currency (a JSON integer with every digit, also above 2^53)`,
  );
/** Every amount a report answers is a sum over invoices: exact at any size (#14 item 13). */
const Amount = Total;
const Count = (what: string) => z.number().int().describe(what);
const Share = (definition: string) =>
  z.number().nullable().describe(`${definition}; a share to four decimals, null when the denominator is 0`);
const Currency = z.string().describe('ISO 4217 currency code; figures are never summed across currencies');
const AsOf = IsoDate.describe(
  'the business date the figures are as of: what was issued by then, less what was settled by then, as known now (value-dated facts recorded later count from their own date)',
);
const AmountAndCount = (what: string) =>
  z
    .object({ amount: Total(`${what}: principal`), count: Count(`${what}: number of invoices`) })
    .describe(what);

export const OUTSTANDING_DEFINITION =
  'outstanding: the principal of invoices issued by the date less what was settled by it (payments by their value date, discounts, credit notes, write-offs); fees are not counted';

const AgingBucketView = z
  .object({
    bucket: z.string().describe('the bucket label: current (not yet due), 1-30, 31-60, 61-90, 91-180, 180+'),
    fromDays: z.number().int().nullable().describe('first day overdue of the bucket; null for not yet due'),
    toDays: z
      .number()
      .int()
      .nullable()
      .describe('last day overdue of the bucket; null for the open-ended last one'),
    amount: Total('outstanding principal of the invoices in the bucket'),
    count: Count('invoices with principal outstanding in the bucket'),
  })
  .describe('one aging bucket: days overdue = as-of date - due date');

export const AgingView = z.object({
  asOf: AsOf,
  reports: z
    .array(
      z.object({
        asOf: AsOf,
        currency: Currency,
        group: z
          .string()
          .nullable()
          .describe(
            "the breakdown's value (a customer, tier, industry, region or sales owner, as the customer was on the as-of date); null for the whole book",
          ),
        total: AmountAndCount(`the group's ${OUTSTANDING_DEFINITION}`),
        buckets: z.array(AgingBucketView).describe('the outstanding principal per bucket of days overdue'),
      }),
    )
    .describe('the aging per currency (and group)'),
});

export const OverdueRateView = z.object({
  asOf: AsOf,
  rates: z
    .array(
      z.object({
        asOf: AsOf,
        currency: Currency,
        outstanding: AmountAndCount(OUTSTANDING_DEFINITION),
        overdue: AmountAndCount('overdue: the outstanding principal of invoices past their due date'),
        byAmount: z
          .number()
          .describe(
            'overdue rate by amount = overdue principal / outstanding principal (0 when none outstanding)',
          ),
        byCount: z
          .number()
          .describe(
            'overdue rate by count = overdue invoices / invoices outstanding (0 when none outstanding)',
          ),
      }),
    )
    .describe('the overdue rate per currency'),
});

export const OverdueRateTrendView = z.object({
  series: z
    .array(
      z.object({
        day: IsoDate.describe('the day the figures are as of'),
        currency: Currency,
        outstanding: Amount(`that day's ${OUTSTANDING_DEFINITION}`),
        overdue: Amount("that day's overdue principal (past its due date)"),
        byAmount: z.number().describe('overdue rate by amount that day = overdue / outstanding'),
      }),
    )
    .describe('one point per day and currency with anything outstanding'),
});

export const DsoView = z.object({
  asOf: AsOf,
  dso: z
    .array(
      z.object({
        asOf: AsOf,
        currency: Currency,
        windowDays: z.number().int().describe('the window of credit sales, in days ending on the as-of date'),
        outstanding: Amount(`receivables: ${OUTSTANDING_DEFINITION}`),
        sales: Amount('credit sales: principal invoiced in the window'),
        dso: z
          .number()
          .nullable()
          .describe(
            'days sales outstanding = outstanding receivables / credit sales of the window x its days, to one decimal; null without sales',
          ),
      }),
    )
    .describe('DSO per currency'),
});

export const CeiView = z.object({
  cei: z
    .array(
      z.object({
        from: IsoDate.describe('first day of the period'),
        to: IsoDate.describe('last day of the period'),
        currency: Currency,
        opening: Amount('opening receivables: outstanding principal at the end of the day before the period'),
        sales: Amount('credit sales: principal invoiced in the period'),
        closing: Amount('closing receivables: outstanding principal at the end of the period'),
        closingCurrent: Amount(
          'closing current receivables: of the closing receivables, what is not yet overdue',
        ),
        cei: z
          .number()
          .nullable()
          .describe(
            'collection effectiveness index = (opening + sales - closing) / (opening + sales - closing current) x 100, in percent to one decimal; 100 means everything collectable was collected; null when nothing was collectable',
          ),
      }),
    )
    .describe('the CEI per currency'),
});

export const CollectionRateView = z.object({
  rates: z
    .array(
      z.object({
        asOf: AsOf,
        currency: Currency,
        from: IsoDate.nullable().describe(
          'first issue date of the invoices counted; null: since the first invoice',
        ),
        to: IsoDate.describe('last issue date of the invoices counted'),
        withinDays: z
          .number()
          .int()
          .describe('days after its issue date within which cash counts (default 60)'),
        invoiced: Amount('principal invoiced: the amounts of the invoices issued in the period'),
        collected: Amount(
          'cash collected: principal received in payments (by value date) within the days of each invoice issue date and by the as-of date; discounts, credit notes and write-offs are not cash',
        ),
        rate: Share('collection rate = cash collected within the days of issue / principal invoiced'),
      }),
    )
    .describe('the collection rate per currency'),
});

export const CollectionKpisView = z.object({
  asOf: AsOf,
  casesOpened: Count(
    'collection cases opened by the date; a case for an invoice every overdue threshold of which was withdrawn (paid in time, recorded late) is not counted',
  ),
  casesClosedByPayment: Count('of those cases, the ones closed because the invoice was paid'),
  conversionRate: Share('collection conversion rate = cases closed by payment / cases opened'),
  automaticMessages: Count('reminders and letters sent automatically by the date'),
  manualContacts: Count('calls, visits and emails people recorded by the date'),
  automatedReminderShare: Share(
    'automated-dunning coverage = automatic messages / (automatic messages + manual contacts)',
  ),
  promisesKept: Count('promises to pay kept by the date'),
  promisesBroken: Count('promises to pay broken (detected) by the date'),
  promiseKeptRate: Share('promise-kept rate = promises kept / (kept + broken)'),
});

export const SalesOwnersView = z.object({
  salesOwners: z
    .array(
      z.object({
        from: IsoDate.describe('first day of the period'),
        to: IsoDate.describe('last day of the period'),
        currency: Currency,
        salesOwner: z.string().describe('the sales owner of the customers; UNASSIGNED when unknown'),
        target: Amount(
          'target: principal of invoices due by the end of the period, less what was settled before it began',
        ),
        collected: Amount('collected: what of the target was settled within the period'),
        achievementRate: Share('collection achievement rate = collected / target'),
        collectedEarly: Amount(
          'collected early: principal settled in the period before its due date (the bonus)',
        ),
        overdue91Plus: Amount(
          'principal more than 90 days past due at the end of the period (the accountability line)',
        ),
      }),
    )
    .describe('collection achievement per currency and sales owner'),
});

export const TopOverdueCustomersView = z.object({
  asOf: AsOf,
  customers: z
    .array(
      z.object({
        currency: Currency,
        customerId: z.string().describe('the customer'),
        name: z.string().nullable().describe("the customer's name"),
        tier: z.string().nullable().describe('its credit tier on the as-of date'),
        industry: z.string().nullable().describe('its industry on the as-of date'),
        region: z.string().nullable().describe('its region on the as-of date'),
        salesOwner: z.string().nullable().describe('its sales owner on the as-of date'),
        overdue: Amount('overdue principal: outstanding principal of its invoices past their due date'),
        invoices: Count('its invoices with overdue principal'),
        oldestDaysOverdue: Count('days overdue of its oldest overdue invoice'),
      }),
    )
    .describe('the customers with the most overdue principal, most first'),
});
