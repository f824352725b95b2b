import { type BusinessDayJob, type ServiceContext, StoredEventInvalid } from '@ar/platform';
import type { InvoiceHandler } from '../invoice/handler';
import { nextOverdueAssessment } from '../invoice/overdue';
import { isIssued } from '../invoice/state';
import { invoicesToAssess, scheduleNextAssessment } from '../ledger/open-items';

const CONCURRENCY = 8;

/**
 * The overdue clock: at the start of each business day, every open invoice with something to do
 * that day is assessed as of the day (`AssessOverdue`), which emits the thresholds crossed and the
 * late fees since its last assessment. Assessing the same day twice changes nothing, so a day cut
 * short by a restart simply runs again.
 *
 * Which invoices: `open_invoices.next_assessment`, the next day something happens to each
 * (`nextOverdueAssessment`: a threshold, a fee for a closed day, the penalty, an instalment falling
 * overdue), set after each visit from the invoice as assessed, and brought to "now" by any other
 * change to the invoice (the open-items projection, in the change's own transaction). A day reads
 * only those invoices, by index: an invoice not yet due, or with nothing left to happen, is not
 * loaded at all.
 */
export function overdueClock(ctx: ServiceContext, invoices: InvoiceHandler): BusinessDayJob {
  return {
    name: 'overdue-clock',
    async run(day) {
      const due = await invoicesToAssess(ctx.pool, day);
      let next = 0;
      let changed = 0;
      const worker = async () => {
        while (next < due.length) {
          const scheduled = due[next++]!;
          const { invoiceId } = scheduled;
          try {
            const result = await invoices.execute(
              invoiceId,
              { type: 'AssessOverdue', data: { asOf: day } },
              { metadata: { correlationId: `overdue-clock:${day}`, actor: 'overdue-clock' } },
            );
            if (result.newEvents.length > 0) changed++;
            if (isIssued(result.state))
              await scheduleNextAssessment(
                ctx.pool,
                scheduled,
                nextOverdueAssessment(result.state, day, invoices.policy),
              );
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
