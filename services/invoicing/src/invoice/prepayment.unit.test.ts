import { DEFAULT_LATE_FEE_TERMS, type InvoiceIssuedV1 } from '@ar/contracts';
import { deciderSpec } from '@ar/kernel/testing';
import { type InvoiceCommand, type InvoiceEvent, type InvoiceState, invoiceDecider } from './decider';
import type { Invoice } from './state';

/**
 * A prepayment invoice (款到发货, `InvoiceIssued.prepayment`) asks for money before anything is
 * shipped: no credit is extended (DOMAIN.md §1), so nothing is late until goods are delivered -
 * and delivery waits for the payment. Unpaid, it reaches no overdue threshold and accrues no
 * interest or penalty, whatever its late-payment clause; paid at last, it is paid with what was
 * asked, nothing more.
 */
const decider = invoiceDecider();
const spec = deciderSpec(decider);

const prepayment: InvoiceIssuedV1 = {
  invoiceId: 'INV-PRE',
  customerId: 'C-CAUTIOUS',
  amount: 1_000_000, // 10,000.00
  currency: 'CNY',
  issueDate: '2026-01-05',
  dueDate: '2026-01-05', // due on signing
  lateFeeTerms: DEFAULT_LATE_FEE_TERMS,
  prepayment: true,
};
const issued: InvoiceEvent = { type: 'InvoiceIssued', data: prepayment };

function history(events: InvoiceEvent[], commands: InvoiceCommand[]) {
  let state: InvoiceState = events.reduce(decider.evolve, decider.initialState());
  const produced: InvoiceEvent[] = [];
  for (const command of commands) {
    const next = decider.decide(command, state, new Date());
    produced.push(...next);
    state = next.reduce(decider.evolve, state);
  }
  return { state: state as Invoice, produced };
}
const pay = (paymentId: string, amount: number, paymentDate: string): InvoiceCommand => ({
  type: 'AllocatePayment',
  data: { paymentId, amount, currency: 'CNY', paymentDate },
});
const assess = (asOf: string): InvoiceCommand => ({ type: 'AssessOverdue', data: { asOf } });

describe('a prepayment invoice (money asked before shipping is not credit)', () => {
  it('reaches no overdue threshold and accrues no fee, however long it waits unpaid', () => {
    spec.given([issued]).when(assess('2026-06-30')).thenNothingHappened();
  });

  it('the overdue clock run every day, Sundays and the Spring Festival among them, changes nothing', () => {
    const days = ['2026-01-06', '2026-01-25', '2026-02-17', '2026-02-22', '2026-03-08', '2026-05-01'];
    const { produced, state } = history([issued], days.map(assess));
    expect(produced).toEqual([]);
    expect(state).toMatchObject({ principalOpen: 1_000_000, interestOpen: 0, penaltyOpen: 0 });
  });

  it('paid 80 days after it was asked for: the amount asked settles it, all of it principal', () => {
    const { produced } = history([issued], [assess('2026-03-20'), pay('P-1', 1_000_000, '2026-03-26')]);
    expect(produced).toEqual([
      {
        type: 'PaymentAllocated',
        data: expect.objectContaining({
          amount: 1_000_000,
          toPenalty: 0,
          toInterest: 0,
          toPrincipal: 1_000_000,
        }),
      },
      { type: 'InvoicePaid', data: expect.objectContaining({ paidDate: '2026-03-26' }) },
    ]);
  });

  it('a payment recorded weeks after its received date, and recorded twice, changes nothing else', () => {
    const { produced } = history(
      [issued],
      [
        assess('2026-02-10'),
        pay('P-1', 400_000, '2026-01-20'), // back-dated
        pay('P-1', 400_000, '2026-01-20'), // the same again: a retry
        assess('2026-04-01'),
        pay('P-2', 600_000, '2026-04-01'),
      ],
    );
    expect(produced.map((e) => e.type)).toEqual(['PaymentAllocated', 'PaymentAllocated', 'InvoicePaid']);
  });

  it('an amount near 2^53 is asked and paid to the minor unit, no fee on it', () => {
    const huge = Number.MAX_SAFE_INTEGER;
    const big: InvoiceEvent = { type: 'InvoiceIssued', data: { ...prepayment, amount: huge } };
    const { produced, state } = history([big], [assess('2026-12-31'), pay('P-1', huge, '2026-12-31')]);
    expect(produced.map((e) => e.type)).toEqual(['PaymentAllocated', 'InvoicePaid']);
    expect(state).toMatchObject({ status: 'PAID', principalOpen: 0, interestOpen: 0, penaltyOpen: 0 });
  });

  it('an invoice on credit terms with the same dates is chased as before (the rule is prepayment only)', () => {
    const onCredit: InvoiceEvent = { type: 'InvoiceIssued', data: { ...prepayment, prepayment: undefined } };
    const { produced } = history([onCredit], [assess('2026-02-10')]);
    expect(produced.filter((e) => e.type === 'PaymentOverdue').map((e) => e.type)).toHaveLength(3);
    expect(produced.some((e) => e.type === 'LateFeeCharged')).toBe(true);
  });
});
