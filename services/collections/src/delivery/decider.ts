import type {
  MessageDeliveredV1,
  MessageDeliveryDeferredV1,
  MessageDeliveryFailedV1,
  MessageQueuedV1,
  MessageResentV1,
} from '@ar/contracts';
import { type Command, type Decider, type DomainEvent, NotFound, StateConflict } from '@ar/kernel';

export type DeliveryEvent =
  | DomainEvent<'MessageQueued', MessageQueuedV1>
  | DomainEvent<'MessageDelivered', MessageDeliveredV1>
  | DomainEvent<'MessageDeliveryDeferred', MessageDeliveryDeferredV1>
  | DomainEvent<'MessageDeliveryFailed', MessageDeliveryFailedV1>
  | DomainEvent<'MessageResent', MessageResentV1>;

export type DeliveryCommand =
  | Command<'Queue', MessageQueuedV1>
  | Command<'RecordDelivered', MessageDeliveredV1>
  | Command<'RecordDeferred', MessageDeliveryDeferredV1>
  | Command<'RecordFailed', MessageDeliveryFailedV1>
  | Command<'Resend', MessageResentV1>;

export type DeliveryStatus = 'NONE' | 'QUEUED' | 'DEFERRED' | 'DELIVERED' | 'FAILED';
export interface DeliveryState {
  status: DeliveryStatus;
  attempts: number;
}

const STATUS: Record<DeliveryEvent['type'], DeliveryStatus> = {
  MessageQueued: 'QUEUED',
  MessageDelivered: 'DELIVERED',
  MessageDeliveryDeferred: 'DEFERRED',
  MessageDeliveryFailed: 'FAILED',
  MessageResent: 'QUEUED',
};

/**
 * One message's delivery, `message-<messageId>`: queued once, then each attempt's outcome as the
 * channel's server answered it. Delivered and failed are final for the worker: a late duplicate
 * attempt (an instance that sent before a crash) records nothing more. Only an operator's resend
 * queues a failed (or deferred) message again; a delivered one is never sent twice.
 */
export const deliveryDecider: Decider<DeliveryCommand, DeliveryEvent, DeliveryState> = {
  initialState: () => ({ status: 'NONE', attempts: 0 }),
  evolve: (state, event) => ({
    status: STATUS[event.type],
    attempts: 'attempt' in event.data ? Math.max(state.attempts, event.data.attempt) : state.attempts,
  }),
  decide(command, state) {
    if (command.type === 'Queue')
      return state.status === 'NONE' ? [{ type: 'MessageQueued', data: command.data }] : [];
    if (command.type === 'Resend') {
      if (state.status === 'NONE')
        throw new NotFound('MESSAGE_NOT_FOUND', `no message ${command.data.messageId}`, 'messageId');
      if (state.status === 'DELIVERED' || state.status === 'QUEUED')
        throw new StateConflict(
          'MESSAGE_NOT_RESENDABLE',
          `message ${command.data.messageId} is ${state.status.toLowerCase()}: only a failed or deferred message is sent again`,
          'messageId',
        );
      return [{ type: 'MessageResent', data: command.data }];
    }
    if (state.status === 'NONE' || state.status === 'DELIVERED' || state.status === 'FAILED') return [];
    switch (command.type) {
      case 'RecordDelivered':
        return [{ type: 'MessageDelivered', data: command.data }];
      case 'RecordDeferred':
        return [{ type: 'MessageDeliveryDeferred', data: command.data }];
      case 'RecordFailed':
        return [{ type: 'MessageDeliveryFailed', data: command.data }];
    }
  },
};

/**
 * When a temporary failure is tried again: the base delay doubled per attempt (1, 2, 4, ... x
 * base), capped at `maxDelayMs`. Never given up (#18 F8): a mail server down for hours must not
 * lose a dunning letter; a person is shown it after `DELIVERY_MAX_ATTEMPTS` tries (the worklist).
 */
export function retryAfter(attempt: number, baseMs: number, maxDelayMs: number): number {
  return Math.min(baseMs * 2 ** Math.min(attempt - 1, 40), maxDelayMs);
}
