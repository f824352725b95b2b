import type { CreditTier } from '@ar/contracts';
import type { BusinessDayJob, ServiceContext } from '@ar/platform';
import { DEFAULT_COLLECTION_RULES } from './decider';
import { type CaseHandler, liveCases } from './handler';

/**
 * Each business day, every live case is run for the day: reminders, the case opening, the
 * ladder, broken promises, deferred messages. `RunDay` is idempotent for a day.
 */
export function collectionsDailyRun(ctx: ServiceContext, cases: CaseHandler): BusinessDayJob {
  return {
    name: 'collections-day',
    async run(day) {
      let changed = 0;
      for (const { invoiceId, tier, name } of await liveCases(
        ctx.pool,
        day,
        DEFAULT_COLLECTION_RULES.reminders.beforeDue,
      )) {
        const result = await cases.execute(
          invoiceId,
          {
            type: 'RunDay',
            data: {
              today: day,
              tier: (tier as CreditTier | null) ?? 'COOPERATIVE',
              ...(name ? { customerName: name } : {}),
            },
          },
          { metadata: { correlationId: `collections-day:${day}`, actor: 'collections-day' } },
        );
        if (result.newEvents.length > 0) changed++;
      }
      return changed;
    },
  };
}
