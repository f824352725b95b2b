import { NotFound, StateConflict } from '@ar/kernel';
import { deciderSpec } from '@ar/kernel/testing';
import { type DeliveryEvent, deliveryDecider, noLongerCalledFor, retryAfter } from './decider';

const spec = deciderSpec(deliveryDecider);
const ref = {
  messageId: 'INV-1-DUNNING_LETTER',
  caseId: 'INV-1',
  invoiceId: 'INV-1',
  customerId: 'C-1',
  kind: 'DUNNING_LETTER' as const,
  channel: 'EMAIL' as const,
};
const at = '2026-03-02T09:00:00+08:00';
const queued: DeliveryEvent = { type: 'MessageQueued', data: { ...ref, at } };
const failed: DeliveryEvent = {
  type: 'MessageDeliveryFailed',
  data: { ...ref, reason: 'PERMANENT_FAILURE', attempt: 1, answer: '550 mailbox unavailable', at },
};
const deferred: DeliveryEvent = {
  type: 'MessageDeliveryDeferred',
  data: { ...ref, reason: 'TEMPORARY_FAILURE', attempt: 9, answer: '451 try later', attention: true, at },
};
const delivered: DeliveryEvent = {
  type: 'MessageDelivered',
  data: { ...ref, attempt: 2, answer: '250 ok', at },
};
const resend = { type: 'Resend' as const, data: { ...ref, by: 'operator-1', reason: 'server back', at } };

describe('a message delivery (#18 F8)', () => {
  it('a temporary failure is never given up: the delay doubles per attempt up to its cap', () => {
    expect([1, 2, 3, 4].map((n) => retryAfter(n, 60_000, 3_600_000))).toEqual([
      60_000, 120_000, 240_000, 480_000,
    ]);
    expect(retryAfter(7, 60_000, 3_600_000)).toBe(3_600_000);
    expect(retryAfter(500, 60_000, 3_600_000)).toBe(3_600_000);
  });

  it('an operator resends a failed message: it is queued again', () =>
    spec
      .given([queued, failed])
      .when(resend)
      .then([{ type: 'MessageResent', data: resend.data }]));

  it('an operator resends a deferred message now', () =>
    spec
      .given([queued, deferred])
      .when(resend)
      .then([{ type: 'MessageResent', data: resend.data }]));

  it('a delivered message is never sent again', () =>
    spec
      .given([queued, delivered])
      .when(resend)
      .thenThrows(StateConflict, /is delivered/));

  it('a message already queued is not queued twice', () =>
    spec
      .given([queued])
      .when(resend)
      .thenThrows(StateConflict, /is queued/));

  it('no such message: 404', () =>
    spec
      .given([])
      .when(resend)
      .thenThrows(NotFound, /no message/));

  it('a resent message is delivered like any other', () =>
    spec
      .given([queued, failed, { type: 'MessageResent', data: resend.data }])
      .when({ type: 'RecordDelivered', data: { ...ref, attempt: 2, answer: '250 ok', at } })
      .then([{ type: 'MessageDelivered', data: { ...ref, attempt: 2, answer: '250 ok', at } }]));
});

describe('a queued letter no longer called for is cancelled (issue 18 item 2)', () => {
  const lawyers = { kind: 'LAWYERS_LETTER', letter: 'LAWYERS_LETTER' };
  const open = { status: 'OPEN', rungsReached: [1, 16, 31] };

  it("a lawyer's letter goes while the case is open at the legal rung", () =>
    expect(noLongerCalledFor(open, lawyers)).toBeUndefined());

  it('nothing goes once the case is paid (closed) or settled', () => {
    expect(noLongerCalledFor({ ...open, status: 'CLOSED' }, lawyers)?.reason).toBe('CASE_SETTLED');
    expect(
      noLongerCalledFor({ status: 'SETTLED', rungsReached: [] }, { kind: 'REMINDER_ON_DUE', letter: null })
        ?.reason,
    ).toBe('CASE_SETTLED');
  });

  it("a lawyer's letter whose rung was withdrawn by a payment recorded late does not go", () =>
    expect(noLongerCalledFor({ status: 'OPEN', rungsReached: [1, 16] }, lawyers)?.reason).toBe(
      'RUNG_WITHDRAWN',
    ));

  it('a reminder before the due date held until after it does not go (#14 probe: "is due on" read after the date)', () => {
    const tracked = { status: 'TRACKING', rungsReached: [], invoice: { dueDate: '2026-05-30' } };
    const beforeDue = { kind: 'REMINDER_BEFORE_DUE', letter: null };
    expect(noLongerCalledFor(tracked, beforeDue, 31, '2026-05-30')).toBeUndefined();
    expect(noLongerCalledFor(tracked, beforeDue, 31, '2026-06-01')?.reason).toBe('DUE_DATE_PASSED');
    // The on-due reminder still goes after the date (a weekend due date: the next working day).
    expect(
      noLongerCalledFor(tracked, { kind: 'REMINDER_ON_DUE', letter: null }, 31, '2026-06-01'),
    ).toBeUndefined();
  });

  it('the plan agreement always goes', () =>
    expect(
      noLongerCalledFor(
        { status: 'CLOSED', rungsReached: [] },
        { kind: 'PLAN_AGREEMENT', letter: 'PLAN_AGREEMENT' },
      ),
    ).toBeUndefined());

  it('a cancelled message is final: neither sent nor resent', () => {
    const cancelled: DeliveryEvent = {
      type: 'MessageDeliveryCancelled',
      data: { ...ref, reason: 'CASE_SETTLED', answer: 'the case is closed', at },
    };
    spec
      .given([queued, cancelled])
      .when({ type: 'RecordDelivered', data: { ...ref, attempt: 1, answer: '250 ok', at } })
      .thenNothingHappened();
    spec
      .given([queued, cancelled])
      .when(resend)
      .thenThrows(StateConflict, /is cancelled/);
  });
});
