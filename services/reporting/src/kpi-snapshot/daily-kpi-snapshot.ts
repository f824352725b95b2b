import type { DailyKpiSnapshotTakenV1 } from '@ar/contracts';
import { addDays, type IsoDate, NO_STREAM, parseStreamName, streamName } from '@ar/kernel';
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
 * `ar.reporting.kpis.v1`. Yesterday, because today is still happening. The last day taken is the
 * latest snapshot stream (ISO days sort as text); a day's stream is appended only if it does not
 * exist, so a rerun publishes nothing twice. It is a report, not a decision, so it has no decider:
 * the figures are the reporting queries' answers.
 */
export function dailyKpiSnapshot(ctx: ServiceContext, buckets: AgingBucket[]): BusinessDayJob {
  return {
    name: 'kpi-snapshot',
    async run(today) {
      const { rows } = await ctx.pool.query<{ last: string | null }>(
        'select max(stream_id) as last from streams where stream_id like $1',
        [`${streamName(SNAPSHOTS, '')}%`],
      );
      const yesterday = addDays(today, -1);
      let day = rows[0]?.last ? addDays(parseStreamName(rows[0].last).id, 1) : yesterday;
      let taken = 0;
      for (; day <= yesterday; day = addDays(day, 1)) {
        const snapshot = await kpiSnapshotAsOf(ctx, day, buckets);
        await ctx.store.appendToStream(
          streamName(SNAPSHOTS, day),
          [{ type: 'DailyKpiSnapshotTaken', data: snapshot }],
          {
            expectedVersion: NO_STREAM,
            metadata: { correlationId: `kpi-snapshot:${day}`, actor: 'kpi-snapshot' },
          },
        );
        taken++;
      }
      return taken;
    },
  };
}
