import type {
  CreditNoteIssuedV1,
  DiscountTakenV1,
  FactorAdvanceReceivedV1,
  FeeWaiverV1,
  InstalmentPlanAppliedV1,
  InstalmentPlanRefusedV1,
  InstalmentPlanRevisedV1,
  InstalmentV1,
  InvoiceAssignedToFactorV1,
  InvoiceDisputedV1,
  InvoiceDisputeResolvedV1,
  InvoiceFullyCreditedV1,
  InvoiceIssuedV1,
  InvoicePaidV1,
  InvoiceWrittenOffV1,
  LateFeeChargedV1,
  LateFeeReversedV1,
  LateFeesWaivedV1,
  PaymentAllocatedV1,
  PaymentOverdueV1,
  PaymentOverdueWithdrawnV1,
  PaymentReallocatedV1,
  PlanFees,
  PlanGuaranteeV1,
} from '@ar/contracts';
import { AppendOnlyList, addDays, type DomainEvent, type IsoDate } from '@ar/kernel';

export type InvoiceEvent =
  | DomainEvent<'InvoiceIssued', InvoiceIssuedV1>
  | DomainEvent<'PaymentAllocated', PaymentAllocatedV1>
  | DomainEvent<'DiscountTaken', DiscountTakenV1>
  | DomainEvent<'InvoicePaid', InvoicePaidV1>
  | DomainEvent<'PaymentOverdue', PaymentOverdueV1>
  | DomainEvent<'LateFeeCharged', LateFeeChargedV1>
  | DomainEvent<'LateFeeReversed', LateFeeReversedV1>
  | DomainEvent<'PaymentOverdueWithdrawn', PaymentOverdueWithdrawnV1>
  | DomainEvent<'PaymentReallocated', PaymentReallocatedV1>
  | DomainEvent<'InstalmentPlanApplied', InstalmentPlanAppliedV1>
  | DomainEvent<'InstalmentPlanRevised', InstalmentPlanRevisedV1>
  | DomainEvent<'InstalmentPlanRefused', InstalmentPlanRefusedV1>
  | DomainEvent<'LateFeesWaived', LateFeesWaivedV1>
  | DomainEvent<'CreditNoteIssued', CreditNoteIssuedV1>
  | DomainEvent<'InvoiceFullyCredited', InvoiceFullyCreditedV1>
  | DomainEvent<'InvoiceDisputed', InvoiceDisputedV1>
  | DomainEvent<'InvoiceDisputeResolved', InvoiceDisputeResolvedV1>
  | DomainEvent<'InvoiceWrittenOff', InvoiceWrittenOffV1>
  | DomainEvent<'InvoiceAssignedToFactor', InvoiceAssignedToFactorV1>
  | DomainEvent<'FactorAdvanceReceived', FactorAdvanceReceivedV1>;
export type InvoiceIssued = Extract<InvoiceEvent, { type: 'InvoiceIssued' }>;

export type InvoiceStatus = 'OPEN' | 'PAID' | 'CREDITED' | 'WRITTEN_OFF';

/** A reduction of principal (payment, discount, credit note), effective from its date. */
interface PrincipalReduction {
  /** The payment or credit note it came from (`discount` for the early-payment discount). */
  source: string;
  date: IsoDate;
  amount: number;
}

/** A late fee charged and not reversed. */
export interface Charge {
  kind: 'INTEREST' | 'PENALTY';
  forDate: IsoDate;
  amount: number;
}

/** How one payment was split (art. 561: penalty, interest, principal). */
export interface Allocation {
  paymentId: string;
  date: IsoDate;
  amount: number;
  toPenalty: number;
  toInterest: number;
  toPrincipal: number;
}

/**
 * A fact that changes what is owed from its own date (its value date), in the order it was
 * recorded: value dating replays these in date order (`value-dating.ts`).
 */
