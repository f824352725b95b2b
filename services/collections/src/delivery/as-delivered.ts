import type {
  MessageDeliveryCancelledV1,
  MessageDeliveryDeferredV1,
  MessageDeliveryFailedV1,
} from '@ar/contracts';
import type { IsoDate } from '@ar/kernel';
import { type DeliveryEvent, type DeliveryStatus, deliveryDecider } from './decider';

/**
 * What became of a message the case decided (`ReminderSent`, #14 item 8): its delivery as its
 * `message-<id>` stream records it. `deliveredAt`/`deliveredOn` (the instant with the business
 * offset, and the business day) only once the channel's server took it; while it waits, why
 * (`reason`) and, for a quiet day or the contact limit, the first day it may go (`notBefore`).
 */
export interface MessageDelivery {
  status: Exclude<DeliveryStatus, 'NONE'>;
  deliveredAt?: string;
  deliveredOn?: IsoDate;
  reason?:
    | MessageDeliveryDeferredV1['reason']
    | MessageDeliveryFailedV1['reason']
    | MessageDeliveryCancelledV1['reason'];
  notBefore?: IsoDate;
}

/**
 * A message's delivery from its stream's events, oldest first. No events yet (the queue has not
 * taken the `ReminderSent` yet): `QUEUED` - decided, to be sent, not sent.
 */
export function deliveryOf(events: readonly DeliveryEvent[]): MessageDelivery {
  let state = deliveryDecider.initialState();
  let delivery: MessageDelivery = { status: 'QUEUED' };
  for (const event of events) {
    state = deliveryDecider.evolve(state, event);
    const status = state.status === 'NONE' ? 'QUEUED' : state.status;
    switch (event.type) {
      case 'MessageDelivered':
        // Formatted with the business offset: its first ten characters are the business day.
        delivery = { status, deliveredAt: event.data.at, deliveredOn: event.data.at.slice(0, 10) };
        break;
      case 'MessageDeliveryDeferred':
        delivery = {
          status,
          reason: event.data.reason,
          ...(event.data.notBefore ? { notBefore: event.data.notBefore } : {}),
        };
        break;
      case 'MessageDeliveryFailed':
      case 'MessageDeliveryCancelled':
        delivery = { status, reason: event.data.reason };
        break;
      default:
        delivery = { status };
    }
  }
  return delivery;
}

/**
 * The case history as people read it: each event with its data, and each message the case decided
 * (`ReminderSent`: decided and queued, not necessarily sent) with what became of it (`delivery`).
 * The stored events are not changed: a `ReminderSent`'s `sentDate`/`sentAt` stay the day and instant
 * it was generated; it was sent on `delivery.deliveredOn`, at `delivery.deliveredAt`.
 */
export function historyWithDeliveries(
  events: readonly { type: string; data: object }[],
  deliveries: ReadonlyMap<string, MessageDelivery>,
): ({ type: string; delivery?: MessageDelivery } & Record<string, unknown>)[] {
  return events.map((e) => {
    const messageId = e.type === 'ReminderSent' ? (e.data as { messageId?: string }).messageId : undefined;
    const delivery = messageId ? (deliveries.get(messageId) ?? { status: 'QUEUED' as const }) : undefined;
    return { type: e.type, ...e.data, ...(delivery ? { delivery } : {}) };
  });
}
