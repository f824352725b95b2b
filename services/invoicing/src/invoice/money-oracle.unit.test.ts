import type { DiscountTermsV1, InvoiceIssuedV1, LateFeeTermsV1 } from '@ar/contracts';
import fc from 'fast-check';
import { type InvoiceCommand, type InvoiceEvent, type InvoiceState, invoiceDecider } from './decider';
import type { Invoice } from './state';

/**
 * The money oracle (issue #14, "done means"): random invoices, partial, early, late and
 * late-recorded payments and credit notes go through the invoice decider in the order they are
 * recorded, with the overdue clock run on random days; every open amount, fee, threshold and the
 * paid date must equal an independent computation written from DOMAIN.md's rules, to the minor
 * unit. The oracle below is deliberately simple - one pass over the calendar, day by day - and
 * uses none of the code's helpers (its own date arithmetic and its own half-up rounding).
 *
 * The rules it encodes (DOMAIN.md §2-3, README "Invoicing"):
 *   - every fact counts from its own date (value dating), however late it is recorded; on one
 *     date, credit notes before payments, each kind in the order it was recorded;
 *   - at the start of each day d after the due date, while principal is unpaid: interest for
 *     day d-1 if d-1 is at least `interestFromDay` days overdue, on the principal unpaid at the
 *     end of d-1; each threshold t reached on day due+t; the one-off penalty on day due+penaltyDay,
 *     on the principal unpaid at the end of the day before; each fee rounded half-up on its own;
 *   - then the day's facts: a payment clears penalty, then interest, then principal; paid in
 *     full within the discount period with no fees open, the discount is taken; a credit note
 *     lowers the principal.
 * Instalment plans are left out: their rules are being changed (issue #14, item 4).
 */

const DAY = 86_400_000;
const dayNumber = (iso: string) => Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)) / DAY;
const isoOf = (n: number) => new Date(n * DAY).toISOString().slice(0, 10);
/** amount x bp / 10000, half-up, exact (amounts are non-negative here). */
const bpHalfUp = (amount: number, bp: number) =>
  Number((BigInt(amount) * BigInt(bp) * 2n + 10_000n) / 20_000n);

interface FactIntent {
  kind: 'PAYMENT' | 'CREDIT_NOTE';
  /** Days after the issue date the money arrived or the note took effect. */
  day: number;
  /** Days after that it was recorded. */
  delay: number;
  /** Payments: the whole amount that settles it; otherwise this share (per mille) of what is open. */
  settle: boolean;
  permille: number;
}

interface Scenario {
  amount: number;
  dueIn: number;
  terms: LateFeeTermsV1 | undefined;
  discount: DiscountTermsV1 | undefined;
  facts: FactIntent[];
  clockDays: number[];
  lastDay: number;
}

interface OracleFact {
  id: string;
  kind: 'PAYMENT' | 'CREDIT_NOTE';
  day: number;
  recordedOn: number;
  amount: number;
}