export type DatedFact =
  | { kind: 'PAYMENT'; id: string; date: IsoDate; amount: number; currency: string }
  | { kind: 'CREDIT_NOTE'; id: string; date: IsoDate; amount: number; reason: string }
  | {
      /** An instalment plan as agreed, from its agreement date (what is open then is what it covers). */
      kind: 'PLAN';
      id: string;
      date: IsoDate;
      instalments: { dueDate: IsoDate; amount: number }[];
      fees: PlanFees;
      feeWaiver?: FeeWaiverV1 | undefined;
      guarantee?: PlanGuaranteeV1 | undefined;
    };

/**
 * The order facts are replayed in: by value date; on one date, a plan where it was recorded among
 * that day's facts (what was paid before it was agreed is part of what it covers), then credit
 * notes before payments (what a credit note takes off is no longer owed that day, so the payment
 * that brings the rest pays the invoice, whichever was recorded first); facts of one kind and
 * date in the order they were recorded (any order of these ends the same: their amounts add up).
 * The order of recording across payments and credit notes never decides, so a fact recorded late
 * ends the invoice as if recorded on time.
 */
export function inValueOrder(facts: DatedFact[]): DatedFact[] {
  const kindFirst = (f: DatedFact) => (f.kind === 'CREDIT_NOTE' ? 0 : 1);
  /** Around the plans of its date: 2k before the (k+1)th plan recorded that day, 2k-1 the kth plan. */
  const segment = (f: DatedFact, i: number) => {
    const plansBefore = facts.filter((g, j) => j < i && g.kind === 'PLAN' && g.date === f.date).length;
    return f.kind === 'PLAN' ? 2 * plansBefore + 1 : 2 * plansBefore;
  };
  return facts
    .map((f, i) => ({ f, i, seg: segment(f, i) }))
    .sort(
      (a, b) =>
        (a.f.date < b.f.date ? -1 : a.f.date > b.f.date ? 1 : 0) ||
        a.seg - b.seg ||
        kindFirst(a.f) - kindFirst(b.f) ||
        a.i - b.i,
    )
    .map(({ f }) => f);
}

export interface Invoice {
  status: InvoiceStatus;
  issued: InvoiceIssuedV1;
  /** When the principal falls due: the invoice's due date, or an instalment plan's dates. */
  schedule: InstalmentV1[];
  /** Reductions counted against the current schedule (a new plan starts from zero). */
  reductions: PrincipalReduction[];
  principalOpen: number;
  interestOpen: number;
  penaltyOpen: number;
  overdueThresholdsReached: number[];
  /** Each threshold reached under the current schedule and the day it was reached. */
  overdue: { threshold: number; overdueDate: IsoDate }[];
  /** Every threshold reached and not withdrawn, under every schedule (what value dating compares). */
  overdueAll: { threshold: number; overdueDate: IsoDate }[];
  /**
   * Fees charged and not reversed: one a day for an invoice overdue under a clause, so appended
   * without copying the days before (an invoice due years ago has thousands).
   */
  charges: AppendOnlyList<Charge>;
  /** How each payment was split. */
  allocations: Allocation[];
  /** Payments, credit notes and instalment plans since `epoch`, in the order they were recorded. */
  facts: DatedFact[];
  /**
   * The invoice as it stood when it was issued (or when a plan recorded without its agreement
   * date began): what value dating replays `facts` from. Absent inside an epoch itself.
   */
  epoch: Invoice | undefined;
  /** The last day the overdue clock (or a payment) brought the invoice up to. */
  assessedThrough: IsoDate | undefined;
  /** The last day whose interest has been charged. */
  interestChargedThrough: IsoDate | undefined;
  penaltyCharged: boolean;
  discountTaken: boolean;
  disputed: boolean;
  factor: { factorId: string; advanced: number } | undefined;
  paymentIds: string[];
  creditNoteIds: string[];
  /** Each credit note's facts by id: the same one again is a retry, another under its id a conflict. */
  creditNotes: Record<string, { amount: number; reason: string; issueDate: IsoDate }>;
  /** The day it was paid in full (the latest InvoicePaid). */
  paidDate?: IsoDate | undefined;
  /** Why and when it was written off, for the same reason: a retry. */
  writtenOff: { reason: string; date: IsoDate } | undefined;
  planId: string | undefined;
  /** Plans agreed in collections that this invoice refused (`InstalmentPlanRefused`): heard again, refused once. */
  plansRefused?: string[];
  /** The instalment plan in force, as applied or revised (what the customer pays on each date). */
  plan: InstalmentPlanAppliedV1 | undefined;
  /** Every plan applied, as applied or revised, by id. */
  plans: Record<string, InstalmentPlanAppliedV1>;
  /** Each plan's recorded fee waiver, by plan id. */
  waivers: Record<string, FeeWaiverV1>;
}

