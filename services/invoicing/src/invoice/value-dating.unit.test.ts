import {
  DEFAULT_LATE_FEE_TERMS,
  type InvoiceIssuedV1,
  InvoiceView,
  type PaymentAllocatedV1,
} from '@ar/contracts';
import { addDays, RuleViolation } from '@ar/kernel';
import fc from 'fast-check';
import {
  type InvoiceCommand,
  type InvoiceEvent,
  type InvoiceState,
  invoiceDecider,
  onItsDay,
} from './decider';
import { invoiceView } from './handler';
import { DEFAULT_OVERDUE_POLICY } from './overdue';
import type { Invoice } from './state';
import { amountToSettleOn } from './value-dating';

/**
 * Value dating (DOMAIN.md §3): a payment counts from the day the money arrived, however late
 * its bank line is matched. The invoice ends exactly as if it had been recorded that day; fees
 * that were not due are reversed and thresholds withdrawn by correcting events, never by
 * editing what was recorded.
 */
const decider = invoiceDecider();

const invoice: InvoiceIssuedV1 = {
  invoiceId: 'INV-VD',
  customerId: 'C-1',
  amount: 100_000, // 1,000.00 CNY
  currency: 'CNY',
  issueDate: '2026-01-02',
  dueDate: '2026-01-31',
  lateFeeTerms: DEFAULT_LATE_FEE_TERMS,
};
const issued: InvoiceEvent = { type: 'InvoiceIssued', data: invoice };
const day = (n: number) => addDays(invoice.dueDate, n);
const assess = (n: number): InvoiceCommand => ({ type: 'AssessOverdue', data: { asOf: day(n) } });
const pay = (paymentId: string, amount: number, n: number): InvoiceCommand => ({
  type: 'AllocatePayment',
  data: { paymentId, amount, currency: 'CNY', paymentDate: day(n) },
});
const credit = (creditNoteId: string, amount: number, n: number): InvoiceCommand => ({
  type: 'IssueCreditNote',
  data: { creditNoteId, amount, reason: 'price reduction', issueDate: day(n) },
});

function run(commands: InvoiceCommand[]) {
  let state: InvoiceState = decider.evolve(decider.initialState(), issued);
  const recorded: InvoiceEvent[] = [issued];
  for (const command of commands) {
    const next = decider.decide(command, state, new Date());
    recorded.push(...next);
    state = next.reduce(decider.evolve, state);
  }
  return { state: state as Invoice, recorded };
}

/** Day 40: a plan waives the fees then open and asks the principal, 100,000, on day 50. */
const planWaivingFees = (reason: string): InvoiceCommand => ({
  type: 'ApplyInstalmentPlan',
  data: {
    planId: 'PLAN-W',
    instalments: [{ dueDate: day(50), amount: 100_000 }],
    date: day(40),
    fees: 'WAIVED',
    feeWaiver: { decidedBy: 'finance-lead', reason },
  },
});

/** What a person reads on the invoice: the money and the thresholds it stands at. */
const owed = (s: Invoice) => ({
  status: s.status,
  principal: s.principalOpen,
  interest: s.interestOpen,
  penalty: s.penaltyOpen,
  thresholds: [...s.overdueThresholdsReached].sort((a, b) => a - b),
});

