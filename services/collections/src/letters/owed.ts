import type { DunningFile } from '../case/state';
import { openOf } from '../case/state';

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