export type InvoiceState = { status: 'NONE' } | Invoice;

/**
 * The state's shape and evolveInvoice's rules, for snapshots: raise it whenever either changes
 * (a snapshot of another version is not read; the stream is folded again).
 */
export const INVOICE_STATE_VERSION = 1;

/**
 * A state back from its JSON (a snapshot). Every part of it is plain JSON (no Map, Set or Date)
 * but the fees, an array as JSON, so it comes back as it went; an absent field reads as the
 * `undefined` it was.
 */
export function reviveInvoice(json: unknown): InvoiceState {
  const state = json as InvoiceState;
  if (!isIssued(state)) return state;
  const revive = (invoice: Invoice): Invoice => ({
    ...invoice,
    charges: AppendOnlyList.from(invoice.charges as unknown as Charge[]),
  });
  return { ...revive(state), epoch: state.epoch && revive(state.epoch) };
}

export function isIssued(state: InvoiceState): state is Invoice {
  return state.status !== 'NONE';
}

export const initialInvoiceState = (): InvoiceState => ({ status: 'NONE' });

/**
 * Whether the fact `source` (or, for the discount, a reduction on `date`) counts against the plan
 * in force: it comes after the plan in value order. What was paid before the plan was agreed is
 * part of what the plan covers, not a payment of its instalments.
 */
function underCurrentPlan(invoice: Invoice, source: string, date: IsoDate): boolean {
  if (!invoice.plan) return true;
  const order = inValueOrder(invoice.facts);
  const plan = order.findLastIndex((f) => f.kind === 'PLAN' && f.id === invoice.planId);
  if (plan < 0) return true;
  const at = order.findIndex((f) => f.kind !== 'PLAN' && f.id === source);
  return at < 0 ? date >= order[plan]!.date : at > plan;
}

function reducePrincipal(invoice: Invoice, source: string, date: IsoDate, amount: number): Invoice {
  if (amount === 0) return invoice;
  return {
    ...invoice,
    principalOpen: invoice.principalOpen - amount,
    reductions: underCurrentPlan(invoice, source, date)
      ? [...invoice.reductions, { source, date, amount }]
      : invoice.reductions,
  };
}

/** The principal's schedule under a plan: an instalment that only covers fees has no principal to fall due. */
function scheduleOf(instalments: InstalmentPlanAppliedV1['instalments']): InstalmentV1[] {
  return (
    instalments
      .map((i) => ({ dueDate: i.dueDate, amount: i.principal ?? i.amount }))
      // (the last is kept: the final date)
      .filter((i, n, all) => i.amount > 0 || n === all.length - 1)
  );
}

const later = (a: IsoDate | undefined, b: IsoDate): IsoDate => (a && a > b ? a : b);

/** A new epoch starts from the invoice as it now stands, with nothing to replay yet. */
function startEpoch(invoice: Invoice): Invoice {
  const start = { ...invoice, facts: [], epoch: undefined };
  return { ...start, epoch: start };
}