describe('value dating: a payment counts from the day the money arrived', () => {
  it('a payment in full on the due date, recorded 50 days later, pays the invoice on time', () => {
    const late = run([assess(50), pay('P-1', 100_000, 0)]);

    expect(owed(late.state)).toEqual({
      status: 'PAID',
      principal: 0,
      interest: 0,
      penalty: 0,
      thresholds: [],
    });
    const paid = late.recorded.find((e) => e.type === 'InvoicePaid');
    expect(paid?.data).toMatchObject({ paidDate: day(0), daysLate: 0 });
    // History is kept: what was charged stays recorded, and each charge is reversed by its own event.
    const charged = late.recorded.filter((e) => e.type === 'LateFeeCharged');
    const reversed = late.recorded.filter((e) => e.type === 'LateFeeReversed');
    expect(charged.length).toBeGreaterThan(0);
    expect(reversed.map((e) => e.data)).toEqual(
      charged.map((c) =>
        expect.objectContaining({
          kind: c.data.kind,
          forDate: c.data.forDate,
          amount: c.data.amount,
          cause: { kind: 'PAYMENT', id: 'P-1', date: day(0) },
        }),
      ),
    );
    const withdrawn = late.recorded.filter((e) => e.type === 'PaymentOverdueWithdrawn');
    expect(withdrawn.map((e) => [e.data.threshold, e.data.overdueDate])).toEqual([
      [1, day(1)],
      [16, day(16)],
      [31, day(31)],
    ]);
  });

  it('a partial payment recorded late ends with exactly the fees of one recorded on its day', () => {
    const onTime = run([assess(3), pay('P-1', 50_000, 5), assess(50)]);
    const late = run([assess(50), pay('P-1', 50_000, 5)]);

    expect(owed(late.state)).toEqual(owed(onTime.state));
    expect(late.state.interestOpen).toBe(34 * 50); // days 16..49 (50 not closed yet) at 0.1% of 500.00
    expect(late.state.penaltyOpen).toBe(1_000); // 2% of 500.00 on day 31
  });

  it('an earlier-dated payment recorded after a later one moves the later one to principal', () => {
    const onTime = run([assess(3), pay('P-1', 30_000, 5), assess(40), pay('P-2', 20_000, 40), assess(50)]);
    const late = run([assess(40), pay('P-2', 20_000, 40), assess(50), pay('P-1', 30_000, 5)]);

    expect(owed(late.state)).toEqual(owed(onTime.state));
    const reallocated = late.recorded.filter((e) => e.type === 'PaymentReallocated');
    expect(reallocated.map((e) => e.data.paymentId)).toEqual(['P-2']);
    expect(reallocated[0]!.data.toPrincipal).toBeGreaterThan(reallocated[0]!.data.previous.toPrincipal);
  });

  it('a credit note dated back lowers the fees from its own date', () => {
    const onTime = run([assess(10), credit('CN-1', 40_000, 10), assess(50)]);
    const late = run([assess(50), credit('CN-1', 40_000, 10)]);

    expect(owed(late.state)).toEqual(owed(onTime.state));
  });

  it('a payment recorded on its day changes nothing that was recorded before', () => {
    const { recorded } = run([assess(20), pay('P-1', 10_000, 20)]);
    expect(recorded.some((e) => e.type === 'LateFeeReversed' || e.type === 'PaymentOverdueWithdrawn')).toBe(
      false,
    );
  });

  it('refuses a back-dated credit note that would leave a later payment too much to clear', () => {
    const { state } = run([assess(40), pay('P-2', 60_000, 40)]);
    expect(() => decider.decide(credit('CN-1', 100_000, 0), state, new Date())).toThrow(RuleViolation);
  });
});

/**
 * #14 probe F3: the money that paid the invoice on time is matched after a later payment the
 * invoice took. The invoice ends as if recorded on time - paid on its day, no fee, no threshold -
 * and what the later payment no longer pays goes back to it, the customer's credit
 * (`PaymentReallocated` with `released`; cash application returns it to the payment).
 */
