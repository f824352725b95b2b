import type { BusinessDayJob, ServiceContext } from '@ar/platform';
import { type ContractHandler, signedContracts } from './handler';

/**
 * Each business day: dated milestones (a fixed date, days after acceptance) are reached, and the
 * service-suspension clause is checked. Both commands are idempotent, so a replayed day is harmless.
 */
export function contractDailyRun(ctx: ServiceContext, contracts: ContractHandler): BusinessDayJob {
  return {
    name: 'contract-milestones',
    async run(day) {
      let changed = 0;
      for (const contractId of await signedContracts(ctx.pool)) {
        const metadata = { correlationId: `contract-day:${day}`, actor: 'contract-day' };
        for (const type of ['ReachDueMilestones', 'CheckServiceSuspension'] as const) {
          const result = await contracts.execute(contractId, { type, data: { today: day } }, { metadata });
          changed += result.newEvents.length > 0 ? 1 : 0;
        }
      }
      return changed;
    },
  };
}
