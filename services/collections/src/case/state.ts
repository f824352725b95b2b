import type {
  CaseClosedV1,
  CaseEscalatedV1,
  CaseEscalationWithdrawnV1,
  CaseOpenedV1,
  CollectionActionRecordedV1,
  CreditFreezeLiftRequestedV1,
  CreditFreezeRequestedV1,
  CreditTier,
  DebtorType,
  InstalmentPlanAgreedV1,
  InstalmentPlanBrokenV1,
  LateFeeTermsV1,
  MessageBlockedV1,
  MessageKind,
  PlanFees,
  PlanGuaranteeV1,
  PromiseBrokenV1,
  PromiseKeptV1,
  PromiseRecordedV1,
  ReminderSentV1,
  StrategyChosenV1,
} from '@ar/contracts';
import type { DomainEvent, IsoDate } from '@ar/kernel';

/** What collections knows of the invoice behind a case (from invoicing's events). */
export interface TrackedInvoice {
  invoiceId: string;
  customerId: string;
  customerName: string;
  /** The contract the invoice was issued under, when invoicing names one: the formal letters name it. */
  contractId?: string | undefined;
  amount: number;
  currency: string;
  dueDate: IsoDate;
  lateFeeTerms: LateFeeTermsV1 | undefined;
  /** A prepayment invoice (款到发货): money asked before shipping, no credit - nothing to collect. */
  prepayment?: true | undefined;
}

export type CaseEvent =
  | DomainEvent<'InvoiceTracked', TrackedInvoice>
  | DomainEvent<
      'InvoicePaymentNoted',
      { amount: number; toPrincipal: number; date: IsoDate; paidInFull: boolean }
    >
  | DomainEvent<
      'InvoicePaymentReallocated',
      {
        paymentId: string;
        toPrincipal: number;
        previousToPrincipal: number;
        date: IsoDate;
        released?: number;
      }
    >
  | DomainEvent<'InvoiceDisputeNoted', { disputed: boolean; date: IsoDate }>
  | DomainEvent<'InvoiceCreditNoted', { creditNoteId: string; amount: number; date: IsoDate }>
  | DomainEvent<
      'InvoiceFeesNoted',
      {
        change: number;
        reason: 'CHARGED' | 'REVERSED' | 'WAIVED';
        date: IsoDate;
        kind?: 'INTEREST' | 'PENALTY';
      }
    >
  | DomainEvent<'InstalmentPlanNoted', PlanNoted & { caseId: string; invoiceId: string; customerId: string }>
  /**
   * Invoicing revised the plan by value dating (`InstalmentPlanRevised`): a payment or credit note
   * dated before it, recorded after it, left less open on its agreement date. The case owes the
   * revised instalments (none: the plan is void); waived fees become those really open.
   */
  | DomainEvent<
      'InstalmentPlanRevisionNoted',
      {
        caseId: string;
        invoiceId: string;
        customerId: string;
        planId: string;
        instalments: { dueDate: IsoDate; amount: number }[];
        fees: PlanFeesNoted;
        previousFees: PlanFeesNoted;
        /** The value date of the fact that revised it. */
        valueDate: IsoDate;
        date: IsoDate;
      }
    >
  | DomainEvent<'InstalmentPlanBroken', InstalmentPlanBrokenV1>
  /**
   * Invoicing refused a plan agreed on the case (`InstalmentPlanRefused`: it counts otherwise -
   * fees the case had not heard of yet, the invoice settled meanwhile): why, and what it counts
   * open. The case never went under that plan; it goes on being chased on its own due date.
   */
  | DomainEvent<
      'InstalmentPlanRefusedNoted',
      PlanRefusal & { caseId: string; invoiceId: string; customerId: string; date: IsoDate }
    >
  /**
   * The customer caught up in time (#14 item 2): every instalment payable so far paid before the
   * case reached the freeze rung after the missed one - the plan resumes as agreed.
   */
  | DomainEvent<
      'InstalmentPlanResumed',
      {
        caseId: string;
        invoiceId: string;
        customerId: string;
        planId: string;
        /** The missed instalment. */
        dueDate: IsoDate;
        /** The value date of the payment or credit note that cleared the arrears. */
        caughtUpOn: IsoDate;
        reason: string;
        date: IsoDate;
      }
    >
  /** Value dating: the instalment was paid on time after all; the case is under the plan again. */
  | DomainEvent<
      'InstalmentPlanBrokenWithdrawn',
      {
        caseId: string;
        invoiceId: string;
        customerId: string;
        planId: string;
        dueDate: IsoDate;
        reason: string;
        valueDate: IsoDate;
        date: IsoDate;
      }
    >
  | DomainEvent<
      'InvoiceSettledElsewhere',
      { outcome: 'WRITTEN_OFF' | 'CREDITED' | 'PLAN_AGREED'; date: IsoDate }
    >
  | DomainEvent<'CaseOpened', CaseOpenedV1>
  | DomainEvent<'ReminderSent', ReminderSentV1>
  | DomainEvent<'MessageBlocked', MessageBlockedV1>
  | DomainEvent<'CaseEscalated', CaseEscalatedV1>
  | DomainEvent<'StrategyChosen', StrategyChosenV1>
  | DomainEvent<'CreditFreezeRequested', CreditFreezeRequestedV1>
  | DomainEvent<'PromiseRecorded', PromiseRecordedV1>
  | DomainEvent<'PromiseKept', PromiseKeptV1>
  | DomainEvent<'PromiseBroken', PromiseBrokenV1>
  | DomainEvent<'InstalmentPlanAgreed', InstalmentPlanAgreedV1>
  | DomainEvent<'CollectionActionRecorded', CollectionActionRecordedV1>
  | DomainEvent<'DebtorTypeSet', { debtorType: DebtorType; by: string; reason: string; date: IsoDate }>
  | DomainEvent<'CaseClosed', CaseClosedV1>
  | DomainEvent<'CaseEscalationWithdrawn', CaseEscalationWithdrawnV1>
  | DomainEvent<'CreditFreezeLiftRequested', CreditFreezeLiftRequestedV1>;

