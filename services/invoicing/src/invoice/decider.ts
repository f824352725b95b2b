import type { InvoiceIssuedV1 } from '@ar/contracts';
import {
  type Command,
  type Decider,
  daysBetween,
  formatMoney,
  type IsoDate,
  NotFound,
  RuleViolation,
  StateConflict,
  sameFacts,
} from '@ar/kernel';
import { applyInstalmentPlan, checkPlanTerms, type PlanTerms } from './instalment-plan';
import {
  amountToSettle,
  assessOverdue,
  DEFAULT_OVERDUE_POLICY,
  discountAvailable,
  invoiceAsOf,
  type OverduePolicy,
  payableBy,
} from './overdue';
import {
  type DatedFact,
  evolveInvoice,
  finalDueDate,
  type Invoice,
  type InvoiceEvent,
  type InvoiceState,
  initialInvoiceState,
  isIssued,
  totalOpen,
} from './state';
import { type ApplyOnTime, recordDatedFact, takesPaymentWhenPaid } from './value-dating';

export type { InvoiceEvent, InvoiceIssued, InvoiceState } from './state';

export type InvoiceCommand =
  | Command<'IssueInvoice', InvoiceIssuedV1>
  | Command<'AssessOverdue', { asOf: IsoDate }>
  | Command<'AllocatePayment', { paymentId: string; amount: number; currency: string; paymentDate: IsoDate }>
  | Command<'ApplyInstalmentPlan', PlanTerms>
  /** A plan agreed in collections: applied, or refused as an event collections hears (never an error its consumer stops on). */
  | Command<'ApplyAgreedInstalmentPlan', PlanTerms>
  | Command<'IssueCreditNote', { creditNoteId: string; amount: number; reason: string; issueDate: IsoDate }>
  | Command<'DisputeInvoice', { reason: string; date: IsoDate }>
  | Command<'ResolveDispute', { resolution: string; date: IsoDate }>
  | Command<'WriteOffInvoice', { reason: string; date: IsoDate }>
  | Command<'AssignToFactor', { factorId: string; withRecourse: boolean; date: IsoDate }>
  | Command<'RecordFactorAdvance', { factorId: string; amount: number; date: IsoDate }>;

/** A command on an invoice that was never issued is about an unknown invoice (404). */
function issuedInvoice(state: InvoiceState, doing: string): Invoice {
  if (!isIssued(state))
    throw new NotFound('INVOICE_NOT_FOUND', `no such invoice: cannot ${doing}`, 'invoiceId');
  return state;
}

function openInvoice(state: InvoiceState, doing: string): Invoice {
  const invoice = issuedInvoice(state, doing);
  if (invoice.status !== 'OPEN') {
    throw new StateConflict(
      'INVOICE_NOT_OPEN',
      `invoice ${invoice.issued.invoiceId} is ${invoice.status.toLowerCase().replace('_', ' ')}: cannot ${doing}`,
      'invoiceId',
    );
  }
  return invoice;
}

function issue(state: InvoiceState, invoice: InvoiceIssuedV1): InvoiceEvent[] {
  if (isIssued(state)) {
    // The same request again (a client retry, a redelivered milestone) changes nothing.
    if (sameFacts(state.issued, invoice)) return [];
    throw new StateConflict(
      'INVOICE_ALREADY_ISSUED',
      `invoice ${invoice.invoiceId} was already issued with other details`,
      'invoiceId',
    );
  }
  if (daysBetween(invoice.issueDate, invoice.dueDate) < 0) {
    throw new RuleViolation(
      'DUE_BEFORE_ISSUE',
      `due date ${invoice.dueDate} is before issue date ${invoice.issueDate}`,
      'dueDate',
    );
  }
  return [{ type: 'InvoiceIssued', data: invoice }];
}

/**
 * A payment clears an invoice in the order of PRC Civil Code art. 561 (费用、利息、主债务):
 * the penalty (a fee), then interest, then principal. The invoice is first brought up to the
 * payment's date, so interest owed up to that day is part of what the payment clears. Paying what
 * is left less the early-payment discount, within the discount period, takes the discount.
 * This is the payment as if recorded on its date; `value-dating.ts` puts it in its place.
 */