describe('value dating: an earlier payment matched after a later one the invoice took', () => {
  it('pays the invoice on time; the later payment is released in full', () => {
    const { state, recorded } = run([
      assess(40),
      pay('P-2', 100_000, 40),
      assess(60),
      pay('P-1', 100_000, -1),
    ]);

    expect(owed(state)).toEqual({ status: 'PAID', principal: 0, interest: 0, penalty: 0, thresholds: [] });
    const last = recorded.slice(recorded.findLastIndex((e) => e.type === 'LateFeeCharged') + 1);
    const p2 = recorded.find((e) => e.type === 'PaymentAllocated' && e.data.paymentId === 'P-2')!
      .data as PaymentAllocatedV1;
    expect(last.find((e) => e.type === 'InvoicePaid')?.data).toMatchObject({
      paidDate: day(-1),
      daysLate: -1,
    });
    const released = last.filter((e) => e.type === 'PaymentReallocated');
    expect(released.map((e) => e.data)).toEqual([
      expect.objectContaining({
        paymentId: 'P-2',
        amount: 100_000,
        released: 100_000,
        toPenalty: 0,
        toInterest: 0,
        toPrincipal: 0,
        previous: { toPenalty: p2.toPenalty, toInterest: p2.toInterest, toPrincipal: p2.toPrincipal },
      }),
    ]);
    // It had paid fees first (day 40: the penalty and interest), the rest to principal.
    expect(p2.toPenalty).toBeGreaterThan(0);
    expect(p2.toPenalty + p2.toInterest + p2.toPrincipal).toBe(100_000);
    // Every fee charged is reversed, every threshold withdrawn.
    const charged = recorded.filter((e) => e.type === 'LateFeeCharged').length;
    expect(last.filter((e) => e.type === 'LateFeeReversed')).toHaveLength(charged);
    expect(last.filter((e) => e.type === 'PaymentOverdueWithdrawn').map((e) => e.data.threshold)).toEqual([
      1, 16, 31,
    ]);
    expect(state.allocations.find((a) => a.paymentId === 'P-2')).toMatchObject({ amount: 0 });
  });

  it('a partial earlier payment: the later one keeps what was still owed on its day, the rest released', () => {
    const onTime = run([pay('P-1', 60_000, 0), assess(40)]);
    const owedOnDay40 = onTime.state.principalOpen + onTime.state.interestOpen + onTime.state.penaltyOpen;
    const expected = run([pay('P-1', 60_000, 0), assess(40), pay('P-2', owedOnDay40, 40), assess(60)]);
    const late = run([assess(40), pay('P-2', 100_000, 40), assess(60), pay('P-1', 60_000, 0)]);

    expect(owed(late.state)).toEqual(owed(expected.state));
    expect(owed(late.state).status).toBe('PAID');
    const released = late.recorded.filter((e) => e.type === 'PaymentReallocated');
    expect(released.at(-1)?.data).toMatchObject({ paymentId: 'P-2', released: 100_000 - owedOnDay40 });
    // An oracle: the money the invoice kept is the invoice and the fees of the on-time walk.
    const kept = late.state.allocations.reduce((sum, a) => sum + a.amount, 0);
    expect(kept).toBe(60_000 + owedOnDay40);
  });

  it('any two payments: matched in the wrong order ends as matched in value order, the difference released', () => {
    const policy = DEFAULT_OVERDUE_POLICY;
    /** What cash application lets a payment dated `n` bring (it never allocates more). */
    const room = (state: Invoice, n: number, amount: number) =>
      Math.min(amount, amountToSettleOn(state, day(n), policy, onItsDay(policy)));
    fc.assert(
      fc.property(
        fc.integer({ min: -25, max: 60 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 150_000 }),
        fc.integer({ min: 1, max: 150_000 }),
        fc.integer({ min: 0, max: 30 }),
        (d1, gap, a1, a2, lag) => {
          const d2 = d1 + gap;
          const recordedOn = Math.max(d2, 0) + lag;
          // Matched in the wrong order: the later money first, then the earlier.
          const late = run([assess(recordedOn)]);
          const p2 = room(late.state, d2, a2);
          const withP2 = run([assess(recordedOn), pay('P-2', p2, d2)]);
          const p1 = room(withP2.state, d1, a1);
          const wrong = run([
            assess(recordedOn),
            pay('P-2', p2, d2),
            pay('P-1', p1, d1),
            assess(recordedOn + 5),
          ]);
          // In value order: the earlier money first; the later takes what is still owed on its date.
          const first = run([assess(recordedOn), pay('P-1', p1, d1)]);
          const p2Kept = first.state.status === 'OPEN' ? room(first.state, d2, p2) : 0;
          const right = run([
            assess(recordedOn),
            pay('P-1', p1, d1),
            ...(p2Kept > 0 ? [pay('P-2', p2Kept, d2)] : []),
            assess(recordedOn + 5),
          ]);
          expect(owed(wrong.state)).toEqual(owed(right.state));
          const kept = (s: Invoice, id: string) => s.allocations.find((a) => a.paymentId === id)?.amount ?? 0;
          expect([kept(wrong.state, 'P-1'), kept(wrong.state, 'P-2')]).toEqual([p1, p2Kept]);
          const released = wrong.recorded
            .filter((e) => e.type === 'PaymentReallocated')
            .reduce((sum, e) => sum + (e.data.released ?? 0), 0);
          expect(released).toBe(p2 - p2Kept);
        },
      ),
      { numRuns: 120 },
    );
  });

  it('after the later payment paid the invoice in full: paid again on the earlier date, the later one released (#14 probe, F1)', () => {
    const owedOn40 = (() => {
      const s = run([assess(40)]).state;
      return s.principalOpen + s.interestOpen + s.penaltyOpen;
    })();
    const { state, recorded } = run([
      assess(40),
      pay('P-2', owedOn40, 40),
      assess(60),
      pay('P-1', 100_000, -1),
    ]);

    expect(owed(state)).toEqual({ status: 'PAID', principal: 0, interest: 0, penalty: 0, thresholds: [] });
    const paid = recorded.filter((e) => e.type === 'InvoicePaid').map((e) => e.data);
    expect(paid).toEqual([
      expect.objectContaining({ paidDate: day(40), daysLate: 40 }),
      expect.objectContaining({
        paidDate: day(-1),
        daysLate: -1,
        cause: { kind: 'PAYMENT', id: 'P-1', date: day(-1) },
      }),
    ]);
    expect(recorded.filter((e) => e.type === 'PaymentReallocated').map((e) => e.data)).toEqual([
      expect.objectContaining({ paymentId: 'P-2', released: owedOn40, toPrincipal: 0 }),
    ]);
    expect(recorded.filter((e) => e.type === 'PaymentOverdueWithdrawn')).toHaveLength(3);
    expect(state.paidDate).toBe(day(-1));
    // Again: nothing more.
    expect(decider.decide(pay('P-1', 100_000, -1), state, new Date())).toEqual([]);
  });

  it('money dated after the invoice was paid still finds it paid', () => {
    const { state } = run([pay('P-1', 100_000, 0)]);
    expect(() => decider.decide(pay('P-2', 100, 1), state, new Date())).toThrow(/is paid/);
  });

  it('money that arrived before the invoice was issued counts from its issue date (#14 probe: paid before it existed)', () => {
    const { state, recorded } = run([pay('P-0', 100_000, -40)]);
    expect(recorded.find((e) => e.type === 'PaymentAllocated')?.data).toMatchObject({
      paymentDate: invoice.issueDate,
    });
    expect(recorded.find((e) => e.type === 'InvoicePaid')?.data).toMatchObject({
      paidDate: invoice.issueDate,
    });
    expect(state.paidDate).toBe(invoice.issueDate);
  });

  it('the earlier payment again changes nothing', () => {
    const once = run([assess(40), pay('P-2', 100_000, 40), pay('P-1', 100_000, -1)]);
    expect(decider.decide(pay('P-1', 100_000, -1), once.state, new Date())).toEqual([]);
    expect(decider.decide(pay('P-2', 100_000, 40), once.state, new Date())).toEqual([]);
  });
});

