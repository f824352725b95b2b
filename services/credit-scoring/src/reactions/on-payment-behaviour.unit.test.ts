import type { IncomingEvent } from '@ar/messaging';
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
});