function paymentOnItsDay(
  current: Invoice,
  payment: { paymentId: string; amount: number; paymentDate: IsoDate },
  policy: OverduePolicy,
): InvoiceEvent[] {
  const { invoiceId, customerId, currency } = current.issued;
  const { events, invoice } = invoiceAsOf(current, payment.paymentDate, policy);
  const toSettle = amountToSettle(invoice, payment.paymentDate);
  if (payment.amount > toSettle) {
    throw new RuleViolation(
      'OVER_ALLOCATION',
      `${formatMoney(payment.amount, currency)} allocated to invoice ${invoiceId}, which needs only ${formatMoney(toSettle, currency)} to settle on ${payment.paymentDate}`,
      'amount',
    );
  }
  const toPenalty = Math.min(payment.amount, invoice.penaltyOpen);
  const toInterest = Math.min(payment.amount - toPenalty, invoice.interestOpen);
  const toPrincipal = payment.amount - toPenalty - toInterest;
  events.push({
    type: 'PaymentAllocated',
    data: {
      invoiceId,
      customerId,
      currency,
      paymentId: payment.paymentId,
      amount: payment.amount,
      toPenalty,
      toInterest,
      toPrincipal,
      paymentDate: payment.paymentDate,
    },
  });
  const discount = discountAvailable(invoice, payment.paymentDate);
  const settles = payment.amount === toSettle;
  if (settles && discount > 0) {
    events.push({
      type: 'DiscountTaken',
      data: { invoiceId, customerId, currency, amount: discount, paymentDate: payment.paymentDate },
    });
  }
  if (settles) {
    // Under a plan, the last instalment's date, or the working day after it when it is not worked.
    const dueDate = finalDueDate(invoice, payableBy(invoice, policy));
    events.push({
      type: 'InvoicePaid',
      data: {
        invoiceId,
        customerId,
        currency,
        paidDate: payment.paymentDate,
        dueDate,
        daysLate: daysBetween(dueDate, payment.paymentDate),
      },
    });
  }
  return events;
}

/** A credit note lowers the principal from its own date, after that day's overdue assessment. */
function creditNoteOnItsDay(
  current: Invoice,
  note: { creditNoteId: string; amount: number; reason: string; issueDate: IsoDate },
  policy: OverduePolicy,
): InvoiceEvent[] {
  const { events, invoice } = invoiceAsOf(current, note.issueDate, policy);
  if (note.amount > invoice.principalOpen) {
    throw new RuleViolation(
      'CREDIT_EXCEEDS_OPEN_AMOUNT',
      `credit note of ${formatMoney(note.amount, invoice.issued.currency)} exceeds the unpaid principal of ${formatMoney(invoice.principalOpen, invoice.issued.currency)}`,
      'amount',
    );
  }
  const { invoiceId, customerId, currency } = invoice.issued;
  events.push({ type: 'CreditNoteIssued', data: { invoiceId, customerId, currency, ...note } });
  if (totalOpen(invoice) === note.amount) {
    events.push({
      type: 'InvoiceFullyCredited',
      data: { invoiceId, customerId, creditNoteId: note.creditNoteId },
    });
  }
  return events;
}

/** A payment, credit note or instalment plan applied on its own day (what value dating replays). */
export function onItsDay(policy: OverduePolicy): ApplyOnTime {
  return (invoice, fact, recording) => {
    switch (fact.kind) {
      case 'PAYMENT':
        return paymentOnItsDay(
          invoice,
          { paymentId: fact.id, amount: fact.amount, paymentDate: fact.date },
          policy,
        );
      case 'CREDIT_NOTE':
        return creditNoteOnItsDay(
          invoice,
          { creditNoteId: fact.id, amount: fact.amount, reason: fact.reason, issueDate: fact.date },
          policy,
        );
      case 'PLAN': {
        const { id, date, instalments, fees, feeWaiver, guarantee } = fact;
        return applyInstalmentPlan(
          invoice,
          { planId: id, date, instalments, fees, feeWaiver, guarantee },
          policy,
          recording ? 'AGREED' : 'REPLAYED',
        );
      }
    }
  };
}

/**
 * The day money counts from on an invoice: the day it arrived, or the invoice's issue date for
 * money that arrived before the invoice existed (an advance): it cannot have paid the invoice
 * before there was one.
 */
export function valueDateOn(invoice: Invoice, received: IsoDate): IsoDate {
  return received < invoice.issued.issueDate ? invoice.issued.issueDate : received;
}

function allocatePayment(
  state: InvoiceState,
  payment: { paymentId: string; amount: number; currency: string; paymentDate: IsoDate },
  policy: OverduePolicy,
): InvoiceEvent[] {
  const recorded = issuedInvoice(state, 'take a payment');
  if (recorded.status === 'PAID' && recorded.paymentIds.includes(payment.paymentId)) return [];
  const date = valueDateOn(recorded, payment.paymentDate);
  // A paid invoice takes only money dated before it was paid, or before a plan that waived fees
  // (`takesPaymentWhenPaid`).
  const current = takesPaymentWhenPaid(recorded, date) ? recorded : openInvoice(state, 'take a payment');
  if (current.paymentIds.includes(payment.paymentId)) return [];
  const { invoiceId, currency } = current.issued;
  if (payment.currency !== currency) {
    throw new RuleViolation(
      'CURRENCY_MISMATCH',
      `payment in ${payment.currency} cannot clear invoice ${invoiceId} in ${currency}`,
      'currency',
    );
  }
  return recordDatedFact(
    current,
    { kind: 'PAYMENT', id: payment.paymentId, date, amount: payment.amount, currency },
    policy,
    onItsDay(policy),
  );
}

