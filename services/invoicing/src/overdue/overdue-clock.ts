import { type BusinessDayJob, type ServiceContext, StoredEventInvalid } from '@ar/platform';
import type { InvoiceHandler } from '../invoice/handler';
import { invoicesDueBefore } from '../ledger/open-items';

const CONCURRENCY = 8;

/**
 * The overdue clock: at the start of each business day, every open invoice with something
 * due before that day is assessed as of the day (`AssessOverdue`), which emits the thresholds
 * crossed and the late fees since its last assessment. Assessing the same day twice changes
 * nothing, so a day cut short by a restart simply runs again.
 */
export function overdueClock(ctx: ServiceContext, invoices: InvoiceHandler): BusinessDayJob {
  return {
    name: 'overdue-clock',
    async run(day) {
      const due = await invoicesDueBefore(ctx.pool, day);
      let next = 0;
      let changed = 0;
      const worker = async () => {
        while (next < due.length) {
          const invoiceId = due[next++]!;
          try {
            const result = await invoices.execute(
              invoiceId,
              { type: 'AssessOverdue', data: { asOf: day } },
              { metadata: { correlationId: `overdue-clock:${day}`, actor: 'overdue-clock' } },
            );
            if (result.newEvents.length > 0) changed++;
          } catch (error) {
            // An invoice whose stored history cannot be read is passed by (and said so), not the
            // day of every other invoice held up by it; it is assessed once corrected.
            if (!(error instanceof StoredEventInvalid)) throw error;
            ctx.logger.error(
              { invoiceId, day, err: error },
              `overdue clock passes ${invoiceId} by: ${error.message}`,
            );
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, due.length) }, worker));
      return changed;
    },
  };
}
