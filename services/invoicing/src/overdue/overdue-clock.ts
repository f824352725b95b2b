import { ConcurrencyConflict } from '@ar/kernel';
import { type BusinessDayJob, type ServiceContext, StoredEventInvalid } from '@ar/platform';
import { inTransaction } from '@ar/postgres';
import type { InvoiceHandler } from '../invoice/handler';
import { nextOverdueAssessment } from '../invoice/overdue';
import { isIssued } from '../invoice/state';
import { invoicesToAssess, type ScheduledInvoice, scheduleNextAssessments } from '../ledger/open-items';

const CONCURRENCY = 8;
const CHUNK = 100;

type Outcome = Awaited<ReturnType<InvoiceHandler['executeEach']>>[number];

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
      // In chunks: a chunk's streams are read in one query, its assessments appended (one
      // statement each) and its next days written in one transaction.
      const chunks: ScheduledInvoice[][] = [];
      for (let i = 0; i < due.length; i += CHUNK) chunks.push(due.slice(i, i + CHUNK));
      let next = 0;
      let changed = 0;
      const worker = async () => {
        while (next < chunks.length) {
          const chunk = chunks[next++]!;
          const byId = new Map(chunk.map((s) => [s.invoiceId, s]));
          const command = () => ({ type: 'AssessOverdue' as const, data: { asOf: day } });
          const metadata = { correlationId: `overdue-clock:${day}`, actor: 'overdue-clock' };
          const settle = (outcomes: Outcome[], conflicts: string[]) => {
            const schedule: { invoice: ScheduledInvoice; next: string | undefined }[] = [];
            for (const { id: invoiceId, result, error } of outcomes) {
              if (error instanceof ConcurrencyConflict) {
                conflicts.push(invoiceId);
              } else if (error !== undefined) {
                // An invoice whose stored history cannot be read is passed by (and said so), not
                // the day of every other invoice held up by it; it is assessed once corrected.
                if (!(error instanceof StoredEventInvalid)) throw error;
                ctx.logger.error(
                  { invoiceId, day, err: error },
                  `overdue clock passes ${invoiceId} by: ${error.message}`,
                );
              } else if (result) {
                if (result.newEvents.length > 0) changed++;
                if (isIssued(result.state))
                  schedule.push({
                    invoice: byId.get(invoiceId)!,
                    next: nextOverdueAssessment(result.state, day, invoices.policy),
                  });
              }
            }
            return schedule;
          };
          // The chunk's assessments and next days in one transaction (one commit, not one per
          // invoice); an invoice written meanwhile by another command is assessed again after it.
          const conflicts: string[] = [];
          await inTransaction(ctx.pool, async (tx) => {
            const outcomes = await invoices.executeEach(
              chunk.map((s) => s.invoiceId),
              command,
              { metadata, tx },
            );
            await scheduleNextAssessments(tx, settle(outcomes, conflicts));
          });
          if (conflicts.length > 0) {
            const outcomes = await invoices.executeEach(conflicts, command, { metadata });
            await scheduleNextAssessments(ctx.pool, settle(outcomes, []));
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, chunks.length) }, worker));
      return changed;
    },
  };
}
