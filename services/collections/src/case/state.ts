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
  LateFeeTermsV1,
  MessageBlockedV1,
  MessageKind,
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
  amount: number;
  currency: string;
  dueDate: IsoDate;
  lateFeeTerms: LateFeeTermsV1 | undefined;
}

export type CaseEvent =
  | DomainEvent<'InvoiceTracked', TrackedInvoice>
  | DomainEvent<
      'InvoicePaymentNoted',
      { amount: number; toPrincipal: number; date: IsoDate; paidInFull: boolean }
    >
  | DomainEvent<
      'InvoicePaymentReallocated',
      { paymentId: string; toPrincipal: number; previousToPrincipal: number; date: IsoDate }
    >
  | DomainEvent<'InvoiceDisputeNoted', { disputed: boolean; date: IsoDate }>
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

export interface Promise_ {
  promiseId: string;
  date: IsoDate;
  amount: number;
  paidBefore: number;
  status: 'OPEN' | 'KEPT' | 'BROKEN';
}

export interface DunningFile {
  status: 'TRACKING' | 'OPEN' | 'CLOSED' | 'SETTLED';
  invoice: TrackedInvoice;
  paid: number;
  principalPaid: number;
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
export const isTracked = (s: CaseState): s is DunningFile => s.status !== 'NONE';

export function evolveCase(state: CaseState, event: CaseEvent): CaseState {
  if (event.type === 'InvoiceTracked') {
    return {
      status: 'TRACKING',
      invoice: event.data,
      paid: 0,
      principalPaid: 0,
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
        partialPayments: state.partialPayments + (event.data.paidInFull ? 0 : 1),
        status: event.data.paidInFull && state.status === 'TRACKING' ? 'SETTLED' : state.status,
      };
    }
    case 'InvoicePaymentReallocated':
      return {
        ...state,
        principalPaid: state.principalPaid + event.data.toPrincipal - event.data.previousToPrincipal,
      };
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
    case 'CaseEscalationWithdrawn':
      return {
        ...state,
        rungsReached: state.rungsReached.filter((r) => r !== event.data.rung),
        rungsWithdrawn: [...state.rungsWithdrawn, event.data.rung],
      };
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
      return { ...state, status: 'CLOSED' };
    default:
      return state;
  }
}