/**
 * Facts value-dated on the same day (the money oracle's counterexamples): credit notes count
 * before payments, each kind in the order it was recorded, so the invoice ends the same whether
 * the facts were recorded late or on time - and a payment that brings what a credit note left
 * pays the invoice.
 */
describe('value dating: on one day, credit notes count before payments', () => {
  const plain: InvoiceIssuedV1 = {
    invoiceId: 'INV-SD',
    customerId: 'C-1',
    amount: 2_000,
    currency: 'CNY',
    issueDate: '2026-01-02',
    dueDate: '2026-01-02',
  };
  const on = (n: number) => addDays(plain.issueDate, n);
  const payOn = (paymentId: string, amount: number, n: number): InvoiceCommand => ({
    type: 'AllocatePayment',
    data: { paymentId, amount, currency: 'CNY', paymentDate: on(n) },
  });
  const creditOn = (creditNoteId: string, amount: number, n: number): InvoiceCommand => ({
    type: 'IssueCreditNote',
    data: { creditNoteId, amount, reason: 'price reduction', issueDate: on(n) },
  });
  const assessOn = (n: number): InvoiceCommand => ({ type: 'AssessOverdue', data: { asOf: on(n) } });
  function runPlain(amount: number, commands: InvoiceCommand[]) {
    const issuedPlain: InvoiceEvent = { type: 'InvoiceIssued', data: { ...plain, amount } };
    let state: InvoiceState = decider.evolve(decider.initialState(), issuedPlain);
    const recorded: InvoiceEvent[] = [issuedPlain];
    for (const command of commands) {
      const next = decider.decide(command, state, new Date());
      recorded.push(...next);
      state = next.reduce(decider.evolve, state);
    }
    return { state: state as Invoice, recorded };
  }
  const ending = (r: ReturnType<typeof runPlain>) => ({
    ...owed(r.state),
    paid: r.recorded.find((e) => e.type === 'InvoicePaid')?.data,
    credited: r.recorded.some((e) => e.type === 'InvoiceFullyCredited'),
  });

  it('a credit note recorded the day after a payment of its own date: the payment pays the invoice', () => {
    // given a payment of 1998 on day 19, recorded that day
    // when a credit note of 2 dated day 19 is recorded on day 20
    const late = runPlain(2_000, [payOn('P-1', 1_998, 19), creditOn('CN-0', 2, 19), assessOn(230)]);
    // then the invoice is paid on day 19, exactly as if the credit note had been recorded first
    const onTime = runPlain(2_000, [creditOn('CN-0', 2, 19), payOn('P-1', 1_998, 19), assessOn(230)]);
    expect(ending(late)).toEqual(ending(onTime));
    expect(ending(late)).toMatchObject({ status: 'PAID', principal: 0, credited: false });
    expect(ending(late).paid).toMatchObject({ paidDate: on(19) });
  });

  it('the smallest amounts: a credit note of 1 recorded after a payment of 1 on day 31 of a 2.00 invoice', () => {
    const late = runPlain(2, [payOn('P-1', 1, 31), creditOn('CN-0', 1, 31), assessOn(230)]);
    const onTime = runPlain(2, [creditOn('CN-0', 1, 31), payOn('P-1', 1, 31), assessOn(230)]);
    expect(ending(late)).toEqual(ending(onTime));
    expect(ending(late)).toMatchObject({ status: 'PAID', principal: 0, thresholds: [1, 16, 31] });
    expect(ending(late).paid).toMatchObject({ paidDate: on(31) });
  });

  it('a credit note recorded after two payments of its date, the second paying what it leaves', () => {
    // given payments on day 0 (one recorded a day late), then two payments on day 125
    const late = runPlain(2_000, [
      payOn('P-4', 500, 0),
      payOn('P-2', 300, 0),
      payOn('P-1', 600, 125),
      payOn('P-3', 599, 125),
      // when the credit note of day 125 is recorded on day 126
      creditOn('CN-0', 1, 125),
      assessOn(230),
    ]);
    // then it ends as recorded on time: the credit note first, the last payment pays the invoice
    const onTime = runPlain(2_000, [
      payOn('P-2', 300, 0),
      payOn('P-4', 500, 0),
      creditOn('CN-0', 1, 125),
      payOn('P-1', 600, 125),
      payOn('P-3', 599, 125),
      assessOn(230),
    ]);
    expect(ending(late)).toEqual(ending(onTime));
    expect(ending(late)).toMatchObject({ status: 'PAID', principal: 0, credited: false });
    expect(ending(late).paid).toMatchObject({ paidDate: on(125) });
  });

  it('a payment that pays in full refuses a credit note of its date recorded after it', () => {
    const { state } = runPlain(2_000, [payOn('P-1', 2_000, 19)]);
    expect(() => decider.decide(creditOn('CN-0', 2, 19), state, new Date())).toThrow();
  });
});

