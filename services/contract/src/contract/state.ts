import type {
  ContractCompletedV1,
  ContractDraftedV1,
  ContractSignedV1,
  ContractTerminatedV1,
  ContractTermsTightenedV1,
  DeliverableRecordedV1,
  MilestoneInvoiceStatusV1,
  MilestoneReachedV1,
  MilestoneV1,
  ServiceResumedV1,
  ServiceSuspendedV1,
} from '@ar/contracts';
import type { DomainEvent, IsoDate } from '@ar/kernel';

export type ContractEvent =
  | DomainEvent<'ContractDrafted', ContractDraftedV1>
  | DomainEvent<'ContractSigned', ContractSignedV1>
  | DomainEvent<'DeliverableRecorded', DeliverableRecordedV1>
  | DomainEvent<'MilestoneReached', MilestoneReachedV1>
  | DomainEvent<'MilestoneInvoiceStatus', MilestoneInvoiceStatusV1>
  | DomainEvent<'ContractTermsTightened', ContractTermsTightenedV1>
  | DomainEvent<'ServiceSuspended', ServiceSuspendedV1>
  | DomainEvent<'ServiceResumed', ServiceResumedV1>
  | DomainEvent<'ContractCompleted', ContractCompletedV1>
  | DomainEvent<'ContractTerminated', ContractTerminatedV1>;

export interface MilestoneState extends MilestoneV1 {
  reachedDate: IsoDate | undefined;
  invoiceId: string | undefined;
  paid: boolean;
  /** When its invoice falls due (from the term, when the milestone was reached). */
  dueDate: IsoDate | undefined;
}

/** One application of the service-suspension clause: from when, why, and until when. */
export interface Suspension {
  milestoneId: string;
  invoiceId: string;
  suspendedDate: IsoDate;
  dueDate: IsoDate | undefined;
  reason: string | undefined;
  resumedDate: IsoDate | undefined;
  /** Resumed because the payment had arrived before the suspension took effect. */
  withdrawn: boolean;
}

export interface Contract {
  status: 'DRAFT' | 'SIGNED' | 'COMPLETED' | 'TERMINATED';
  drafted: ContractDraftedV1;
  milestones: MilestoneState[];
  signedDate: IsoDate | undefined;
  /** The term exception the signature named, by id (a signature records every one it names). */
  signedTermExceptionId: string | undefined;
  deliveredDate: IsoDate | undefined;
  acceptedDate: IsoDate | undefined;
  prepayment: boolean;
  suspended: boolean;
  suspensions: Suspension[];
  /** Why and when it was terminated: a termination sent again is told from another one. */
  terminated: { reason: string; date: IsoDate } | undefined;
}

export type ContractState = { status: 'NONE' } | Contract;
export const isDrafted = (s: ContractState): s is Contract => s.status !== 'NONE';

const updateMilestone = (c: Contract, id: string, change: Partial<MilestoneState>): Contract => ({
  ...c,
  milestones: c.milestones.map((m) => (m.milestoneId === id ? { ...m, ...change } : m)),
});

export function evolveContract(state: ContractState, event: ContractEvent): ContractState {
  if (event.type === 'ContractDrafted') {
    return {
      status: 'DRAFT',
      drafted: event.data,
      milestones: event.data.milestones.map((m) => ({
        ...m,
        reachedDate: undefined,
        invoiceId: undefined,
        paid: false,
        dueDate: undefined,
      })),
      signedDate: undefined,
      signedTermExceptionId: undefined,
      deliveredDate: undefined,
      acceptedDate: undefined,
      prepayment: event.data.clauses.prepayment,
      suspended: false,
      suspensions: [],
      terminated: undefined,
    };
  }
  if (!isDrafted(state)) return state;
  switch (event.type) {
    case 'ContractSigned':
      return {
        ...state,
        status: 'SIGNED',
        signedDate: event.data.signedDate,
        signedTermExceptionId: event.data.termException?.exceptionId,
      };
    case 'DeliverableRecorded':
      return event.data.kind === 'DELIVERY'
        ? { ...state, deliveredDate: event.data.date }
        : { ...state, acceptedDate: event.data.date };
    case 'MilestoneReached':
      return updateMilestone(state, event.data.milestoneId, {
        reachedDate: event.data.reachedDate,
        dueDate: event.data.dueDate,
      });
    case 'MilestoneInvoiceStatus':
      return updateMilestone(state, event.data.milestoneId, {
        invoiceId: event.data.invoiceId,
        paid: event.data.status === 'PAID',
      });
    case 'ContractTermsTightened': {
      let next: Contract = { ...state, prepayment: state.prepayment || event.data.prepayment };
      for (const m of event.data.milestones)
        next = updateMilestone(next, m.milestoneId, { term: m.termAfter });
      return next;
    }
    case 'ServiceSuspended':
      return {
        ...state,
        suspended: true,
        suspensions: [
          ...state.suspensions,
          {
            milestoneId: event.data.milestoneId,
            invoiceId: event.data.invoiceId,
            suspendedDate: event.data.date,
            dueDate: event.data.dueDate,
            reason: event.data.reason,
            resumedDate: undefined,
            withdrawn: false,
          },
        ],
      };
    case 'ServiceResumed':
      return {
        ...state,
        suspended: false,
        suspensions: state.suspensions.map((s) =>
          s.resumedDate === undefined
            ? { ...s, resumedDate: event.data.date, withdrawn: event.data.withdrawn ?? false }
            : s,
        ),
      };
    case 'ContractCompleted':
      return { ...state, status: 'COMPLETED' };
    case 'ContractTerminated':
      return {
        ...state,
        status: 'TERMINATED',
        terminated: { reason: event.data.reason, date: event.data.date },
      };
  }
}
