import type { FeeWaiverV1, PlanFees, PlanGuaranteeV1 } from '@ar/contracts';
import { formatMoney, type IsoDate, RuleViolation } from '@ar/kernel';
import { invoiceAsOf, type OverduePolicy } from './overdue';
import { evolveInvoice, type Invoice, type InvoiceEvent, totalOpen } from './state';

/** What a person agreed: the instalments (what the customer pays on each date) and the fees' fate. */
export interface PlanTerms {
  planId: string;
  instalments: { dueDate: IsoDate; amount: number }[];
  /** The business date the plan was agreed: what is open is counted as of that day. */
  date: IsoDate;
  fees: PlanFees;
  feeWaiver?: FeeWaiverV1 | undefined;
  guarantee?: PlanGuaranteeV1 | undefined;
}

/**
 * An instalment plan (DOMAIN.md §3) replaces the due date with several. It covers everything open
 * on the day it is agreed - principal, interest and penalty - or the principal alone when the fees
 * are waived by a recorded decision (`LateFeesWaived`, before the plan). A payment clears fees
 * first (art. 561), so the first instalments carry the fees: each instalment's principal is what
 * is left of it once the fees open are covered. The overdue clock then runs on those principal
 * dates, so a customer who pays exactly each instalment on its date is never overdue and is
 * charged nothing more; a missed instalment is overdue from its own date.
 */
export function applyInstalmentPlan(
  invoice: Invoice,
  plan: PlanTerms,
  policy: OverduePolicy,
  as: 'AGREED' | 'REPLAYED' = 'AGREED',
): InvoiceEvent[] {
  const { invoiceId, customerId, currency } = invoice.issued;
  if (as === 'AGREED') checkPlanTerms(plan);

  // The invoice as it stands on the agreement date: fees up to that day are part of what is open.
  const { events } = invoiceAsOf(invoice, plan.date, policy);
  let current = events.reduce((s, e) => evolveInvoice(s, e) as Invoice, invoice);
  const fees = { interest: current.interestOpen, penalty: current.penaltyOpen };
  const money = (amount: number) => formatMoney(amount, currency);
  const openText = `open on ${plan.date}: ${money(totalOpen(current))} (principal ${money(current.principalOpen)}, interest ${money(fees.interest)}, penalty ${money(fees.penalty)})`;

  if (plan.fees === 'WAIVED' && fees.interest + fees.penalty > 0) {
    const waived: InvoiceEvent = {
      type: 'LateFeesWaived',
      data: {
        invoiceId,
        customerId,
        currency,
        ...fees,
        planId: plan.planId,
        // (a plan replayed whose waiver was never needed before: fees only fall when replayed)
        waiver: plan.feeWaiver ?? { decidedBy: 'unrecorded', reason: `waived with plan ${plan.planId}` },
        date: plan.date,
      },
    };
    events.push(waived);
    current = evolveInvoice(current, waived) as Invoice;
  }

  const owed = totalOpen(current);
  const total = plan.instalments.reduce((sum, i) => sum + i.amount, 0);
  if (as === 'AGREED' && total !== owed) {
    const what =
      plan.fees === 'WAIVED' ? `; with fees waived the plan covers the principal, ${money(owed)}` : '';
    throw new RuleViolation(
      'PLAN_DOES_NOT_MATCH_OPEN_AMOUNT',
      `instalments add up to ${money(total)}; ${openText}${what}`,
      'instalments',
    );
  }
  const agreed = as === 'AGREED' ? plan.instalments : coveringWhatWasOpen(plan.instalments, owed);

  // Fees first: each instalment's principal is what is left of it once the fees are covered.
  let feesLeft = current.interestOpen + current.penaltyOpen;
  const instalments = agreed.map(({ dueDate, amount }) => {
    const toFees = Math.min(amount, feesLeft);
    feesLeft -= toFees;
    return { dueDate, amount, principal: amount - toFees };
  });
  if (instalments.length === 0) {
    // Replayed: credit notes dated before it left only fees, and its waiver forgave them - nothing
    // was owed from the agreement on. The plan stays (its waiver is the recorded decision) with no
    // instalment, and the invoice ends credited by the last of those credit notes.
    const creditNoteId = current.creditNoteIds.at(-1);
    if (as === 'AGREED' || !creditNoteId || totalOpen(current) > 0) return events;
    events.push(
      {
        type: 'InstalmentPlanApplied',
        data: {
          invoiceId,
          customerId,
          planId: plan.planId,
          instalments: [],
          agreedDate: plan.date,
          fees: { mode: plan.fees, ...fees },
        },
      },
      { type: 'InvoiceFullyCredited', data: { invoiceId, customerId, creditNoteId } },
    );
    return events;
  }
  events.push({
    type: 'InstalmentPlanApplied',
    data: {
      invoiceId,
      customerId,
      planId: plan.planId,
      instalments,
      agreedDate: plan.date,
      fees: { mode: plan.fees, ...fees },
      ...(plan.guarantee ? { guarantee: plan.guarantee } : {}),
    },
  });
  return events;
}

/** What a person agreed must hold by itself: instalments from the agreement date, in order; a waiver recorded. */
export function checkPlanTerms(plan: PlanTerms): void {
  plan.instalments.forEach((instalment, i) => {
    const before = plan.instalments[i - 1];
    if (instalment.dueDate < plan.date) {
      throw new RuleViolation(
        'INSTALMENT_BEFORE_AGREEMENT',
        `instalment ${i + 1} is due ${instalment.dueDate}, before the plan was agreed (${plan.date})`,
        `instalments.${i}.dueDate`,
      );
    }
    if (before && instalment.dueDate <= before.dueDate) {
      throw new RuleViolation(
        'INSTALMENTS_OUT_OF_ORDER',
        `instalment ${i + 1} is due ${instalment.dueDate}, not after instalment ${i} (${before.dueDate})`,
        `instalments.${i}.dueDate`,
      );
    }
  });
  if (plan.fees === 'WAIVED' && !plan.feeWaiver) {
    throw new RuleViolation(
      'FEE_WAIVER_NOT_RECORDED',
      'waiving fees needs the recorded decision: who decided and why (feeWaiver)',
      'feeWaiver',
    );
  }
}

/**
 * The plan as it covers what was really open on its agreement date, when value dating replays
 * it: a payment or credit note dated before the plan and recorded after it leaves less open than
 * the plan was agreed on. The surplus comes off the last instalments (the customer's instalments
 * before are unchanged and the plan ends sooner; an instalment cut to nothing is dropped). What
 * the customer pays as agreed beyond that is an over-payment, held as credit.
 */
function coveringWhatWasOpen(instalments: PlanTerms['instalments'], open: number): PlanTerms['instalments'] {
  let surplus = instalments.reduce((sum, i) => sum + i.amount, 0) - open;
  const revised = instalments.map((i) => ({ ...i }));
  for (let n = revised.length - 1; n >= 0 && surplus > 0; n--) {
    const cut = Math.min(surplus, revised[n]!.amount);
    revised[n]!.amount -= cut;
    surplus -= cut;
  }
  // (more open than agreed on cannot come of facts that only lower it; kept whole, on the last)
  if (surplus < 0 && revised.length > 0) revised[revised.length - 1]!.amount -= surplus;
  return revised.filter((i) => i.amount > 0);
}