export function evolveInvoice(state: InvoiceState, event: InvoiceEvent): InvoiceState {
  if (event.type === 'InvoiceIssued') {
    const issued = event.data;
    return startEpoch({
      status: 'OPEN',
      issued,
      schedule: [{ dueDate: issued.dueDate, amount: issued.amount }],
      reductions: [],
      principalOpen: issued.amount,
      interestOpen: 0,
      penaltyOpen: 0,
      overdueThresholdsReached: [],
      overdue: [],
      overdueAll: [],
      charges: AppendOnlyList.empty(),
      allocations: [],
      facts: [],
      epoch: undefined,
      assessedThrough: undefined,
      interestChargedThrough: undefined,
      penaltyCharged: false,
      discountTaken: false,
      disputed: false,
      factor: undefined,
      paymentIds: [],
      creditNoteIds: [],
      creditNotes: {},
      writtenOff: undefined,
      planId: undefined,
      plan: undefined,
      plans: {},
      waivers: {},
    });
  }
  if (!isIssued(state)) return state;
  switch (event.type) {
    case 'PaymentAllocated': {
      const { toPenalty, toInterest, toPrincipal, paymentDate, paymentId, amount, currency } = event.data;
      return reducePrincipal(
        {
          ...state,
          penaltyOpen: state.penaltyOpen - toPenalty,
          interestOpen: state.interestOpen - toInterest,
          paymentIds: [...state.paymentIds, paymentId],
          allocations: [
            ...state.allocations,
            { paymentId, date: paymentDate, amount, toPenalty, toInterest, toPrincipal },
          ],
          facts: [...state.facts, { kind: 'PAYMENT', id: paymentId, date: paymentDate, amount, currency }],
          assessedThrough: later(state.assessedThrough, paymentDate),
        },
        paymentId,
        paymentDate,
        toPrincipal,
      );
    }
    case 'PaymentReallocated': {
      const { paymentId, toPenalty, toInterest, toPrincipal, previous } = event.data;
      // Released (value dating: an earlier payment paid it): the payment is on the invoice for the rest only.
      const kept = event.data.amount - (event.data.released ?? 0);
      return {
        ...state,
        penaltyOpen: state.penaltyOpen + previous.toPenalty - toPenalty,
        interestOpen: state.interestOpen + previous.toInterest - toInterest,
        principalOpen: state.principalOpen + previous.toPrincipal - toPrincipal,
        allocations: state.allocations.map((a) =>
          a.paymentId === paymentId ? { ...a, amount: kept, toPenalty, toInterest, toPrincipal } : a,
        ),
        facts: event.data.released
          ? state.facts
              .map((f) => (f.kind === 'PAYMENT' && f.id === paymentId ? { ...f, amount: kept } : f))
              .filter((f) => f.kind !== 'PAYMENT' || f.amount > 0)
          : state.facts,
        reductions: [
          ...state.reductions.filter((r) => r.source !== paymentId),
          ...(toPrincipal > 0 && underCurrentPlan(state, paymentId, event.data.paymentDate)
            ? [{ source: paymentId, date: event.data.paymentDate, amount: toPrincipal }]
            : []),
        ],
      };
    }
    case 'DiscountTaken':
      return {
        ...reducePrincipal(state, 'discount', event.data.paymentDate, event.data.amount),
        discountTaken: true,
      };
    case 'InvoicePaid':
      // Paid again on an earlier day (value dating): the latest says when.
      return { ...state, status: 'PAID', paidDate: event.data.paidDate };
    case 'PaymentOverdue':
      return {
        ...state,
        overdueThresholdsReached: [...state.overdueThresholdsReached, event.data.threshold],
        overdue: [...state.overdue, { threshold: event.data.threshold, overdueDate: event.data.overdueDate }],
        overdueAll: [
          ...state.overdueAll,
          { threshold: event.data.threshold, overdueDate: event.data.overdueDate },
        ],
        assessedThrough: later(state.assessedThrough, event.data.overdueDate),
      };
    case 'PaymentOverdueWithdrawn': {
      const { threshold, overdueDate } = event.data;
      // A threshold of an earlier schedule withdrawn leaves the current schedule's as they are.
      const current = state.overdue.some((o) => o.threshold === threshold && o.overdueDate === overdueDate);
      return {
        ...state,
        overdueThresholdsReached: current
          ? state.overdueThresholdsReached.filter((t) => t !== threshold)
          : state.overdueThresholdsReached,
        overdue: state.overdue.filter((o) => o.threshold !== threshold || o.overdueDate !== overdueDate),
        overdueAll: state.overdueAll.filter(
          (o) => o.threshold !== threshold || o.overdueDate !== overdueDate,
        ),
      };
    }
    case 'LateFeeCharged': {
      const { kind, forDate, amount } = event.data;
      const charged = { ...state, charges: state.charges.append({ kind, forDate, amount }) };
      return kind === 'INTEREST'
        ? {
            ...charged,
            interestOpen: state.interestOpen + amount,
            // Never back: a reversed day that is charged again is re-charged by its own event.
            interestChargedThrough: later(state.interestChargedThrough, forDate),
            assessedThrough: later(state.assessedThrough, addDays(forDate, 1)),
          }
        : {
            ...charged,
            penaltyOpen: state.penaltyOpen + amount,
            penaltyCharged: true,
            assessedThrough: later(state.assessedThrough, forDate),
          };
    }
    case 'LateFeeReversed': {
      const { kind, forDate, amount } = event.data;
      const charges = AppendOnlyList.from(
        [...state.charges].filter((c) => c.kind !== kind || c.forDate !== forDate),
      );
      return kind === 'INTEREST'
        ? { ...state, charges, interestOpen: state.interestOpen - amount }
        : { ...state, charges, penaltyOpen: state.penaltyOpen - amount, penaltyCharged: false };
    }
    case 'InstalmentPlanApplied': {
      // The clock restarts on the new schedule of principal (fees open at the agreement are
      // cleared first, so an instalment's principal is what it leaves once they are covered);
      // a penalty already charged is not charged again. The plan is a fact from its agreement
      // date: a payment dated before it, recorded later, is replayed before it.
      const { planId, agreedDate } = event.data;
      const applied = {
        ...state,
        schedule: scheduleOf(event.data.instalments),
        reductions: [],
        overdueThresholdsReached: [],
        overdue: [],
        planId,
        plan: event.data,
        plans: { ...state.plans, [planId]: event.data },
      };
      // A plan recorded without its agreement date cannot be placed among the facts: it starts an epoch.
      if (!agreedDate) return startEpoch(applied);
      const agreed: DatedFact = {
        kind: 'PLAN',
        id: planId,
        date: agreedDate,
        instalments: event.data.instalments.map(({ dueDate, amount }) => ({ dueDate, amount })),
        fees: event.data.fees?.mode ?? 'INCLUDED',
        feeWaiver: state.waivers[planId],
        guarantee: event.data.guarantee,
      };
      return { ...applied, facts: [...state.facts, agreed] };
    }
    case 'InstalmentPlanRevised': {
      // Waived fees become those really open on the agreement date: what was waived too much is owed again.
      const { planId, instalments, fees, previous } = event.data;
      const waived = fees.mode === 'WAIVED';
      const revised = { ...state.plans[planId]!, instalments, fees };
      const current = state.planId === planId;
      return {
        ...state,
        interestOpen: state.interestOpen + (waived ? previous.fees.interest - fees.interest : 0),
        penaltyOpen: state.penaltyOpen + (waived ? previous.fees.penalty - fees.penalty : 0),
        plans: { ...state.plans, [planId]: revised },
        ...(current ? { plan: revised } : {}),
        // Revised to nothing (void: settled before it), the invoice is back on its own due date.
        ...(current
          ? {
              schedule:
                instalments.length > 0
                  ? scheduleOf(instalments)
                  : [{ dueDate: state.issued.dueDate, amount: state.issued.amount }],
            }
          : {}),
      };
    }
    case 'LateFeesWaived':
      // Waived, not reversed: the fees were due; a recorded decision forgoes them.
      return {
        ...state,
        interestOpen: state.interestOpen - event.data.interest,
        penaltyOpen: state.penaltyOpen - event.data.penalty,
        waivers: event.data.planId
          ? { ...state.waivers, [event.data.planId]: event.data.waiver }
          : state.waivers,
      };
    case 'CreditNoteIssued': {
      const { creditNoteId, issueDate, amount, reason } = event.data;
      return reducePrincipal(
        {
          ...state,
          creditNoteIds: [...state.creditNoteIds, creditNoteId],
          creditNotes: { ...state.creditNotes, [creditNoteId]: { amount, reason, issueDate } },
          facts: [...state.facts, { kind: 'CREDIT_NOTE', id: creditNoteId, date: issueDate, amount, reason }],
          assessedThrough: later(state.assessedThrough, issueDate),
        },
        creditNoteId,
        issueDate,
        amount,
      );
    }
    case 'InvoiceFullyCredited':
      return { ...state, status: 'CREDITED' };
    case 'InvoiceDisputed':
      return { ...state, disputed: true };
    case 'InvoiceDisputeResolved':
      return { ...state, disputed: false };
    case 'InvoiceWrittenOff':
      return {
        ...state,
        status: 'WRITTEN_OFF',
        writtenOff: { reason: event.data.reason, date: event.data.writtenOffDate },
      };
    case 'InvoiceAssignedToFactor':
      return { ...state, factor: { factorId: event.data.factorId, advanced: 0 } };
    case 'InstalmentPlanRefused':
      return { ...state, plansRefused: [...(state.plansRefused ?? []), event.data.planId] };
    case 'FactorAdvanceReceived':
      return state.factor
        ? { ...state, factor: { ...state.factor, advanced: state.factor.advanced + event.data.amount } }
        : state;
  }
}