function issueCreditNote(
  state: InvoiceState,
  note: { creditNoteId: string; amount: number; reason: string; issueDate: IsoDate },
  policy: OverduePolicy,
): InvoiceEvent[] {
  const known = isIssued(state) ? state.creditNotes[note.creditNoteId] : undefined;
  if (known && isIssued(state)) {
    // The same credit note again (a retry) changes nothing; its id with other facts is refused.
    const { creditNoteId: _id, ...facts } = note;
    if (sameFacts(known, facts)) return [];
    throw new StateConflict(
      'CREDIT_NOTE_ALREADY_ISSUED',
      `credit note ${note.creditNoteId} was already issued with other details (${formatMoney(known.amount, state.issued.currency)}, "${known.reason}", ${known.issueDate})`,
      'creditNoteId',
    );
  }
  const invoice = openInvoice(state, 'issue a credit note');
  return recordDatedFact(
    invoice,
    {
      kind: 'CREDIT_NOTE',
      id: note.creditNoteId,
      date: note.issueDate,
      amount: note.amount,
      reason: note.reason,
    },
    policy,
    onItsDay(policy),
  );
}

/** A plan replaces the due date with instalments (`instalment-plan.ts`); refused with what is open when it does not cover it. */
function applyPlan(state: InvoiceState, plan: PlanTerms, policy: OverduePolicy): InvoiceEvent[] {
  const invoice = openInvoice(state, 'apply an instalment plan');
  // The same plan again (a retry, a redelivered agreement) changes nothing; its id with other
  // terms is refused (compared with what was agreed, not with what value dating revised since).
  if (invoice.plans[plan.planId]) {
    const agreed = invoice.facts.find(
      (f): f is Extract<DatedFact, { kind: 'PLAN' }> => f.kind === 'PLAN' && f.id === plan.planId,
    );
    const terms = (p: Pick<PlanTerms, 'date' | 'instalments' | 'fees' | 'guarantee'>) => ({
      date: p.date,
      instalments: p.instalments.map(({ dueDate, amount }) => ({ dueDate, amount })),
      fees: p.fees,
      guarantee: p.guarantee,
    });
    if (!agreed || sameFacts(terms(agreed), terms(plan))) return [];
    throw new StateConflict(
      'PLAN_ALREADY_APPLIED',
      `instalment plan ${plan.planId} was already applied as agreed on ${agreed.date} with other terms`,
      'planId',
    );
  }
  checkPlanTerms(plan);
  // Placed among the facts by its agreement date, like a payment by its value date.
  const { planId, date, instalments, fees, feeWaiver, guarantee } = plan;
  return recordDatedFact(
    invoice,
    { kind: 'PLAN', id: planId, date, instalments, fees, feeWaiver, guarantee },
    policy,
    onItsDay(policy),
  );
}

/**
 * A plan agreed in collections that the invoice cannot take (#14 item 1): collections checks a
 * plan against what it has heard, and invoicing may count otherwise (fees charged it had not yet
 * heard of, a payment meanwhile). The refusal is a fact, with the reason and what is open on the
 * agreement date, so the case hears it and goes on; the invoice keeps its own due dates.
 */
function planRefused(
  invoice: Invoice,
  plan: PlanTerms,
  refusal: RuleViolation | StateConflict,
  policy: OverduePolicy,
): InvoiceEvent {
  const asOf = invoiceAsOf(invoice, plan.date, policy).invoice;
  const { invoiceId, customerId, currency } = invoice.issued;
  return {
    type: 'InstalmentPlanRefused',
    data: {
      invoiceId,
      customerId,
      currency,
      planId: plan.planId,
      agreedDate: plan.date,
      code: refusal.code,
      reason: refusal.message,
      planned: plan.instalments.reduce((sum, i) => sum + i.amount, 0),
      fees: plan.fees,
      open: {
        principal: asOf.principalOpen,
        interest: asOf.interestOpen,
        penalty: asOf.penaltyOpen,
        total: totalOpen(asOf),
      },
    },
  };
}

