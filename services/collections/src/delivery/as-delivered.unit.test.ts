import { deliveryOf, historyWithDeliveries } from './as-delivered';
import type { DeliveryEvent } from './decider';

const ref = {
  messageId: 'INV-1-DUNNING_LETTER',
  caseId: 'INV-1',
  invoiceId: 'INV-1',
  customerId: 'C-1',
  kind: 'DUNNING_LETTER' as const,
  channel: 'EMAIL' as const,
};
const monday = '2026-03-02T09:00:00.000+08:00';
const tuesday = '2026-03-03T09:00:00.000+08:00';
const queued: DeliveryEvent = { type: 'MessageQueued', data: { ...ref, at: monday } };
const overLimit: DeliveryEvent = {
  type: 'MessageDeliveryDeferred',
  data: {
    ...ref,
    reason: 'CONTACT_LIMIT',
    attempt: 0,
    answer: '1 message(s) to the customer already on 2026-03-02',
    notBefore: '2026-03-03',
    at: monday,
  },
};
const delivered: DeliveryEvent = {
  type: 'MessageDelivered',
  data: { ...ref, attempt: 1, answer: '250 ok', at: tuesday },
};

describe('what became of a message the case decided (#14 item 8)', () => {
  it('deferred by the contact limit: not sent, why and from which day, no sending time', () => {
    expect(deliveryOf([queued, overLimit])).toEqual({
      status: 'DEFERRED',
      reason: 'CONTACT_LIMIT',
      notBefore: '2026-03-03',
    });
  });

  it('delivered the next day: the instant and the business day it really went', () => {
    expect(deliveryOf([queued, overLimit, delivered])).toEqual({
      status: 'DELIVERED',
      deliveredAt: tuesday,
      deliveredOn: '2026-03-03',
    });
  });

  it('not queued yet, or queued: QUEUED, nothing sent', () => {
    expect(deliveryOf([])).toEqual({ status: 'QUEUED' });
    expect(deliveryOf([queued])).toEqual({ status: 'QUEUED' });
  });

  it('failed or cancelled: why, and never a sending time', () => {
    const failed: DeliveryEvent = {
      type: 'MessageDeliveryFailed',
      data: { ...ref, reason: 'OPTED_OUT', attempt: 0, answer: 'opted out of EMAIL', at: monday },
    };
    expect(deliveryOf([queued, failed])).toEqual({ status: 'FAILED', reason: 'OPTED_OUT' });
    const cancelled: DeliveryEvent = {
      type: 'MessageDeliveryCancelled',
      data: { ...ref, reason: 'CASE_SETTLED', answer: 'the case is closed', at: tuesday },
    };
    expect(deliveryOf([queued, overLimit, cancelled])).toEqual({
      status: 'CANCELLED',
      reason: 'CASE_SETTLED',
    });
  });

  it("the history keeps each event's data and adds to each ReminderSent what became of it", () => {
    const reminder = {
      type: 'ReminderSent',
      data: { ...ref, text: 'formal notice', sentDate: '2026-03-02', sentAt: monday },
    };
    const escalated = { type: 'CaseEscalated', data: { rung: 16, date: '2026-03-02' } };
    const history = historyWithDeliveries(
      [escalated, reminder],
      new Map([[ref.messageId, deliveryOf([queued, overLimit])]]),
    );
    expect(history).toEqual([
      { type: 'CaseEscalated', rung: 16, date: '2026-03-02' },
      {
        type: 'ReminderSent',
        ...reminder.data,
        delivery: { status: 'DEFERRED', reason: 'CONTACT_LIMIT', notBefore: '2026-03-03' },
      },
    ]);
    // A message whose delivery is not known yet is not claimed sent.
    expect(historyWithDeliveries([reminder], new Map())[0]).toMatchObject({ delivery: { status: 'QUEUED' } });
  });
});