/** The fees open on a plan's agreement date: included in its instalments, or waived. */
export interface PlanFeesNoted {
  mode: PlanFees;
  interest: number;
  penalty: number;
}

/** An instalment plan invoicing applied: what the customer pays on each date. */
export interface PlanNoted {
  planId: string;
  /** The business date it was agreed. */
  agreedDate: IsoDate;
  instalments: { dueDate: IsoDate; amount: number }[];
  guarantee?: PlanGuaranteeV1 | undefined;
}

/** Why invoicing refused a plan agreed on the case, and what it counts open on the agreement date. */
export interface PlanRefusal {
  planId: string;
  code: string;
  reason: string;
  planned: number;
  fees: PlanFees;
  open: { principal: number; interest: number; penalty: number; total: number };
  agreedDate: IsoDate;
}

/** The plan the case is under, with what was paid or credited since it (by value date). */
export interface CasePlan extends PlanNoted {
  received: { date: IsoDate; amount: number }[];
  /** Whether the case's freeze request stood when the plan was noted (a withdrawn break does not lift it). */
  freezeRequestedBefore: boolean;
  /** The rungs reached before the plan (the case's clock starts again under it): value dating may still withdraw them. */
  rungsBefore: number[];
  /** The instalment missed, once the plan is broken: the case's clock runs from its date. */
  broken: { dueDate: IsoDate; detectedDate: IsoDate } | undefined;
  /** The latest catch-up that resumed the plan: instalments up to `dueDate` count as met by `caughtUpOn`. */
  resumed?: { dueDate: IsoDate; caughtUpOn: IsoDate } | undefined;
}

export interface Promise_ {
  promiseId: string;
  date: IsoDate;
  amount: number;
  paidBefore: number;
  status: 'OPEN' | 'KEPT' | 'BROKEN';
}

export interface DunningFile {
  status: 'TRACKING' | 'OPEN' | 'CLOSED' | 'SETTLED';
  /** Why it closed (the latest CaseClosed): a case closed as PAID may be found paid on time after all. */
  outcome?: CaseClosedV1['outcome'];
  invoice: TrackedInvoice;
  paid: number;
  principalPaid: number;
  /** Credit notes issued against the invoice: they lower what is open as payments do. */
  credited: number;
  /** Each credit note's business date: a fully credited invoice's case closes on it. */
  creditNoteDates: Record<string, IsoDate>;
  /** Late fees open: charged, less reversed, waived and paid (a payment clears fees first). */
  feesOpen: number;
  /** The instalment plan the case is under, if any (a new plan replaces it). */
  plan: CasePlan | undefined;
  /** Plans agreed on the case that invoicing refused (noted once each). */
  plansRefused?: string[];
  /** Each plan agreed on the case, as agreed (`InstalmentPlanAgreed`): the same id again is a retry. */
  plansAgreed?: Record<string, InstalmentPlanAgreedV1>;
  partialPayments: number;
  disputed: boolean;
  messagesSent: { kind: MessageKind; date: IsoDate }[];
  deferred: { kind: MessageKind; until: IsoDate }[];
  rungsReached: number[];
  /** Rungs withdrawn by value dating: the day run does not reach them again on its own clock. */
  rungsWithdrawn: number[];
  /** Whether this case's credit-freeze request stands (requested and not withdrawn). */
  freezeRequested: boolean;
  promises: Promise_[];
  brokenPromises: number;
  debtorType: DebtorType | undefined;
  debtorTypeSetByPerson: boolean;
  tier: CreditTier | undefined;
  lastAction: CollectionActionRecordedV1 | undefined;
}