/** The invoice's rules (DOMAIN.md §3). `policy` is the tenant's overdue configuration. */
export function invoiceDecider(
  policy: OverduePolicy = DEFAULT_OVERDUE_POLICY,
): Decider<InvoiceCommand, InvoiceEvent, InvoiceState> {
  return {
    initialState: initialInvoiceState,
    evolve: evolveInvoice,
    decide(command, state) {
      switch (command.type) {
        case 'IssueInvoice':
          return issue(state, command.data);
        case 'AssessOverdue':
          return isIssued(state) ? assessOverdue(state, command.data.asOf, policy) : [];
        case 'AllocatePayment':
          return allocatePayment(state, command.data, policy);
        case 'ApplyInstalmentPlan':
          return applyPlan(state, command.data, policy);
        case 'ApplyAgreedInstalmentPlan': {
          const invoice = issuedInvoice(state, 'apply an instalment plan');
          // Heard again (a redelivered agreement): applied or refused once.
          if (invoice.planId === command.data.planId || invoice.plansRefused?.includes(command.data.planId))
            return [];
          try {
            return applyPlan(state, command.data, policy);
          } catch (error) {
            if (!(error instanceof RuleViolation || error instanceof StateConflict)) throw error;
            return [planRefused(invoice, command.data, error, policy)];
          }
        }
        case 'IssueCreditNote':
          return issueCreditNote(state, command.data, policy);
        case 'DisputeInvoice': {
          const invoice = openInvoice(state, 'dispute it');
          if (invoice.disputed) return [];
          const { invoiceId, customerId } = invoice.issued;
          return [
            {
              type: 'InvoiceDisputed',
              data: { invoiceId, customerId, reason: command.data.reason, disputedDate: command.data.date },
            },
          ];
        }
        case 'ResolveDispute': {
          const invoice = issuedInvoice(state, 'resolve a dispute');
          if (!invoice.disputed) {
            throw new StateConflict('INVOICE_NOT_DISPUTED', 'the invoice is not in dispute', 'invoiceId');
          }
          const { invoiceId, customerId } = invoice.issued;
          return [
            {
              type: 'InvoiceDisputeResolved',
              data: {
                invoiceId,
                customerId,
                resolution: command.data.resolution,
                resolvedDate: command.data.date,
              },
            },
          ];
        }
        case 'WriteOffInvoice': {
          const { reason, date } = command.data;
          if (isIssued(state) && state.writtenOff && sameFacts(state.writtenOff, { reason, date })) return [];
          // What is owed on the write-off's own date: the clock's days since it last ran (a weekend) first.
          const { events, invoice } = invoiceAsOf(openInvoice(state, 'write it off'), date, policy);
          const { invoiceId, customerId, currency } = invoice.issued;
          return [
            ...events,
            {
              type: 'InvoiceWrittenOff',
              data: {
                invoiceId,
                customerId,
                currency,
                principal: invoice.principalOpen,
                fees: invoice.interestOpen + invoice.penaltyOpen,
                reason: command.data.reason,
                writtenOffDate: command.data.date,
              },
            },
          ];
        }
        case 'AssignToFactor': {
          const invoice = openInvoice(state, 'assign it to a factor');
          const { factorId, withRecourse, date } = command.data;
          if (invoice.factor?.factorId === factorId) return [];
          if (invoice.factor) {
            throw new StateConflict(
              'ALREADY_ASSIGNED',
              `invoice already assigned to factor ${invoice.factor.factorId}`,
              'factorId',
            );
          }
          // Only a good receivable is assigned: not disputed, not overdue.
          if (invoice.disputed) {
            throw new RuleViolation('INVOICE_DISPUTED', 'a disputed invoice cannot be assigned', 'invoiceId');
          }
          const overdue = invoiceAsOf(invoice, date, policy).events.some((e) => e.type === 'PaymentOverdue');
          if (overdue || invoice.overdueThresholdsReached.length > 0) {
            throw new RuleViolation('INVOICE_OVERDUE', 'an overdue invoice cannot be assigned', 'invoiceId');
          }
          const { invoiceId, customerId } = invoice.issued;
          return [
            {
              type: 'InvoiceAssignedToFactor',
              data: { invoiceId, customerId, factorId, withRecourse, assignedDate: date },
            },
          ];
        }
        case 'RecordFactorAdvance': {
          const invoice = openInvoice(state, 'record a factor advance');
          const { factorId, amount, date } = command.data;
          if (invoice.factor?.factorId !== factorId) {
            throw new RuleViolation(
              'NOT_ASSIGNED_TO_FACTOR',
              `invoice is not assigned to factor ${factorId}`,
              'factorId',
            );
          }
          if (invoice.factor.advanced + amount > invoice.principalOpen) {
            throw new RuleViolation(
              'ADVANCE_EXCEEDS_RECEIVABLE',
              `advances would total ${formatMoney(invoice.factor.advanced + amount, invoice.issued.currency)}, above the unpaid ${formatMoney(invoice.principalOpen, invoice.issued.currency)}`,
              'amount',
            );
          }
          const { invoiceId, customerId, currency } = invoice.issued;
          return [
            {
              type: 'FactorAdvanceReceived',
              data: { invoiceId, customerId, factorId, currency, amount, receivedDate: date },
            },
          ];
        }
      }
    },
  };
}
