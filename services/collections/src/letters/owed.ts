import type { RecordedEvent } from '@ar/kernel';
import type { CaseEvent, CaseState, DunningFile } from '../case/state';
import { evolveCase, openOf } from '../case/state';

/** Money facts invoicing dates by the business day they are for: a letter of that day states them. */
const DATED_MONEY = new Set(['InvoiceFeesNoted', 'InvoicePaymentNoted', 'InvoiceCreditNoted']);

/**
 * What a reminder's letter states as owed on its `date`: the case's history up to the reminder (at
 * `position`), and the fees, payments and credit notes invoicing recorded after it for a day up to
 * the letter's - invoicing's day job charges a day's interest and penalty after collections' own
 * recorded that day's reminder. The split and the total come from the same events (the total was
 * taken from the whole file and the split from the events before the reminder: a day-31 penalty
 * showed as interest, penalty 0).
 */
export function owedForLetter(
  history: readonly Pick<RecordedEvent<CaseEvent>, 'type' | 'data' | 'streamPosition'>[],
  position: number,
  date: string,
): { principal: number; interest: number; penalty: number } {
  const events = history.filter(
    (h) =>
      h.streamPosition <= position || (DATED_MONEY.has(h.type) && (h.data as { date: string }).date <= date),
  );
  const file = events.reduce((s, e) => evolveCase(s, e as CaseEvent), { status: 'NONE' } as CaseState);
  return owedByComponent(file as DunningFile, events);
}

/**
 * What a case's customer owes today by component, for a letter: the principal open, and the late
 * fees open split into interest and penalty as invoicing charged them (a payment clears penalty
 * first, then interest, as invoicing allocates it; a waiver clears both). Fees noted before their
 * kind was kept count as interest. The parts always add up to what the case counts open.
 */
export function owedByComponent(
  file: DunningFile,
  events: readonly { type: string; data: unknown }[],
): { principal: number; interest: number; penalty: number } {
  let interest = 0;
  let penalty = 0;
  for (const e of events) {
    if (e.type === 'InvoiceFeesNoted') {
      const d = e.data as { change: number; reason: string; kind?: 'INTEREST' | 'PENALTY' };
      if (d.reason === 'WAIVED') {
        interest = 0;
        penalty = 0;
      } else if (d.kind === 'PENALTY') penalty += d.change;
      else interest += d.change;
    } else if (e.type === 'InvoicePaymentNoted') {
      const d = e.data as { amount: number; toPrincipal: number };
      let toFees = Math.max(0, d.amount - d.toPrincipal);
      const toPenalty = Math.min(Math.max(penalty, 0), toFees);
      penalty -= toPenalty;
      toFees -= toPenalty;
      interest -= Math.min(Math.max(interest, 0), toFees);
    }
  }
  const open = openOf(file);
  penalty = Math.min(Math.max(penalty, 0), open.fees);
  return { principal: open.principal, interest: open.fees - penalty, penalty };
}
