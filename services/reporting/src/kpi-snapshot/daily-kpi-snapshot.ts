import type { DailyKpiSnapshotTakenV1 } from '@ar/contracts';
import { addDays, type IsoDate, NO_STREAM, streamName } from '@ar/kernel';
import type { BusinessDayJob, ServiceContext } from '@ar/platform';
import type { AgingBucket } from '../aging/buckets';
import { agingAsOf, collectedWithinRate, dsoAsOf, overdueRateAsOf } from '../aging/query';
import { collectionKpisAsOf } from '../collection-kpis/query';

const SNAPSHOTS = 'kpisnapshot';

/** The figures BI receives for one day: the same queries the REST reports answer with. */
export async function kpiSnapshotAsOf(
  ctx: ServiceContext,
  day: IsoDate,
  buckets: AgingBucket[],
): Promise<DailyKpiSnapshotTakenV1> {
  const [aging, rates, dso, collected, collection] = await Promise.all([
    agingAsOf(ctx.pool, day, buckets),
    overdueRateAsOf(ctx.pool, day),
    dsoAsOf(ctx.pool, day, 90),
    collectedWithinRate(ctx.pool, day, 60),
    collectionKpisAsOf(ctx.pool, day),
  ]);
  const currencies = [...new Set([...aging, ...rates, ...dso].map((r) => r.currency))].sort();
  return {
    day,
    currencies: currencies.map((currency) => {
      const rate = rates.find((r) => r.currency === currency);
      return {
        currency,
        outstanding: rate?.outstanding ?? { amount: 0, count: 0 },
        overdue: rate?.overdue ?? { amount: 0, count: 0 },
        overdueRateByAmount: rate?.byAmount ?? null,
        overdueRateByCount: rate?.byCount ?? null,
        aging: (aging.find((a) => a.currency === currency)?.buckets ?? []).map(
          ({ bucket, amount, count }) => ({
            bucket,
            amount,
            count,
          }),
        ),
        dso: dso.find((d) => d.currency === currency)?.dso ?? null,
        collectedWithin60DaysRate: collected.find((c) => c.currency === currency)?.rate ?? null,
      };
    }),
    collection: {
      casesOpened: collection.casesOpened,
      conversionRate: collection.conversionRate,
      automatedReminderShare: collection.automatedReminderShare,
      promiseKeptRate: collection.promiseKeptRate,
    },
  };
}

/**
 * Each business day, the KPIs as of the end of every calendar day since the last snapshot up to
 * yesterday are appended as `DailyKpiSnapshotTaken` (one stream per day); the relay puts them on
 * `ar.reporting.kpis.v1`. Yesterday, because today is still happening. A day already taken is
 * left as it is (the stream exists), so a rerun publishes nothing twice. It is a report, not a
 * decision, so it has no decider: the figures are the reporting queries' answers.
 */
export function dailyKpiSnapshot(ctx: ServiceContext, buckets: AgingBucket[]): BusinessDayJob {
  return {
    name: 'kpi-snapshot',
    async run(today) {
      const { rows } = await ctx.pool.query<{ last: string | null }>(
        `select to_char(max((data->>'day')::date), 'YYYY-MM-DD') as last from events where event_type = 'DailyKpiSnapshotTaken'`,
      );
      const yesterday = addDays(today, -1);
      let day = rows[0]?.last ? addDays(rows[0].last, 1) : yesterday;
      let taken = 0;
      for (; day <= yesterday; day = addDays(day, 1)) {
        const snapshot = await kpiSnapshotAsOf(ctx, day, buckets);
        const stream = streamName(SNAPSHOTS, day);
        if ((await ctx.store.readStream(stream)).version !== NO_STREAM) continue;
        await ctx.store.appendToStream(stream, [{ type: 'DailyKpiSnapshotTaken', data: snapshot }], {
          expectedVersion: NO_STREAM,
          metadata: { correlationId: `kpi-snapshot:${day}`, actor: 'kpi-snapshot' },
        });
        taken++;
      }
      return taken;
    },
  };
}