/** Everything still owed: penalty, interest and principal. */
export function totalOpen(invoice: Invoice): number {
  return invoice.penaltyOpen + invoice.interestOpen + invoice.principalOpen;
}

function reducedBy(invoice: Invoice, day: IsoDate): number {
  return invoice.reductions.reduce((sum, r) => (r.date <= day ? sum + r.amount : sum), 0);
}

/**
 * The day an amount of the schedule due on `dueDate` is payable by: the date itself, or for an
 * instalment of a plan that falls on a weekend or holiday, the next working day (`overdue.ts`).
 */
export type PayableBy = (dueDate: IsoDate) => IsoDate;
const onTheDate: PayableBy = (dueDate) => dueDate;

/** Principal that was payable before `day` and was still unpaid at the end of `day`. */
export function overduePrincipal(invoice: Invoice, day: IsoDate, payableBy: PayableBy = onTheDate): number {
  const due = invoice.schedule.reduce((sum, i) => (payableBy(i.dueDate) < day ? sum + i.amount : sum), 0);
  return Math.max(0, due - reducedBy(invoice, day));
}

/** The day the earliest instalment not yet covered by reductions is payable by, if any. */
export function earliestUnpaidDueDate(
  invoice: Invoice,
  payableBy: PayableBy = onTheDate,
): IsoDate | undefined {
  const reduced = invoice.reductions.reduce((sum, r) => sum + r.amount, 0);
  let cumulative = 0;
  for (const instalment of invoice.schedule) {
    cumulative += instalment.amount;
    if (cumulative > reduced) return payableBy(instalment.dueDate);
  }
  return undefined;
}

/** When the whole principal is payable by: the last instalment's date. */
export function finalDueDate(invoice: Invoice, payableBy: PayableBy = onTheDate): IsoDate {
  return payableBy(invoice.schedule.at(-1)!.dueDate);
}
