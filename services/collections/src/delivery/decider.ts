import type {
  MessageDeliveredV1,
  MessageDeliveryCancelledV1,
  MessageDeliveryDeferredV1,
  MessageDeliveryFailedV1,
  MessageQueuedV1,
  MessageResentV1,
} from '@ar/contracts';
import {
  type Command,
  type Decider,
  type DomainEvent,
  type IsoDate,
  NotFound,
  StateConflict,
} from '@ar/kernel';

export type DeliveryEvent =
  | DomainEvent<'MessageQueued', MessageQueuedV1>
  | DomainEvent<'MessageDelivered', MessageDeliveredV1>
  | DomainEvent<'MessageDeliveryDeferred', MessageDeliveryDeferredV1>
  | DomainEvent<'MessageDeliveryFailed', MessageDeliveryFailedV1>
  | DomainEvent<'MessageResent', MessageResentV1>
  | DomainEvent<'MessageDeliveryCancelled', MessageDeliveryCancelledV1>;

export type DeliveryCommand =
  | Command<'Queue', MessageQueuedV1>
  | Command<'RecordDelivered', MessageDeliveredV1>
  | Command<'RecordDeferred', MessageDeliveryDeferredV1>
  | Command<'RecordFailed', MessageDeliveryFailedV1>
  | Command<'Resend', MessageResentV1>
  | Command<'Cancel', MessageDeliveryCancelledV1>;

export type DeliveryStatus = 'NONE' | 'QUEUED' | 'DEFERRED' | 'DELIVERED' | 'FAILED' | 'CANCELLED';
export interface DeliveryState {
  status: DeliveryStatus;
  attempts: number;
}

/** The status each delivery event leaves a message in. */
export const DELIVERY_STATUS: Record<DeliveryEvent['type'], DeliveryStatus> = {
  MessageQueued: 'QUEUED',
  MessageDelivered: 'DELIVERED',
  MessageDeliveryDeferred: 'DEFERRED',
  MessageDeliveryFailed: 'FAILED',
  MessageResent: 'QUEUED',
  MessageDeliveryCancelled: 'CANCELLED',
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
    status: DELIVERY_STATUS[event.type],
    attempts: 'attempt' in event.data ? Math.max(state.attempts, event.data.attempt) : state.attempts,
  }),
  decide(command, state) {
    if (command.type === 'Queue')
      return state.status === 'NONE' ? [{ type: 'MessageQueued', data: command.data }] : [];
    if (command.type === 'Resend') {
      if (state.status === 'NONE')
        throw new NotFound('MESSAGE_NOT_FOUND', `no message ${command.data.messageId}`, 'messageId');
      if (state.status === 'DELIVERED' || state.status === 'QUEUED' || state.status === 'CANCELLED')
        throw new StateConflict(
          'MESSAGE_NOT_RESENDABLE',
          `message ${command.data.messageId} is ${state.status.toLowerCase()}: only a failed or deferred message is sent again`,
          'messageId',
        );
      return [{ type: 'MessageResent', data: command.data }];
    }
    if (
      state.status === 'NONE' ||
      state.status === 'DELIVERED' ||
      state.status === 'FAILED' ||
      state.status === 'CANCELLED'
    )
      return [];
    switch (command.type) {
      case 'Cancel':
        return [{ type: 'MessageDeliveryCancelled', data: command.data }];
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

/**
 * Whether a queued message of the ladder is still called for when it is about to go (issue 18
 * item 2): not once the case is closed or settled (paid, credited, written off - a payment recorded
 * late included), and a lawyer's letter not once its rung was withdrawn (value dating showed the
 * case never reached it), and a reminder before the due date not after that date (`today`, the
 * business day it would go). The reason it is not, or undefined. The plan agreement always goes.
 */
export function noLongerCalledFor(
  c: { status: string; rungsReached: number[]; invoice?: { dueDate: IsoDate } } | undefined,
  message: { kind: string; letter: string | null },
  legalRung = 31,
  today?: IsoDate,
): { reason: MessageDeliveryCancelledV1['reason']; answer: string } | undefined {
  if (!c || message.kind === 'PLAN_AGREEMENT') return undefined;
  // "Is due on ..." read after that day is wrong: the on-due and overdue reminders say it now.
  if (message.kind === 'REMINDER_BEFORE_DUE' && today && c.invoice && today > c.invoice.dueDate)
    return {
      reason: 'DUE_DATE_PASSED',
      answer: `the invoice was due on ${c.invoice.dueDate}: a reminder before it is no longer right on ${today}`,
    };
  if (c.status === 'CLOSED' || c.status === 'SETTLED')
    return {
      reason: 'CASE_SETTLED',
      answer: `the case is ${c.status.toLowerCase()} (paid, credited or written off)`,
    };
  if (message.letter === 'LAWYERS_LETTER' && !c.rungsReached.includes(legalRung))
    return {
      reason: 'RUNG_WITHDRAWN',
      answer: `the case is no longer ${legalRung}+ days overdue (its rung was withdrawn)`,
    };
  return undefined;
}
