import type {
  PaymentAllocationReleasedV1,
  PaymentAppliedV1,
  PaymentMatchedV1,
  PaymentReceivedV1,
} from '@ar/contracts';
import { type Command, type Decider, type DomainEvent, NotFound, StateConflict, sameFacts } from '@ar/kernel';

export type PaymentEvent =
  | DomainEvent<'PaymentReceived', PaymentReceivedV1>
  | DomainEvent<'PaymentMatched', PaymentMatchedV1>
  | DomainEvent<'PaymentApplied', PaymentAppliedV1>
  | DomainEvent<'PaymentAllocationReleased', PaymentAllocationReleasedV1>;

export type PaymentCommand =
  | Command<'ReceivePayment', PaymentReceivedV1>
  | Command<'MatchPayment', { customerId: string; matchedBy: PaymentMatchedV1['matchedBy'] }>
  | Command<'RecordApplication', { allocations: PaymentAppliedV1['allocations']; creditHeld: number }>
  /** An invoice gave back part of what it took (value dating, `PaymentReallocated` with `released`). */
  | Command<'ReleaseAllocation', Pick<PaymentAllocationReleasedV1, 'invoiceId' | 'amount' | 'cause'>>;

export type PaymentState =
  | { status: 'NONE' }
  | {
      status: 'UNIDENTIFIED' | 'IDENTIFIED' | 'APPLIED';
      received: PaymentReceivedV1;
      customerId: string | undefined;
      applied: PaymentAppliedV1 | undefined;
      /** Releases recorded, by invoice and the payment that caused them: heard again, recorded once. */
      releases?: string[];
    };

const releaseKey = (r: Pick<PaymentAllocationReleasedV1, 'invoiceId' | 'cause'>) =>
  `${r.invoiceId}:${r.cause.id}`;

/**
 * A payment's rules: received, identified (matched to a customer), applied in full once; what an
 * invoice later gives back (an earlier payment paid it) is the customer's credit.
 */
export const paymentDecider: Decider<PaymentCommand, PaymentEvent, PaymentState> = {
  initialState: () => ({ status: 'NONE' }),

  evolve(state, event) {
    switch (event.type) {
      case 'PaymentReceived':
        return {
          status: event.data.customerId ? 'IDENTIFIED' : 'UNIDENTIFIED',
          received: event.data,
          customerId: event.data.customerId,
          applied: undefined,
        };
      case 'PaymentMatched':
        return state.status === 'NONE'
          ? state
          : { ...state, status: 'IDENTIFIED', customerId: event.data.customerId };
      case 'PaymentApplied':
        return state.status === 'NONE' ? state : { ...state, status: 'APPLIED', applied: event.data };
      case 'PaymentAllocationReleased': {
        if (state.status === 'NONE' || !state.applied) return state;
        const { invoiceId, amount } = event.data;
        const allocations = state.applied.allocations
          .map((a) => (a.invoiceId === invoiceId ? { ...a, amount: a.amount - amount } : a))
          .filter((a) => a.amount > 0);
        return {
          ...state,
          applied: { ...state.applied, allocations, creditHeld: state.applied.creditHeld + amount },
          releases: [...(state.releases ?? []), releaseKey(event.data)],
        };
      }
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'ReceivePayment': {
        if (state.status === 'NONE') return [{ type: 'PaymentReceived', data: command.data }];
        if (sameFacts(state.received, command.data)) return [];
        throw new StateConflict(
          'PAYMENT_ALREADY_RECEIVED',
          `payment ${command.data.paymentId} was already received with other details`,
          'paymentId',
        );
      }
      case 'MatchPayment': {
        if (state.status === 'NONE') throw new NotFound('PAYMENT_NOT_FOUND', 'no such payment', 'paymentId');
        if (state.customerId === command.data.customerId) return [];
        if (state.status !== 'UNIDENTIFIED') {
          throw new StateConflict(
            'PAYMENT_ALREADY_IDENTIFIED',
            `payment ${state.received.paymentId} belongs to customer ${state.customerId}`,
            'customerId',
          );
        }
        return [
          {
            type: 'PaymentMatched',
            data: { paymentId: state.received.paymentId, ...command.data },
          },
        ];
      }
      case 'RecordApplication': {
        if (state.status === 'APPLIED') return [];
        if (state.status !== 'IDENTIFIED') {
          throw new StateConflict(
            'PAYMENT_NOT_IDENTIFIED',
            'a payment is applied only once its customer is known',
            'customerId',
          );
        }
        const { allocations, creditHeld } = command.data;
        const total = allocations.reduce((sum, a) => sum + a.amount, creditHeld);
        if (total !== state.received.amount) {
          // A bug in cash application, not a person's mistake: never store a half-applied payment.
          throw new Error(`application of ${total} does not match payment of ${state.received.amount}`);
        }
        return [
          {
            type: 'PaymentApplied',
            data: {
              paymentId: state.received.paymentId,
              customerId: state.customerId!,
              currency: state.received.currency,
              allocations,
              creditHeld,
            },
          },
        ];
      }
      case 'ReleaseAllocation': {
        if (state.status === 'NONE') throw new NotFound('PAYMENT_NOT_FOUND', 'no such payment', 'paymentId');
        if (state.releases?.includes(releaseKey(command.data))) return [];
        const { invoiceId, amount } = command.data;
        const onInvoice = state.applied?.allocations.find((a) => a.invoiceId === invoiceId)?.amount ?? 0;
        if (amount > onInvoice) {
          // A bug in value dating, not a person's mistake: an invoice gives back only what it took.
          throw new Error(`release of ${amount} from ${invoiceId} exceeds the ${onInvoice} applied to it`);
        }
        return [
          {
            type: 'PaymentAllocationReleased',
            data: {
              paymentId: state.received.paymentId,
              customerId: state.customerId!,
              currency: state.received.currency,
              ...command.data,
            },
          },
        ];
      }
    }
  },
};
