import type {
  MessageDeliveredV1,
  MessageDeliveryDeferredV1,
  MessageDeliveryFailedV1,
  MessageQueuedV1,
} from '@ar/contracts';
import type { Command, Decider, DomainEvent } from '@ar/kernel';

export type DeliveryEvent =
  | DomainEvent<'MessageQueued', MessageQueuedV1>
  | DomainEvent<'MessageDelivered', MessageDeliveredV1>
  | DomainEvent<'MessageDeliveryDeferred', MessageDeliveryDeferredV1>
  | DomainEvent<'MessageDeliveryFailed', MessageDeliveryFailedV1>;

export type DeliveryCommand =
  | Command<'Queue', MessageQueuedV1>
  | Command<'RecordDelivered', MessageDeliveredV1>
  | Command<'RecordDeferred', MessageDeliveryDeferredV1>
  | Command<'RecordFailed', MessageDeliveryFailedV1>;

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
};

/**
 * One message's delivery, `message-<messageId>`: queued once, then each attempt's outcome as the
 * channel's server answered it. Delivered and failed are final: a late duplicate attempt (an
 * instance that sent before a crash) records nothing more.
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
 * When a temporary failure is tried again: the base delay doubled per attempt (1, 2, 4, ... x base),
 * capped at an hour; after `maxAttempts` tries it is given up (a person takes it).
 */
export function retryAfter(attempt: number, baseMs: number, maxAttempts: number): number | undefined {
  if (attempt >= maxAttempts) return undefined;
  return Math.min(baseMs * 2 ** (attempt - 1), 3_600_000);
}
