import type {
  CreditNoteIssuedV1,
  DiscountTakenV1,
  FactorAdvanceReceivedV1,
  InstalmentPlanAppliedV1,
  InstalmentV1,
  InvoiceAssignedToFactorV1,
  InvoiceDisputedV1,
  InvoiceDisputeResolvedV1,
  InvoiceFullyCreditedV1,
  InvoiceIssuedV1,
  InvoicePaidV1,
  InvoiceWrittenOffV1,
  LateFeeChargedV1,
  PaymentAllocatedV1,
  PaymentOverdueV1,
} from '@ar/contracts';
import type { DomainEvent, IsoDate } from '@ar/kernel';

export type InvoiceEvent =
  | DomainEvent<'InvoiceIssued', InvoiceIssuedV1>
  | DomainEvent<'PaymentAllocated', PaymentAllocatedV1>
  | DomainEvent<'DiscountTaken', DiscountTakenV1>
  | DomainEvent<'InvoicePaid', InvoicePaidV1>
  | DomainEvent<'PaymentOverdue', PaymentOverdueV1>
  | DomainEvent<'LateFeeCharged', LateFeeChargedV1>
  | DomainEvent<'InstalmentPlanApplied', InstalmentPlanAppliedV1>
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
  date: IsoDate;
  amount: number;
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
  /** The last day whose interest has been charged. */
  interestChargedThrough: IsoDate | undefined;
  penaltyCharged: boolean;
  discountTaken: boolean;
  disputed: boolean;
  factor: { factorId: string; advanced: number } | undefined;
  paymentIds: string[];
  creditNoteIds: string[];
  planId: string | undefined;
}

export type InvoiceState = { status: 'NONE' } | Invoice;

export function isIssued(state: InvoiceState): state is Invoice {
  return state.status !== 'NONE';
}

export const initialInvoiceState = (): InvoiceState => ({ status: 'NONE' });

function reducePrincipal(invoice: Invoice, date: IsoDate, amount: number): Invoice {
  if (amount === 0) return invoice;
  return {
    ...invoice,
    principalOpen: invoice.principalOpen - amount,
    reductions: [...invoice.reductions, { date, amount }],
  };
}

export function evolveInvoice(state: InvoiceState, event: InvoiceEvent): InvoiceState {
  if (event.type === 'InvoiceIssued') {
    const issued = event.data;
    return {
      status: 'OPEN',
      issued,
      schedule: [{ dueDate: issued.dueDate, amount: issued.amount }],
      reductions: [],
      principalOpen: issued.amount,
      interestOpen: 0,
      penaltyOpen: 0,
      overdueThresholdsReached: [],
      interestChargedThrough: undefined,
      penaltyCharged: false,
      discountTaken: false,
      disputed: false,
      factor: undefined,
      paymentIds: [],
      creditNoteIds: [],
      planId: undefined,
    };
  }
  if (!isIssued(state)) return state;
  switch (event.type) {
    case 'PaymentAllocated': {
      const { toPenalty, toInterest, toPrincipal, paymentDate, paymentId } = event.data;
      return reducePrincipal(
        {
          ...state,
          penaltyOpen: state.penaltyOpen - toPenalty,
          interestOpen: state.interestOpen - toInterest,
          paymentIds: [...state.paymentIds, paymentId],
        },
        paymentDate,
        toPrincipal,
      );
    }
    case 'DiscountTaken':
      return { ...reducePrincipal(state, event.data.paymentDate, event.data.amount), discountTaken: true };
    case 'InvoicePaid':
      return { ...state, status: 'PAID' };
    case 'PaymentOverdue':
      return {
        ...state,
        overdueThresholdsReached: [...state.overdueThresholdsReached, event.data.threshold],
      };
    case 'LateFeeCharged':
      return event.data.kind === 'INTEREST'
        ? {
            ...state,
            interestOpen: state.interestOpen + event.data.amount,
            interestChargedThrough: event.data.forDate,
          }
        : { ...state, penaltyOpen: state.penaltyOpen + event.data.amount, penaltyCharged: true };
    case 'InstalmentPlanApplied':
      // The clock restarts on the new schedule; a penalty already charged is not charged again.
      return {
        ...state,
        schedule: event.data.instalments,
        reductions: [],
        overdueThresholdsReached: [],
        planId: event.data.planId,
      };
    case 'CreditNoteIssued':
      return {
        ...reducePrincipal(state, event.data.issueDate, event.data.amount),
        creditNoteIds: [...state.creditNoteIds, event.data.creditNoteId],
      };
    case 'InvoiceFullyCredited':
      return { ...state, status: 'CREDITED' };
    case 'InvoiceDisputed':
      return { ...state, disputed: true };
    case 'InvoiceDisputeResolved':
      return { ...state, disputed: false };
    case 'InvoiceWrittenOff':
      return { ...state, status: 'WRITTEN_OFF' };
    case 'InvoiceAssignedToFactor':
      return { ...state, factor: { factorId: event.data.factorId, advanced: 0 } };
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

/** Principal that fell due before `day` and was still unpaid at the end of `day`. */
export function overduePrincipal(invoice: Invoice, day: IsoDate): number {
  const due = invoice.schedule.reduce((sum, i) => (i.dueDate < day ? sum + i.amount : sum), 0);
  return Math.max(0, due - reducedBy(invoice, day));
}

/** The due date of the earliest instalment not yet covered by reductions, if any. */
export function earliestUnpaidDueDate(invoice: Invoice): IsoDate | undefined {
  const reduced = invoice.reductions.reduce((sum, r) => sum + r.amount, 0);
  let cumulative = 0;
  for (const instalment of invoice.schedule) {
    cumulative += instalment.amount;
    if (cumulative > reduced) return instalment.dueDate;
  }
  return undefined;
}

/** When the whole principal is due: the last instalment's date. */
export function finalDueDate(invoice: Invoice): IsoDate {
  return invoice.schedule.at(-1)!.dueDate;
}