describe('value dating: a payment dated before a plan that waived fees, recorded after the invoice was paid', () => {
  // Day 40: a plan waives the fees then open (interest 2,400 for days 16-39, penalty 2,000) and
  // asks the principal on day 50; day 45 pays it. Money that arrived on day 35 is matched on day 60.
  const waivingPlan = planWaivingFees('hardship');
  const paidUnderThePlan = [assess(40), waivingPlan, pay('P-2', 100_000, 45), assess(60)];
  const paid = run(paidUnderThePlan);

  it('pays the fees it would have paid on its date; the waiver shrinks to what was really open; still paid', () => {
    expect(paid.state.status).toBe('PAID');
    const { recorded, state } = run([...paidUnderThePlan, pay('P-1', 3_000, 35)]);
    const added = recorded.slice(paid.recorded.length);

    expect(added).toEqual([
      {
        type: 'PaymentAllocated',
        data: expect.objectContaining({
          paymentId: 'P-1',
          toPenalty: 2_000,
          toInterest: 1_000,
          toPrincipal: 0,
        }),
      },
      {
        type: 'InstalmentPlanRevised',
        data: expect.objectContaining({
          planId: 'PLAN-W',
          instalments: [expect.objectContaining({ dueDate: day(50), amount: 100_000 })],
          fees: { mode: 'WAIVED', interest: 1_400, penalty: 0 },
          previous: expect.objectContaining({ fees: { mode: 'WAIVED', interest: 2_400, penalty: 2_000 } }),
          cause: { kind: 'PAYMENT', id: 'P-1', date: day(35) },
        }),
      },
    ]);
    expect(owed(state)).toEqual({ status: 'PAID', principal: 0, interest: 0, penalty: 0, thresholds: [] });
    // Paid once: no second InvoicePaid for credit-scoring and collections to count again.
    expect(recorded.filter((e) => e.type === 'InvoicePaid')).toHaveLength(1);
  });

  it('the same payment again changes nothing', () => {
    const once = run([...paidUnderThePlan, pay('P-1', 3_000, 35)]);
    const twice = run([...paidUnderThePlan, pay('P-1', 3_000, 35), pay('P-1', 3_000, 35)]);
    expect(twice.recorded).toEqual(once.recorded);
  });

  it('beyond the fees open on its date (3,900) it pays principal: the plan asks less, day 45 releases the rest', () => {
    const all = run([...paidUnderThePlan, pay('P-1', 3_900, 35)]);
    expect(all.recorded.at(-1)).toMatchObject({
      type: 'InstalmentPlanRevised',
      data: { fees: { mode: 'WAIVED', interest: 500, penalty: 0 } },
    });
    const more = run([...paidUnderThePlan, pay('P-1', 5_000, 35)]);
    const added = more.recorded.slice(paid.recorded.length);
    expect(added.find((e) => e.type === 'PaymentAllocated')?.data).toMatchObject({
      paymentId: 'P-1',
      toPenalty: 2_000,
      toInterest: 1_900,
      toPrincipal: 1_100,
    });
    expect(added.find((e) => e.type === 'PaymentReallocated')?.data).toMatchObject({
      paymentId: 'P-2',
      released: 1_100,
    });
    expect(owed(more.state)).toEqual({
      status: 'PAID',
      principal: 0,
      interest: 0,
      penalty: 0,
      thresholds: [],
    });
    expect(more.state.paidDate).toBe(day(45));
  });

  it('money dated on the plan day pays its instalment, day 45 releases as much; after day 45 the invoice is paid', () => {
    const onThePlanDay = run([...paidUnderThePlan, pay('P-1', 1_000, 40)]);
    expect(owed(onThePlanDay.state).status).toBe('PAID');
    expect(onThePlanDay.recorded.at(-1)?.data).toMatchObject({ paymentId: 'P-2', released: 1_000 });
    expect(() => run([...paidUnderThePlan, pay('P-1', 1_000, 46)])).toThrow(/paid/);
  });

  it('under a plan that included the fees it paid fees the plan then included: the plan asks less', () => {
    const included: InvoiceCommand = {
      type: 'ApplyInstalmentPlan',
      data: {
        planId: 'PLAN-I',
        instalments: [{ dueDate: day(50), amount: 104_400 }],
        date: day(40),
        fees: 'INCLUDED',
      },
    };
    const { recorded, state } = run([assess(40), included, pay('P-2', 104_400, 45), pay('P-1', 1_000, 35)]);
    // Counted from day 35 it paid 1,000 of the fees the plan then included: the plan asks 1,000 less
    // and day 45's payment gives that back.
    expect(recorded.find((e) => e.type === 'InstalmentPlanRevised')?.data).toMatchObject({
      instalments: [expect.objectContaining({ amount: 103_400 })],
    });
    expect(recorded.find((e) => e.type === 'PaymentReallocated')?.data).toMatchObject({
      paymentId: 'P-2',
      released: 1_000,
    });
    expect(owed(state)).toEqual({ status: 'PAID', principal: 0, interest: 0, penalty: 0, thresholds: [] });
  });
});

