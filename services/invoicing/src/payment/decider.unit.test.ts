import type { PaymentReceivedV1 } from '@ar/contracts';
import { NotFound, StateConflict } from '@ar/kernel';
import { deciderSpec } from '@ar/kernel/testing';
import { type PaymentEvent, paymentDecider } from './decider';

const spec = deciderSpec(paymentDecider);
const unidentified: PaymentReceivedV1 = {
  paymentId: 'P-1',
  amount: 5_000,
  currency: 'CNY',
  channel: 'BANK_TRANSFER',
  receivedDate: '2026-02-03',
};
const received: PaymentEvent = { type: 'PaymentReceived', data: unidentified };
const matched: PaymentEvent = {
  type: 'PaymentMatched',
  data: { paymentId: 'P-1', customerId: 'C-1', matchedBy: 'PERSON' },
};

describe('payment', () => {
  it('keeps a payment without a customer unidentified until matched', () => {
    spec
      .given([received])
      .when({ type: 'MatchPayment', data: { customerId: 'C-1', matchedBy: 'PERSON' } })
      .then([matched]);
  });

  it('refuses to match a payment never received as unknown (404)', () => {
    spec
      .given([])
      .when({ type: 'MatchPayment', data: { customerId: 'C-1', matchedBy: 'PERSON' } })
      .thenThrows(NotFound, /no such payment/);
  });

  it('refuses to apply a payment whose customer is unknown', () => {
    spec
      .given([received])
      .when({ type: 'RecordApplication', data: { allocations: [], creditHeld: 5_000 } })
      .thenThrows(StateConflict, /only once its customer is known/);
  });

  it('refuses to match a payment to a second customer', () => {
    spec
      .given([received, matched])
      .when({ type: 'MatchPayment', data: { customerId: 'C-2', matchedBy: 'PERSON' } })
      .thenThrows(StateConflict, /belongs to customer C-1/);
  });

  it('records an application that accounts for every minor unit, once', () => {
    const application = { allocations: [{ invoiceId: 'INV-1', amount: 4_000 }], creditHeld: 1_000 };
    spec
      .given([received, matched])
      .when({ type: 'RecordApplication', data: application })
      .then([
        {
          type: 'PaymentApplied',
          data: { paymentId: 'P-1', customerId: 'C-1', currency: 'CNY', ...application },
        },
      ]);
    expect(() =>
      paymentDecider.decide(
        { type: 'RecordApplication', data: { allocations: [], creditHeld: 4_999 } },
        [received, matched].reduce(paymentDecider.evolve, paymentDecider.initialState()),
        new Date(),
      ),
    ).toThrow(/does not match payment of 5000/);
  });

  it('treats the same payment received again as already done, and other details as a conflict', () => {
    spec
      .given([received])
      .when({ type: 'ReceivePayment', data: { ...unidentified } })
      .thenNothingHappened();
    spec
      .given([received])
      .when({ type: 'ReceivePayment', data: { ...unidentified, amount: 1 } })
      .thenThrows(StateConflict, /already received with other details/);
  });

  it('holds what an invoice gives back as credit, once (#14 F3: an earlier payment paid that invoice)', () => {
    const applied: PaymentEvent = {
      type: 'PaymentApplied',
      data: {
        paymentId: 'P-1',
        customerId: 'C-1',
        currency: 'CNY',
        allocations: [
          { invoiceId: 'INV-1', amount: 3_000 },
          { invoiceId: 'INV-2', amount: 2_000 },
        ],
        creditHeld: 0,
      },
    };
    const release = {
      invoiceId: 'INV-1',
      amount: 3_000,
      cause: { kind: 'PAYMENT' as const, id: 'P-0', date: '2026-01-30' },
    };
    const released: PaymentEvent = {
      type: 'PaymentAllocationReleased',
      data: { paymentId: 'P-1', customerId: 'C-1', currency: 'CNY', ...release },
    };
    spec
      .given([received, matched, applied])
      .when({ type: 'ReleaseAllocation', data: release })
      .then([released]);
    spec
      .given([received, matched, applied, released])
      .when({ type: 'ReleaseAllocation', data: release })
      .thenNothingHappened();
    const state = [received, matched, applied, released].reduce(
      paymentDecider.evolve,
      paymentDecider.initialState(),
    );
    expect(state.status !== 'NONE' && state.applied).toMatchObject({
      allocations: [{ invoiceId: 'INV-2', amount: 2_000 }],
      creditHeld: 3_000,
    });
    // More than the invoice took is a bug, never stored.
    expect(() =>
      paymentDecider.decide(
        { type: 'ReleaseAllocation', data: { ...release, invoiceId: 'INV-2', amount: 2_001 } },
        state,
        new Date(),
      ),
    ).toThrow(/exceeds the 2000 applied/);
  });
});