/** The independent computation. Returns the facts with their amounts and the invoice at the end. */
function oracle(s: Scenario, issueDay: number) {
  const due = issueDay + s.dueIn;
  const end = issueDay + s.lastDay;
  const recordingOrder = s.facts
    .map((f, i) => ({ ...f, i, recordedOn: issueDay + f.day + f.delay }))
    .sort((a, b) => a.recordedOn - b.recordedOn || a.i - b.i)
    .map((f, position) => ({ ...f, position }));
  // On one day, credit notes before payments, each kind in the order recorded (README "Value dating").
  const kindFirst = (f: FactIntent) => (f.kind === 'CREDIT_NOTE' ? 0 : 1);
  const byValueDate = [...recordingOrder].sort(
    (a, b) => a.day - b.day || kindFirst(a) - kindFirst(b) || a.position - b.position,
  );

  let principal = s.amount;
  let interest = 0;
  let penalty = 0;
  let interestCharged = 0;
  let penaltyCharged = 0;
  let penaltyDone = false;
  let discountTaken = 0;
  let status: 'OPEN' | 'PAID' | 'CREDITED' = 'OPEN';
  let paidOn: number | undefined;
  const thresholds: number[] = [];
  const facts: OracleFact[] = [];
  let next = 0;

  for (let d = issueDay; d <= end; d++) {
    const k = d - due;
    if (status === 'OPEN' && principal > 0 && k >= 1) {
      if (s.terms && k - 1 >= s.terms.interestFromDay) {
        const fee = bpHalfUp(principal, s.terms.dailyInterestBp);
        interest += fee;
        interestCharged += fee;
      }
      for (const t of [1, 16, 31, 61, 91]) if (k >= t && !thresholds.includes(t)) thresholds.push(t);
      if (s.terms && !penaltyDone && k >= s.terms.penaltyDay) {
        const fee = bpHalfUp(principal, s.terms.penaltyBp);
        if (fee > 0) {
          penalty += fee;
          penaltyCharged += fee;
          penaltyDone = true;
        }
      }
    }
    for (; next < byValueDate.length && issueDay + byValueDate[next]!.day === d; next++) {
      const f = byValueDate[next]!;
      if (status !== 'OPEN') continue;
      const id = `${f.kind === 'PAYMENT' ? 'P' : 'CN'}-${f.i}`;
      if (f.kind === 'PAYMENT') {
        const discountable =
          s.discount &&
          discountTaken === 0 &&
          d <= issueDay + s.discount.withinDays &&
          interest + penalty === 0;
        const discount = discountable ? Math.min(principal, bpHalfUp(s.amount, s.discount!.rateBp)) : 0;
        const toSettle = penalty + interest + principal - discount;
        // A credit note can leave no more than the discount: nothing to pay, so no payment is made.
        if (toSettle === 0) continue;
        const amount = f.settle ? toSettle : Math.max(1, Math.floor((toSettle * f.permille) / 1000));
        let left = amount;
        const toPenalty = Math.min(left, penalty);
        penalty -= toPenalty;
        left -= toPenalty;
        const toInterest = Math.min(left, interest);
        interest -= toInterest;
        left -= toInterest;
        principal -= left;
        if (amount === toSettle) {
          principal -= discount;
          discountTaken = discount;
          status = 'PAID';
          paidOn = d;
        }
        facts.push({ id, kind: 'PAYMENT', day: d, recordedOn: f.recordedOn, amount });
      } else {
        if (principal === 0) continue;
        const amount = Math.max(1, Math.floor((principal * f.permille) / 1000));
        principal -= amount;
        if (principal + interest + penalty === 0) status = 'CREDITED';
        facts.push({ id, kind: 'CREDIT_NOTE', day: d, recordedOn: f.recordedOn, amount });
      }
    }
  }
  return {
    facts,
    expected: {
      status,
      principal,
      interest,
      penalty,
      interestCharged,
      penaltyCharged,
      discountTaken,
      thresholds: [...thresholds].sort((a, b) => a - b),
      paidDate: paidOn === undefined ? undefined : isoOf(paidOn),
      dueDate: isoOf(due),
    },
  };
}

const decider = invoiceDecider();