describe('value dating: a plan read back from the store', () => {
  it('is the same plan whatever order its fees keys come in (jsonb): a payment under it revises nothing', () => {
    const plan: InvoiceCommand = {
      type: 'ApplyInstalmentPlan',
      data: {
        planId: 'PLAN-J',
        instalments: [{ dueDate: day(50), amount: 100_000 }],
        date: day(40),
        fees: 'WAIVED',
        feeWaiver: { decidedBy: 'finance-lead', reason: 'hardship' },
      },
    };
    // As PostgreSQL's jsonb gives it back: keys by length, then bytes ("mode", "penalty", "interest").
    const stored = run([assess(40), plan]).recorded.map((e) =>
      e.type === 'InstalmentPlanApplied' && e.data.fees
        ? {
            ...e,
            data: {
              ...e.data,
              fees: { mode: e.data.fees.mode, penalty: e.data.fees.penalty, interest: e.data.fees.interest },
            },
          }
        : e,
    );
    const state = stored.reduce(decider.evolve, decider.initialState());
    const events = decider.decide(pay('P-1', 50_000, 45), state, new Date());
    expect(events.map((e) => e.type)).toEqual(['PaymentAllocated']);
  });
});

describe('value dating: a credit note dated before a fee-waiving plan that leaves nothing owed (#14, money oracle)', () => {
  // Day 40: a plan waives the fees then open (interest 2,400, penalty 2,000) and asks the principal,
  // 100,000, on day 50. On day 41 a credit note for the whole principal, dated day 35, is recorded:
  // on day 35 only the fees were left (penalty 2,000, interest 1,900 for days 16-35), and the plan
  // waived what was open on its day - so nothing was owed from then on.
  const waivingPlan = planWaivingFees('goods returned');

  it('ends credited: the waiver shrinks to the fees really open, the plan asks nothing, later interest reversed', () => {
    const before = run([assess(40), waivingPlan]);
    const { recorded, state } = run([assess(40), waivingPlan, credit('CN-1', 100_000, 35)]);
    const added = recorded.slice(before.recorded.length);

    expect(owed(state)).toMatchObject({ status: 'CREDITED', principal: 0, interest: 0, penalty: 0 });
    expect(added.filter((e) => e.type === 'LateFeeReversed').map((e) => e.data)).toEqual(
      // (interest for a day is counted the next morning: the day-35 figure already saw the credit note)
      [35, 36, 37, 38, 39].map((n) =>
        expect.objectContaining({ kind: 'INTEREST', forDate: day(n), amount: 100 }),
      ),
    );
    expect(added.filter((e) => e.type !== 'LateFeeReversed' && e.type !== 'PaymentOverdueWithdrawn')).toEqual(
      [
        {
          type: 'CreditNoteIssued',
          data: expect.objectContaining({ creditNoteId: 'CN-1', amount: 100_000 }),
        },
        {
          type: 'InstalmentPlanRevised',
          data: expect.objectContaining({
            planId: 'PLAN-W',
            instalments: [],
            fees: { mode: 'WAIVED', interest: 1_900, penalty: 2_000 },
            previous: expect.objectContaining({ fees: { mode: 'WAIVED', interest: 2_400, penalty: 2_000 } }),
            cause: { kind: 'CREDIT_NOTE', id: 'CN-1', date: day(35) },
          }),
        },
        { type: 'InvoiceFullyCredited', data: expect.objectContaining({ creditNoteId: 'CN-1' }) },
      ],
    );
  });

  it('after a payment under the plan it is refused: it would leave that payment nothing to pay', () => {
    const paidUnderIt = run([assess(40), waivingPlan, pay('P-2', 50_000, 45)]);
    expect(() => decider.decide(credit('CN-1', 100_000, 35), paidUnderIt.state, new Date())).toThrow(
      // The credit note's own field, and money as people read it (#14 probe F8: 'receivedDate', '100000').
      expect.objectContaining({
        code: 'VALUE_DATE_CONFLICT',
        field: 'issueDate',
        message: expect.stringMatching(/credit note CN-1 of CNY 1,000.00 dated .* payment P-2 of CNY 500.00/),
      }),
    );
  });

  it('the same credit note again changes nothing; a payment afterwards finds nothing to pay', () => {
    const once = run([assess(40), waivingPlan, credit('CN-1', 100_000, 35)]);
    const twice = run([assess(40), waivingPlan, credit('CN-1', 100_000, 35), credit('CN-1', 100_000, 35)]);
    expect(twice.recorded).toEqual(once.recorded);
    expect(() => decider.decide(pay('P-1', 1_000, 45), once.state, new Date())).toThrow(/credited/);
  });
});