export type CaseState = { status: 'NONE' } | DunningFile;

/**
 * Money toward the plan's instalments: what is paid or credited from its agreement date on. A
 * payment dated before the plan, recorded after it, paid what was open before the plan (invoicing
 * replays it there and revises the plan), none of its instalments.
 */
function receivedUnderPlan(plan: CasePlan | undefined, date: IsoDate, amount: number): CasePlan | undefined {
  return plan && amount > 0 && date >= plan.agreedDate
    ? { ...plan, received: [...plan.received, { date, amount }] }
    : plan;
}

/** What is open on the invoice as far as the case knows: principal (after payments and credit notes) and fees. */
export function openOf(f: DunningFile): { principal: number; fees: number; total: number } {
  const principal = f.invoice.amount - f.principalPaid - f.credited;
  const fees = Math.max(0, f.feesOpen);
  return { principal, fees, total: principal + fees };
}
export const isTracked = (s: CaseState): s is DunningFile => s.status !== 'NONE';

export function evolveCase(state: CaseState, event: CaseEvent): CaseState {
  if (event.type === 'InvoiceTracked') {
    return {
      status: 'TRACKING',
      invoice: event.data,
      paid: 0,
      principalPaid: 0,
      credited: 0,
      creditNoteDates: {},
      feesOpen: 0,
      plan: undefined,
      partialPayments: 0,
      disputed: false,
      messagesSent: [],
      deferred: [],
      rungsReached: [],
      rungsWithdrawn: [],
      freezeRequested: false,
      promises: [],
      brokenPromises: 0,
      debtorType: undefined,
      debtorTypeSetByPerson: false,
      tier: undefined,
      lastAction: undefined,
    };
  }
  if (!isTracked(state)) return state;
  switch (event.type) {
    case 'InvoicePaymentNoted': {
      const paid = state.paid + event.data.amount;
      return {
        ...state,
        paid,
        principalPaid: state.principalPaid + event.data.toPrincipal,
        feesOpen: state.feesOpen - (event.data.amount - event.data.toPrincipal),
        plan: receivedUnderPlan(state.plan, event.data.date, event.data.amount),
        partialPayments: state.partialPayments + (event.data.paidInFull ? 0 : 1),
        status: event.data.paidInFull && state.status === 'TRACKING' ? 'SETTLED' : state.status,
      };
    }
    case 'InvoicePaymentReallocated':
      return {
        ...state,
        principalPaid: state.principalPaid + event.data.toPrincipal - event.data.previousToPrincipal,
        // More of the payment to principal is less of it to fees; what was released paid no fee.
        feesOpen:
          state.feesOpen +
          event.data.toPrincipal -
          event.data.previousToPrincipal +
          (event.data.released ?? 0),
      };
    case 'InvoiceCreditNoted':
      return {
        ...state,
        credited: state.credited + event.data.amount,
        creditNoteDates: { ...state.creditNoteDates, [event.data.creditNoteId]: event.data.date },
        plan: receivedUnderPlan(state.plan, event.data.date, event.data.amount),
      };
    case 'InvoiceFeesNoted':
      return { ...state, feesOpen: state.feesOpen + event.data.change };
    case 'InstalmentPlanNoted':
      // The case's clock starts again under the plan: rungs and messages before it stay in the
      // history; a broken plan is chased from the missed instalment, rung by rung.
      return {
        ...state,
        plan: {
          planId: event.data.planId,
          agreedDate: event.data.agreedDate,
          instalments: event.data.instalments,
          guarantee: event.data.guarantee,
          received: [],
          freezeRequestedBefore: state.freezeRequested,
          rungsBefore: [...new Set([...(state.plan?.rungsBefore ?? []), ...state.rungsReached])],
          broken: undefined,
        },
        rungsReached: [],
        rungsWithdrawn: [],
        messagesSent: [],
        deferred: [],
      };
    case 'InstalmentPlanAgreed':
      return { ...state, plansAgreed: { ...state.plansAgreed, [event.data.planId]: event.data } };
    case 'InstalmentPlanRefusedNoted':
      return { ...state, plansRefused: [...(state.plansRefused ?? []), event.data.planId] };
    case 'InstalmentPlanRevisionNoted': {
      // Waived fees become those really open: what was waived too much is owed again (as invoicing counts it).
      const { planId, instalments, fees, previousFees } = event.data;
      const waived = fees.mode === 'WAIVED';
      const feesOpen =
        state.feesOpen +
        (waived ? previousFees.interest + previousFees.penalty - (fees.interest + fees.penalty) : 0);
      if (state.plan?.planId !== planId) return { ...state, feesOpen };
      return {
        ...state,
        feesOpen,
        // An empty revision: the invoice was settled before the plan was agreed, which is void.
        plan: instalments.length === 0 ? undefined : { ...state.plan, instalments },
      };
    }
    case 'InstalmentPlanBroken':
      return state.plan
        ? {
            ...state,
            plan: {
              ...state.plan,
              broken: { dueDate: event.data.dueDate, detectedDate: event.data.detectedDate },
            },
          }
        : state;
    case 'InstalmentPlanResumed':
      // Back under the plan: the escalations of the break stand in the history; a later miss is
      // chased from its own date, rung by rung from the first.
      return state.plan
        ? {
            ...state,
            plan: {
              ...state.plan,
              broken: undefined,
              resumed: { dueDate: event.data.dueDate, caughtUpOn: event.data.caughtUpOn },
            },
            rungsReached: [],
            rungsWithdrawn: [],
          }
        : state;
    case 'InstalmentPlanBrokenWithdrawn':
      // Back under the plan, unbroken: the rungs withdrawn may be reached again if an instalment is missed.
      return state.plan
        ? { ...state, plan: { ...state.plan, broken: undefined }, rungsReached: [], rungsWithdrawn: [] }
        : state;
    case 'InvoiceDisputeNoted':
      return { ...state, disputed: event.data.disputed };
    case 'InvoiceSettledElsewhere':
      return state.status === 'TRACKING' ? { ...state, status: 'SETTLED' } : state;
    case 'CaseOpened':
      return { ...state, status: 'OPEN' };
    case 'ReminderSent':
      return {
        ...state,
        messagesSent: [...state.messagesSent, { kind: event.data.kind, date: event.data.sentDate }],
        deferred: state.deferred.filter((d) => d.kind !== event.data.kind),
      };
    case 'MessageBlocked':
      return event.data.outcome === 'DEFERRED'
        ? {
            ...state,
            deferred: [
              ...state.deferred.filter((d) => d.kind !== event.data.kind),
              { kind: event.data.kind, until: event.data.deferredTo! },
            ],
          }
        : // A blocked message is not retried: its template needs a person's fix.
          { ...state, messagesSent: [...state.messagesSent, { kind: event.data.kind, date: '0000-00-00' }] };
    case 'CaseEscalated':
      return { ...state, rungsReached: [...state.rungsReached, event.data.rung] };
    case 'CaseEscalationWithdrawn': {
      const { rung } = event.data;
      // A rung reached before the plan, withdrawn: the day run under the plan may still reach it.
      if (!state.rungsReached.includes(rung) && state.plan?.rungsBefore.includes(rung)) {
        return {
          ...state,
          plan: { ...state.plan, rungsBefore: state.plan.rungsBefore.filter((r) => r !== rung) },
        };
      }
      return {
        ...state,
        rungsReached: state.rungsReached.filter((r) => r !== rung),
        rungsWithdrawn: [...state.rungsWithdrawn, rung],
      };
    }
    case 'CreditFreezeRequested':
      return { ...state, freezeRequested: true };
    case 'CreditFreezeLiftRequested':
      return { ...state, freezeRequested: false };
    case 'StrategyChosen':
      return { ...state, debtorType: event.data.debtorType };
    case 'DebtorTypeSet':
      return { ...state, debtorType: event.data.debtorType, debtorTypeSetByPerson: true };
    case 'PromiseRecorded':
      return {
        ...state,
        promises: [
          ...state.promises,
          {
            promiseId: event.data.promiseId,
            date: event.data.promisedDate,
            amount: event.data.promisedAmount,
            paidBefore: state.paid,
            status: 'OPEN',
          },
        ],
      };
    case 'PromiseKept':
    case 'PromiseBroken': {
      const status = event.type === 'PromiseKept' ? 'KEPT' : 'BROKEN';
      return {
        ...state,
        brokenPromises: state.brokenPromises + (status === 'BROKEN' ? 1 : 0),
        promises: state.promises.map((p) => (p.promiseId === event.data.promiseId ? { ...p, status } : p)),
      };
    }
    case 'CollectionActionRecorded':
      return { ...state, lastAction: event.data };
    case 'CaseClosed':
      return { ...state, status: 'CLOSED', outcome: event.data.outcome };
    default:
      return state;
  }
}
