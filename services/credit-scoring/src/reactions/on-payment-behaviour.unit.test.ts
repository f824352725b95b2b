import type { IncomingEvent } from '@ar/messaging';
import { pointsFor } from '../customer/decider';
import { DEFAULT_CREDIT_POLICY } from '../policy/credit-policy';
import { behaviourOf } from './on-payment-behaviour';

const incoming = (type: string, data: object): IncomingEvent =>
  ({ type, data, eventId: 'ev-1', service: 'invoicing', version: 1 }) as unknown as IncomingEvent;

describe('payment behaviour from invoicing events', () => {
  it('a withdrawn PaymentOverdue gives back the threshold it cost (value dating)', () => {
    const entry = behaviourOf(
      incoming('PaymentOverdueWithdrawn', {
        invoiceId: 'INV-1',
        customerId: 'C-1',
        threshold: 31,
        overdueDate: '2026-03-03',
        cause: { kind: 'PAYMENT', id: 'P-1', date: '2026-01-31' },
      }),
    );
    expect(entry).toEqual({
      customerId: 'C-1',
      behaviour: {
        kind: 'OVERDUE_WITHDRAWN',
        invoiceId: 'INV-1',
        daysOverdue: 31,
        date: '2026-03-03',
        sourceEventId: 'ev-1',
      },
    });
  });

  it('a prepayment invoice paid 50 days after it was asked for costs no credit points (#14)', () => {
    // Invoicing reaches no overdue threshold on a prepayment invoice (no credit extended), so its
    // late payment comes as an InvoicePaid alone: lateness is charged only threshold by threshold.
    const entry = behaviourOf(
      incoming('InvoicePaid', {
        invoiceId: 'INV-PRE',
        customerId: 'C-1',
        currency: 'CNY',
        paidDate: '2026-03-22',
        dueDate: '2026-01-31',
        daysLate: 50,
      }),
    );
    expect(entry?.behaviour.kind).toBe('PAID_LATE');
    expect(pointsFor(entry!.behaviour, DEFAULT_CREDIT_POLICY)).toBe(0);
  });
});
