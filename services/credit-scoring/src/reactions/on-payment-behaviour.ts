import type {
  InvoicePaidV1,
  PaymentOverdueV1,
  PaymentOverdueWithdrawnV1,
  PromiseBrokenV1,
} from '@ar/contracts';
import { type IncomingEvent, reactionMetadata } from '@ar/messaging';
import type { PoolClient } from 'pg';
import type { PaymentBehaviour } from '../customer/decider';
import type { CustomerHandler } from '../customer/handler';
import { isRegistered } from '../customer/state';

/** The credit-file entry an invoicing or collections event stands for, if any. */
export function behaviourOf(
  event: IncomingEvent,
): { customerId: string; behaviour: PaymentBehaviour } | undefined {
  const sourceEventId = event.eventId;
  switch (event.type) {
    case 'PaymentOverdue': {
      const d = event.data as PaymentOverdueV1;
      return {
        customerId: d.customerId,
        behaviour: {
          kind: 'OVERDUE',
          invoiceId: d.invoiceId,
          daysOverdue: d.threshold,
          date: d.overdueDate,
          sourceEventId,
        },
      };
    }
    case 'PaymentOverdueWithdrawn': {
      const d = event.data as PaymentOverdueWithdrawnV1;
      return {
        customerId: d.customerId,
        behaviour: {
          kind: 'OVERDUE_WITHDRAWN',
          invoiceId: d.invoiceId,
          daysOverdue: d.threshold,
          date: d.overdueDate,
          sourceEventId,
        },
      };
    }
    case 'InvoicePaid': {
      const d = event.data as InvoicePaidV1;
      const kind = d.daysLate < 0 ? 'PAID_EARLY' : d.daysLate === 0 ? 'PAID_ON_TIME' : 'PAID_LATE';
      return {
        customerId: d.customerId,
        behaviour: {
          kind,
          invoiceId: d.invoiceId,
          daysOverdue: Math.max(0, d.daysLate),
          date: d.paidDate,
          sourceEventId,
        },
      };
    }
    case 'InvoiceWrittenOff': {
      const d = event.data as { customerId: string; invoiceId: string; writtenOffDate: string };
      return {
        customerId: d.customerId,
        behaviour: { kind: 'WRITTEN_OFF', invoiceId: d.invoiceId, date: d.writtenOffDate, sourceEventId },
      };
    }
    case 'PromiseBroken': {
      const d = event.data as PromiseBrokenV1;
      return {
        customerId: d.customerId,
        behaviour: { kind: 'PROMISE_BROKEN', date: d.detectedDate, sourceEventId },
      };
    }
    default:
      return undefined;
  }
}

/**
 * Payment behaviour re-scores the customer (DOMAIN.md §1, credit points). Customers that
 * credit-scoring does not know (never registered) have no credit file to change: skipped.
 */
export async function onPaymentBehaviour(
  client: PoolClient,
  event: IncomingEvent,
  customers: CustomerHandler,
) {
  const entry = behaviourOf(event);
  if (!entry) return;
  const { state } = await customers.load(entry.customerId, client);
  if (!isRegistered(state)) return;
  await customers.execute(
    entry.customerId,
    { type: 'RecordPaymentBehaviour', data: entry.behaviour },
    {
      tx: client,
      metadata: reactionMetadata(event),
    },
  );
}