/** The decider, driven by the commands in the order they are recorded. */
function throughTheDecider(s: Scenario, issueDay: number, facts: OracleFact[]) {
  const invoice: InvoiceIssuedV1 = {
    invoiceId: 'INV-O',
    customerId: 'C-O',
    amount: s.amount,
    currency: 'CNY',
    issueDate: isoOf(issueDay),
    dueDate: isoOf(issueDay + s.dueIn),
    ...(s.terms ? { lateFeeTerms: s.terms } : {}),
    ...(s.discount ? { discountTerms: s.discount } : {}),
  };
  const timeline: { day: number; order: number; command: InvoiceCommand }[] = [
    ...s.clockDays.map((d) => ({
      day: issueDay + d,
      order: 0,
      command: { type: 'AssessOverdue', data: { asOf: isoOf(issueDay + d) } } as InvoiceCommand,
    })),
    ...facts.map((f, i) => ({
      day: f.recordedOn,
      order: 1 + i,
      command: (f.kind === 'PAYMENT'
        ? {
            type: 'AllocatePayment',
            data: { paymentId: f.id, amount: f.amount, currency: 'CNY', paymentDate: isoOf(f.day) },
          }
        : {
            type: 'IssueCreditNote',
            data: { creditNoteId: f.id, amount: f.amount, reason: 'oracle', issueDate: isoOf(f.day) },
          }) as InvoiceCommand,
    })),
    {
      day: issueDay + s.lastDay,
      order: 1e9,
      command: { type: 'AssessOverdue', data: { asOf: isoOf(issueDay + s.lastDay) } } as InvoiceCommand,
    },
  ].sort((a, b) => a.day - b.day || a.order - b.order);

  let state: InvoiceState = decider.evolve(decider.initialState(), { type: 'InvoiceIssued', data: invoice });
  const recorded: InvoiceEvent[] = [];
  for (const { command } of timeline) {
    const events = decider.decide(command, state, new Date());
    recorded.push(...events);
    state = events.reduce(decider.evolve, state);
  }
  const s1 = state as Invoice;
  const paid = recorded.find((e) => e.type === 'InvoicePaid');
  const discount = recorded.find((e) => e.type === 'DiscountTaken');
  const charged = (kind: 'INTEREST' | 'PENALTY') =>
    recorded.reduce((sum, e) => {
      if (e.type === 'LateFeeCharged' && e.data.kind === kind) return sum + e.data.amount;
      if (e.type === 'LateFeeReversed' && e.data.kind === kind) return sum - e.data.amount;
      return sum;
    }, 0);
  return {
    status: s1.status,
    principal: s1.principalOpen,
    interest: s1.interestOpen,
    penalty: s1.penaltyOpen,
    interestCharged: charged('INTEREST'),
    penaltyCharged: charged('PENALTY'),
    discountTaken: discount?.type === 'DiscountTaken' ? discount.data.amount : 0,
    thresholds: [...s1.overdueThresholdsReached].sort((a, b) => a - b),
    paidDate: paid?.type === 'InvoicePaid' ? paid.data.paidDate : undefined,
    dueDate: s1.schedule.at(-1)!.dueDate,
  };
}

const amount = fc.oneof(fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 2_000, max: 1_000_000_000 }));
const terms = fc.option(
  fc.record({
    interestFromDay: fc.integer({ min: 1, max: 40 }),
    dailyInterestBp: fc.integer({ min: 0, max: 100 }),
    penaltyDay: fc.integer({ min: 1, max: 60 }),
    penaltyBp: fc.integer({ min: 0, max: 1_000 }),
  }),
  { nil: undefined },
);
const discount = fc.option(
  fc.record({ rateBp: fc.integer({ min: 0, max: 500 }), withinDays: fc.integer({ min: 0, max: 30 }) }),
  { nil: undefined },
);
const fact = fc.record({
  kind: fc.constantFrom<'PAYMENT' | 'CREDIT_NOTE'>('PAYMENT', 'PAYMENT', 'PAYMENT', 'CREDIT_NOTE'),
  day: fc.integer({ min: 0, max: 150 }),
  delay: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 70 })),
  settle: fc.boolean(),
  permille: fc.integer({ min: 1, max: 1_000 }),
});
const scenario: fc.Arbitrary<Scenario> = fc.record({
  amount,
  dueIn: fc.integer({ min: 0, max: 60 }),
  terms,
  discount,
  facts: fc.array(fact, { maxLength: 6 }),
  clockDays: fc.array(fc.integer({ min: 0, max: 220 }), { maxLength: 12 }),
  lastDay: fc.constant(230),
});

describe('the money oracle', () => {
  const issueDay = dayNumber('2026-01-02');

  it('the decider ends every invoice, fee and threshold exactly where the simple computation does', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { facts, expected } = oracle(s, issueDay);
        expect(throughTheDecider(s, issueDay, facts)).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });

  it('recorded late or on time, the same facts give the same invoice', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const onTime = { ...s, facts: s.facts.map((f) => ({ ...f, delay: 0 })) };
        const { facts } = oracle(onTime, issueDay);
        const late = facts.map((f, i) => ({ ...f, recordedOn: f.recordedOn + (s.facts[i]?.delay ?? 0) }));
        expect(throughTheDecider(s, issueDay, late)).toEqual(throughTheDecider(onTime, issueDay, facts));
      }),
      { numRuns: 200 },
    );
  });
});
