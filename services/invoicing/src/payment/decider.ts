import type { PaymentAppliedV1, PaymentMatchedV1, PaymentReceivedV1 } from '@ar/contracts';
import { type Command, type Decider, type DomainEvent, NotFound, StateConflict, sameFacts } from '@ar/kernel';

export type PaymentEvent =
  | DomainEvent<'PaymentReceived', PaymentReceivedV1>
  | DomainEvent<'PaymentMatched', PaymentMatchedV1>
  | DomainEvent<'PaymentApplied', PaymentAppliedV1>;

export type PaymentCommand =
  | Command<'ReceivePayment', PaymentReceivedV1>
  | Command<'MatchPayment', { customerId: string; matchedBy: PaymentMatchedV1['matchedBy'] }>
  | Command<'RecordApplication', { allocations: PaymentAppliedV1['allocations']; creditHeld: number }>;

export type PaymentState =
  | { status: 'NONE' }
  | {
      status: 'UNIDENTIFIED' | 'IDENTIFIED' | 'APPLIED';
      received: PaymentReceivedV1;
      customerId: string | undefined;
      applied: PaymentAppliedV1 | undefined;
    };

/** A payment's rules: received, identified (matched to a customer), applied in full once. */
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
    }
  },
};