describe('value dating: a credit note dated before a plan that included the fees leaves only fees to pay (#14 probe F2)', () => {
  // Day 40: a plan covers everything open (principal 100,000, interest 2,400, penalty 2,000) in two
  // instalments. On day 41 a credit note for the whole principal, dated day 35, is recorded: only
  // the fees then open (3,900) were really owed on day 40 - the first instalment, cut to them.
  const plan: InvoiceCommand = {
    type: 'ApplyInstalmentPlan',
    data: {
      planId: 'PLAN-I',
      instalments: [
        { dueDate: day(50), amount: 50_000 },
        { dueDate: day(80), amount: 54_400 },
      ],
      date: day(40),
      fees: 'INCLUDED',
    },
  };

  it('owes the fees by the first instalment, and the invoice reads within its published schema', () => {
    const { state } = run([assess(40), plan, credit('CN-1', 100_000, 35)]);

    expect(owed(state)).toMatchObject({ status: 'OPEN', principal: 0, interest: 1_900, penalty: 2_000 });
    expect(state.plan?.instalments).toEqual([{ dueDate: day(50), amount: 3_900, principal: 0 }]);
    const view = invoiceView(state, 1);
    expect(InvoiceView.safeParse(view).error).toBeUndefined();
    expect(view.schedule).toEqual([]);
    expect(view.open).toEqual({ principal: 0, interest: 1_900, penalty: 2_000, total: 3_900 });
  });
});

describe('value dating from a snapshot (#17): what the store keeps of the state is not the order of its keys', () => {
  const plan = (planId: string, n: number): InvoiceCommand => ({
    type: 'ApplyInstalmentPlan',
    data: {
      planId,
      instalments: [{ dueDate: day(n + 20), amount: 100_000 }],
      date: day(n),
      fees: 'INCLUDED',
    },
  });
  /** The state as jsonb gives it back: every object's keys in another order. */
  const asStored = (state: unknown): InvoiceState =>
    JSON.parse(JSON.stringify(state), (_, value) =>
      value && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).reverse())
        : value,
    );

  it('money dated before two plans voids both, in the same order whether the state was folded or read back', () => {
    const { state } = run([assess(10), plan('PLAN-Z', 10), assess(20), plan('PLAN-A', 20)]);
    const backDated = pay('P-EARLY', 100_000, -5);
    const folded = decider.decide(backDated, state, new Date());
    expect(folded.filter((e) => e.type === 'InstalmentPlanRevised').map((e) => e.data.planId)).toEqual([
      'PLAN-A',
      'PLAN-Z',
    ]);
    expect(decider.decide(backDated, asStored(state), new Date())).toEqual(folded);
  });
});
