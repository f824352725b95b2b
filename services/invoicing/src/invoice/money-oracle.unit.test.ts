import { type DiscountTermsV1, type InvoiceIssuedV1, InvoiceView, type LateFeeTermsV1 } from '@ar/contracts';
import fc from 'fast-check';
import { type InvoiceCommand, type InvoiceEvent, type InvoiceState, invoiceDecider } from './decider';
import { invoiceView } from './handler';
import { type Invoice, reviveInvoice } from './state';

/**
 * The money oracle (issue #14, "done means"): random invoices, partial, early, late and
 * late-recorded payments and credit notes, late-fee clauses and instalment plans (fees included
 * or waived) go through the invoice decider in the order they are recorded, with the overdue
 * clock run on random days; every open amount, fee, threshold (and the day it was reached), the
 * plan's instalments and the paid date must equal an independent computation written from
 * DOMAIN.md's rules, to the minor unit. The oracle below is deliberately simple - one pass over
 * the calendar, day by day - and uses none of the code's helpers (its own date arithmetic, its
 * own weekday count and its own half-up rounding).
 *
 * The rules it encodes (DOMAIN.md §2-3, README "Invoicing"):
 *   - every fact counts from its own date (value dating), however late it is recorded; on one
 *     date, credit notes before payments, each kind in the order it was recorded;
 *   - at the start of each day d while principal is unpaid, with `due` the date the earliest
 *     unpaid principal was payable by: interest for day d-1 if d-1 is at least `interestFromDay`
 *     days after `due`, on the principal payable before d-1 and unpaid at its end; each threshold
 *     t reached on day due+t (once per schedule); the one-off penalty on day due+penaltyDay, on
 *     the principal payable before d and unpaid; each fee rounded half-up on its own;
 *   - then the day's facts: a payment clears penalty, then interest, then principal; paid in
 *     full within the discount period with no fees open, the discount is taken; a credit note
 *     lowers the principal;
 *   - an instalment plan is agreed (and recorded) at the start of its day, after the day's clock,
 *     on what the platform shows as open that day - the facts recorded before it. It covers the
 *     principal and fees open (fees included) or the principal, the fees waived. Counted from
 *     every fact's own date, what was really open may be less (a payment dated before the plan,
 *     recorded after it): the surplus comes off the last instalments. Payments clear fees first,
 *     so each instalment's principal is what is left of it once the fees are covered. The clock
 *     restarts on those principal amounts; an instalment due on a Saturday or Sunday is payable
 *     by the next Monday, and is overdue only after it;
 *   - a prepayment invoice (money asked before shipping) has no clock at all: no threshold, no fee.
 */

const DAY = 86_400_000;
const dayNumber = (iso: string) => Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)) / DAY;
const isoOf = (n: number) => new Date(n * DAY).toISOString().slice(0, 10);
/** Day 0 (1970-01-01) was a Thursday: Saturday and Sunday are days 2 and 3 of each week from it. */
const isWeekend = (n: number) => ((n % 7) + 7) % 7 === 2 || ((n % 7) + 7) % 7 === 3;
const payableBy = (n: number) => {
  let d = n;
  while (isWeekend(d)) d++;
  return d;
};
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

interface PlanIntent {
  /** Days after the issue date it is agreed (and recorded). */
  day: number;
  /** Days from the agreement to the first instalment, then from each to the next, and its weight. */
  instalments: { gap: number; weight: number }[];
  fees: 'INCLUDED' | 'WAIVED';
}

interface Scenario {
  amount: number;
  /** A prepayment invoice (款到发货): money asked before shipping, never overdue, never a fee. */
  prepayment: boolean;
  dueIn: number;
  terms: LateFeeTermsV1 | undefined;
  discount: DiscountTermsV1 | undefined;
  facts: FactIntent[];
  plan: PlanIntent | undefined;
  clockDays: number[];
  lastDay: number;
}

interface OracleFact {
  id: string;
  /** Its place in the scenario's facts. */
  intent: number;
  kind: 'PAYMENT' | 'CREDIT_NOTE';
  day: number;
  recordedOn: number;
  amount: number;
}

interface Instalment {
  dueDate: string;
  amount: number;
  principal: number;
}

/**
 * The independent computation. Returns the facts with their amounts, the plan and the invoice at the end.
 * Cash application offers a payment only to the invoices open when it is recorded (`ledger/open-items`),
 * and to a paid invoice whose plan, agreed after the payment's date, waived fees. A fact recorded
 * once the invoice as recorded so far is settled can exist only when what it would have paid was
 * waived by a plan after its date. A payment is then sent to it with as much as it can take - the
 * most with which every other fact keeps its amount and the invoice ends paid on the same day,
 * nothing open (found by bisection; the rest is the customer's credit) - and the plan's waiver is
 * what remains really open. A credit note, or a payment it can take nothing of, is left out (credit),
 * the earliest recorded first, until none is left.
 */
function oracle(s: Scenario, issueDay: number) {
  const credit = new Set<number>();
  const caps = new Map<number, number>();
  for (;;) {
    const result = oracleWithout(s, issueDay, credit, caps);
    if (result.onSettled === undefined) return result;
    const late = result.onSettled;
    const intended = result.facts.find((f) => f.intent === late);
    const beforePlan = s.plan?.fees === 'WAIVED' && s.facts[late]!.day < s.plan.day;
    let room = 0;
    if (intended?.kind === 'PAYMENT' && beforePlan && !caps.has(late)) {
      const without = oracleWithout(s, issueDay, new Set([...credit, late]), caps);
      const others = (r: typeof without) =>
        JSON.stringify(r.facts.filter((f) => f.intent !== late).map((f) => [f.intent, f.amount]));
      const takes = (c: number) => {
        const r = oracleWithout(s, issueDay, credit, new Map([...caps, [late, c]]));
        const e = r.expected;
        return (
          r.facts.find((f) => f.intent === late)?.amount === c &&
          others(r) === others(without) &&
          e.status === without.expected.status &&
          e.paidDate === without.expected.paidDate &&
          e.principal === 0 &&
          e.interest === 0 &&
          e.penalty === 0
        );
      };
      let high = intended.amount;
      while (room < high) {
        const mid = Math.ceil((room + high) / 2);
        if (takes(mid)) room = mid;
        else high = mid - 1;
      }
    }
    if (room > 0) caps.set(late, room);
    else credit.add(late);
  }
}

function oracleWithout(s: Scenario, issueDay: number, credit: Set<number>, caps = new Map<number, number>()) {
  const due = issueDay + s.dueIn;
  const end = issueDay + s.lastDay;
  const planDay = s.plan ? issueDay + s.plan.day : undefined;
  const recordingOrder = s.facts
    .map((f, i) => ({ ...f, i, recordedOn: issueDay + f.day + f.delay }))
    .sort((a, b) => a.recordedOn - b.recordedOn || a.i - b.i)
    .map((f, position) => ({ ...f, position }));
  // On one day, credit notes before payments, each kind in the order recorded (README "Value dating").
  const kindFirst = (f: FactIntent) => (f.kind === 'CREDIT_NOTE' ? 0 : 1);
  const byValueDate = [...recordingOrder].sort(
    (a, b) => a.day - b.day || kindFirst(a) - kindFirst(b) || a.position - b.position,
  );
  /** Each fact's amount, fixed by the pass over every fact (undefined: it never happened). */
  const amounts = new Map<number, number>();
  const facts: OracleFact[] = [];
  let agreed: { dueDate: string; amount: number }[] | undefined;

  /**
   * One pass over the calendar from the issue date. The truth: every fact (fixing each one's
   * amount) and the plan, to the last day. Or what the platform shows on the morning of `last`:
   * the facts recorded before then, no plan, the clock of that day and none of its facts.
   */
  function pass(
    counted: (f: (typeof byValueDate)[number]) => boolean,
    last: number,
    withPlan: boolean,
    fixing = withPlan,
  ) {
    let principal = s.amount;
    let interest = 0;
    let penalty = 0;
    let interestCharged = 0;
    let penaltyCharged = 0;
    let penaltyDone = false;
    let discountTaken = 0;
    let status: 'OPEN' | 'PAID' | 'CREDITED' = 'OPEN';
    let paidOn: number | undefined;
    let finalPayable = due;
    /** The principal's schedule: when each part is payable by; what reduced it since it began. */
    let schedule = [{ payable: due, principal: s.amount }];
    let reduced = 0;
    let reachedUnderSchedule: number[] = [];
    const thresholds: { threshold: number; overdueDate: string }[] = [];
    let plan:
      | { instalments: Instalment[]; fees: { mode: string; interest: number; penalty: number } }
      | undefined;
    let next = 0;

    const overdueOn = (x: number) =>
      Math.max(0, schedule.reduce((sum, i) => (i.payable < x ? sum + i.principal : sum), 0) - reduced);
    const earliestUnpaid = () => {
      let cumulative = 0;
      for (const i of schedule) {
        cumulative += i.principal;
        if (cumulative > reduced) return i.payable;
      }
      return undefined;
    };

    for (let d = issueDay; d <= last; d++) {
      const dueNow = status === 'OPEN' && principal > 0 ? earliestUnpaid() : undefined;
      if (dueNow !== undefined && d - dueNow >= 1 && !s.prepayment) {
        const k = d - dueNow;
        if (s.terms && k - 1 >= s.terms.interestFromDay) {
          const fee = bpHalfUp(overdueOn(d - 1), s.terms.dailyInterestBp);
          interest += fee;
          interestCharged += fee;
        }
        for (const t of [1, 16, 31, 61, 91]) {
          if (k >= t && !reachedUnderSchedule.includes(t) && overdueOn(d) > 0) {
            reachedUnderSchedule.push(t);
            thresholds.push({ threshold: t, overdueDate: isoOf(d) });
          }
        }
        if (s.terms && !penaltyDone && k >= s.terms.penaltyDay) {
          const fee = bpHalfUp(overdueOn(d), s.terms.penaltyBp);
          if (fee > 0) {
            penalty += fee;
            penaltyCharged += fee;
            penaltyDone = true;
          }
        }
      }
      if (withPlan && d === planDay && s.plan) {
        if (agreed === undefined) {
          // What the platform shows this morning: the facts recorded before today.
          const shown = pass((f) => f.recordedOn < d, d, false);
          const covered =
            s.plan.fees === 'WAIVED' ? shown.principal : shown.principal + shown.interest + shown.penalty;
          if (shown.status === 'OPEN' && covered > 0) {
            const parts =
              covered >= s.plan.instalments.length ? s.plan.instalments : s.plan.instalments.slice(0, 1);
            const weights = parts.reduce((sum, p) => sum + p.weight, 0);
            let when = d;
            let given = 0;
            agreed = parts.map((p, n) => {
              when += p.gap;
              const amount =
                n === parts.length - 1
                  ? covered - given
                  : 1 + Math.floor(((covered - parts.length) * p.weight) / weights);
              given += amount;
              return { dueDate: isoOf(when), amount };
            });
          } else {
            agreed = [];
          }
        }
        if (agreed.length > 0 && status === 'OPEN') {
          const fees = { mode: s.plan.fees, interest, penalty };
          if (s.plan.fees === 'WAIVED') {
            interest = 0;
            penalty = 0;
          }
          // What was really open may be less than the plan was agreed on: the surplus comes off the end.
          let surplus = agreed.reduce((sum, i) => sum + i.amount, 0) - (principal + interest + penalty);
          const amountsLeft = agreed.map((i) => i.amount);
          for (let n = amountsLeft.length - 1; n >= 0 && surplus > 0; n--) {
            const cut = Math.min(surplus, amountsLeft[n]!);
            amountsLeft[n]! -= cut;
            surplus -= cut;
          }
          let feesLeft = interest + penalty;
          const instalments = agreed
            .map((i, n) => ({ dueDate: i.dueDate, amount: amountsLeft[n]! }))
            .filter((i) => i.amount > 0)
            .map((i) => {
              const toFees = Math.min(i.amount, feesLeft);
              feesLeft -= toFees;
              return { ...i, principal: i.amount - toFees };
            });
          if (instalments.length === 0) {
            // The fees waived, nothing was really open: credit notes before it settled the principal
            // (a payment clears fees first), so the invoice ends credited, and no plan runs.
            status = 'CREDITED';
          } else {
            plan = { instalments, fees };
            schedule = instalments
              .map((i) => ({ payable: payableBy(dayNumber(i.dueDate)), principal: i.principal }))
              .filter((i, n, all) => i.principal > 0 || n === all.length - 1);
            finalPayable = schedule.at(-1)!.payable;
            reduced = 0;
            reachedUnderSchedule = [];
          }
        }
      }
      if (!withPlan && d === last) break; // the morning of that day
      for (; next < byValueDate.length && issueDay + byValueDate[next]!.day === d; next++) {
        const f = byValueDate[next]!;
        const known = amounts.get(f.i);
        if (!counted(f) || status !== 'OPEN' || (!fixing && known === undefined)) continue;
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
          const amount =
            known ??
            Math.min(
              caps.get(f.i) ?? Number.POSITIVE_INFINITY,
              f.settle ? toSettle : Math.max(1, Math.floor((toSettle * f.permille) / 1000)),
            );
          if (fixing && known === undefined) {
            amounts.set(f.i, amount);
            facts.push({ id, intent: f.i, kind: 'PAYMENT', day: d, recordedOn: f.recordedOn, amount });
          }
          let left = amount;
          const toPenalty = Math.min(left, penalty);
          penalty -= toPenalty;
          left -= toPenalty;
          const toInterest = Math.min(left, interest);
          interest -= toInterest;
          left -= toInterest;
          principal -= left;
          reduced += left;
          if (amount === toSettle) {
            principal -= discount;
            reduced += discount;
            discountTaken = discount;
            status = 'PAID';
            paidOn = d;
          }
        } else {
          if (principal === 0) continue;
          const amount = known ?? Math.max(1, Math.floor((principal * f.permille) / 1000));
          if (fixing && known === undefined) {
            amounts.set(f.i, amount);
            facts.push({ id, intent: f.i, kind: 'CREDIT_NOTE', day: d, recordedOn: f.recordedOn, amount });
          }
          principal -= amount;
          reduced += amount;
          if (principal + interest + penalty === 0) status = 'CREDITED';
        }
      }
    }
    return {
      status,
      principal,
      interest,
      penalty,
      interestCharged,
      penaltyCharged,
      discountTaken,
      thresholds: byDay(thresholds),
      paidDate: paidOn === undefined ? undefined : isoOf(paidOn),
      daysLate: paidOn === undefined ? undefined : paidOn - finalPayable,
      plan,
    };
  }

  const expected = pass((f) => !credit.has(f.i), end, true);
  // The invoice as recorded when each fact is (in the decider's order: by day, then as `facts`).
  const recordedBefore = (f: OracleFact, n: number) => (g: OracleFact, m: number) =>
    g.recordedOn < f.recordedOn || (g.recordedOn === f.recordedOn && m < n);
  const onSettled = [...facts.entries()]
    .filter(([n, f]) => {
      if (caps.has(f.intent)) return false; // sent to the paid invoice, with what it can take
      const before = new Set(facts.filter(recordedBefore(f, n)).map((g) => g.intent));
      const planned = planDay !== undefined && planDay <= f.recordedOn;
      return pass((g) => before.has(g.i), end, planned, false).status !== 'OPEN';
    })
    .sort(([n, f], [m, g]) => f.recordedOn - g.recordedOn || n - m)
    .at(0)?.[1].intent;
  return { facts, agreed: agreed && agreed.length > 0 ? agreed : undefined, expected, onSettled };
}

const byDay = (reached: { threshold: number; overdueDate: string }[]) =>
  [...reached].sort((a, b) => a.overdueDate.localeCompare(b.overdueDate) || a.threshold - b.threshold);

const decider = invoiceDecider();

/** The decider, driven by the commands in the order they are recorded. */
function throughTheDecider(
  s: Scenario,
  issueDay: number,
  facts: OracleFact[],
  agreed: { dueDate: string; amount: number }[] | undefined,
  /** A plan agreed in collections on its own count, sent as invoicing hears it (#14 item 1). */
  agreedElsewhere?: { day: number; instalments: { dueDate: string; amount: number }[] },
  /** Every event of the invoice's stream, its InvoiceIssued first. */
  seen: (history: InvoiceEvent[]) => void = () => {},
) {
  const invoice: InvoiceIssuedV1 = {
    invoiceId: 'INV-O',
    customerId: 'C-O',
    amount: s.amount,
    currency: 'CNY',
    issueDate: isoOf(issueDay),
    dueDate: isoOf(issueDay + s.dueIn),
    ...(s.terms ? { lateFeeTerms: s.terms } : {}),
    ...(s.discount ? { discountTerms: s.discount } : {}),
    ...(s.prepayment ? { prepayment: true as const } : {}),
  };
  const timeline: { day: number; order: number; command: InvoiceCommand }[] = [
    ...s.clockDays.map((d) => ({
      day: issueDay + d,
      order: 0,
      command: { type: 'AssessOverdue', data: { asOf: isoOf(issueDay + d) } } as InvoiceCommand,
    })),
    ...(s.plan && agreed
      ? [
          {
            day: issueDay + s.plan.day,
            order: 0.5,
            command: {
              type: 'ApplyInstalmentPlan',
              data: {
                planId: 'PLAN-O',
                instalments: agreed,
                date: isoOf(issueDay + s.plan.day),
                fees: s.plan.fees,
                ...(s.plan.fees === 'WAIVED'
                  ? { feeWaiver: { decidedBy: 'finance-o', reason: 'oracle' } }
                  : {}),
              },
            } as InvoiceCommand,
          },
        ]
      : []),
    ...(agreedElsewhere
      ? [
          {
            day: issueDay + agreedElsewhere.day,
            order: 0.5,
            command: {
              type: 'ApplyAgreedInstalmentPlan',
              data: {
                planId: 'PLAN-ELSEWHERE',
                instalments: agreedElsewhere.instalments,
                date: isoOf(issueDay + agreedElsewhere.day),
                fees: 'INCLUDED',
              },
            } as InvoiceCommand,
          },
        ]
      : []),
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
    // What GET /invoices/:id answers after each command meets its published schema (else a 500
    // after the command was stored).
    const view = invoiceView(state, recorded.length);
    const checked = InvoiceView.safeParse(view);
    if (!checked.success) throw new Error(`the invoice view breaks its schema: ${checked.error.message}`);
  }
  seen([{ type: 'InvoiceIssued', data: invoice }, ...recorded]);
  const s1 = state as Invoice;
  const paid = recorded.find((e) => e.type === 'InvoicePaid');
  const discount = recorded.find((e) => e.type === 'DiscountTaken');
  const charged = (kind: 'INTEREST' | 'PENALTY') =>
    recorded.reduce((sum, e) => {
      if (e.type === 'LateFeeCharged' && e.data.kind === kind) return sum + e.data.amount;
      if (e.type === 'LateFeeReversed' && e.data.kind === kind) return sum - e.data.amount;
      return sum;
    }, 0);
  // Every threshold reached and not withdrawn, with its day, across schedules (from the events).
  const thresholds = recorded
    .flatMap((e) =>
      e.type === 'PaymentOverdue' ? [{ threshold: e.data.threshold, overdueDate: e.data.overdueDate }] : [],
    )
    .filter(
      (t) =>
        !recorded.some(
          (e) =>
            e.type === 'PaymentOverdueWithdrawn' &&
            e.data.threshold === t.threshold &&
            e.data.overdueDate === t.overdueDate,
        ),
    );
  const plan = s1.plan;
  return {
    status: s1.status,
    principal: s1.principalOpen,
    interest: s1.interestOpen,
    penalty: s1.penaltyOpen,
    interestCharged: charged('INTEREST'),
    penaltyCharged: charged('PENALTY'),
    discountTaken: discount?.type === 'DiscountTaken' ? discount.data.amount : 0,
    thresholds: byDay(thresholds),
    paidDate: paid?.type === 'InvoicePaid' ? paid.data.paidDate : undefined,
    daysLate: paid?.type === 'InvoicePaid' ? paid.data.daysLate : undefined,
    plan:
      plan && plan.instalments.length > 0
        ? {
            instalments: plan.instalments.map(({ dueDate, amount, principal }) => ({
              dueDate,
              amount,
              principal,
            })),
            fees: plan.fees,
          }
        : undefined,
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
const plan = fc.option(
  fc.record({
    day: fc.integer({ min: 1, max: 150 }),
    instalments: fc.array(
      fc.record({ gap: fc.integer({ min: 1, max: 45 }), weight: fc.integer({ min: 1, max: 10 }) }),
      { minLength: 1, maxLength: 4 },
    ),
    fees: fc.constantFrom<'INCLUDED' | 'WAIVED'>('INCLUDED', 'WAIVED'),
  }),
  { nil: undefined },
);
const scenario: fc.Arbitrary<Scenario> = fc.record({
  amount,
  prepayment: fc.constantFrom(false, false, false, false, true),
  dueIn: fc.integer({ min: 0, max: 60 }),
  terms,
  discount,
  facts: fc.array(fact, { maxLength: 6 }),
  plan,
  clockDays: fc.array(fc.integer({ min: 0, max: 220 }), { maxLength: 12 }),
  lastDay: fc.constant(230),
});

// One seed in CI, so a run's verdict is the code's, not the draw's; FC_SEED=<n> explores others
// (`FC_SEED=random` a new one each run). Seed -249288534 found a credit note dated before a
// fee-waiving plan that left nothing owed (value-dating.unit.test.ts, "leaves nothing owed").
const seed = process.env.FC_SEED === 'random' ? undefined : Number(process.env.FC_SEED ?? 20261124);
if (seed !== undefined) fc.configureGlobal({ seed });

describe('the money oracle', () => {
  const issueDay = dayNumber('2026-01-02');

  it('the decider ends every invoice, fee and threshold exactly where the simple computation does', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { facts, agreed, expected } = oracle(s, issueDay);
        expect(throughTheDecider(s, issueDay, facts, agreed)).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });

  it('under instalment plans, fees included or waived, every instalment, fee and day matches', () => {
    fc.assert(
      fc.property(
        scenario.filter((s) => s.plan !== undefined),
        (s) => {
          const { facts, agreed, expected } = oracle(s, issueDay);
          expect(throughTheDecider(s, issueDay, facts, agreed)).toEqual(expected);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('a plan agreed in collections on a stale count is refused as an event and changes no amount, fee or day (#14 item 1)', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 120 }), (s0, day) => {
        // The truth without a plan; collections' plan, counted on what it had heard, covers more
        // than can ever be open (at most 3.4 times the amount with every fee), so invoicing refuses it.
        const s = { ...s0, plan: undefined };
        const { facts, agreed, expected } = oracle(s, issueDay);
        let recorded: InvoiceEvent[] = [];
        const stale = [
          { dueDate: isoOf(issueDay + day + 10), amount: 5 * s.amount },
          { dueDate: isoOf(issueDay + day + 40), amount: 5 * s.amount + 7 },
        ];
        const result = throughTheDecider(s, issueDay, facts, agreed, { day, instalments: stale }, (r) => {
          recorded = r;
        });
        expect(result).toEqual(expected);
        expect(recorded.filter((e) => e.type === 'InstalmentPlanRefused')).toEqual([
          expect.objectContaining({
            data: expect.objectContaining({ planId: 'PLAN-ELSEWHERE', planned: 10 * s.amount + 7 }),
          }),
        ]);
      }),
      { numRuns: 300 },
    );
  });

  it('a payment dated before a fee-waiving plan, recorded after the invoice was paid, pays the fees of its date (#14)', () => {
    // CI counterexample (seed -1995000374): 2 dated day 3 goes to interest the plan waives on day
    // 4; recorded on day 5, the invoice was paid on day 4 by the 2,000 recorded then. It was held
    // as credit (b0a5b55); counted from its date it paid 2 of the 3 of interest, so the plan waives
    // 1 (InstalmentPlanRevised) and the invoice is paid on day 4 as recorded.
    const s: Scenario = {
      amount: 2000,
      prepayment: false,
      dueIn: 0,
      terms: { interestFromDay: 1, dailyInterestBp: 3, penaltyDay: 1, penaltyBp: 0 },
      discount: undefined,
      facts: [
        { kind: 'PAYMENT', day: 4, delay: 0, settle: true, permille: 1 },
        { kind: 'PAYMENT', day: 3, delay: 2, settle: false, permille: 1 },
      ],
      plan: { day: 4, instalments: [{ gap: 1, weight: 1 }], fees: 'WAIVED' },
      clockDays: [],
      lastDay: 230,
    };
    const { facts, agreed, expected } = oracle(s, issueDay);
    expect(facts.map((f) => [f.id, f.amount])).toEqual([
      ['P-1', 2],
      ['P-0', 2000],
    ]);
    expect(throughTheDecider(s, issueDay, facts, agreed)).toEqual(expected);
    expect(expected).toMatchObject({
      status: 'PAID',
      paidDate: '2026-01-06',
      interestCharged: 3,
      plan: { fees: { mode: 'WAIVED', interest: 1, penalty: 0 } },
    });
  });

  it('money dated before a fee-waiving plan, matched after the invoice was paid, takes what it can (#14)', () => {
    fc.assert(
      fc.property(
        scenario.filter((s) => s.plan !== undefined && s.plan.day > 1 && s.terms !== undefined),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 1_000 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        (s0, paidAfter, dated, matchedAfter, permille) => {
          // The plan waives the fees; a payment in full some days after it; money dated before the
          // plan, its bank line matched after that payment.
          const plan = { ...s0.plan!, fees: 'WAIVED' as const };
          const paidOn = plan.day + paidAfter;
          const day = dated % plan.day;
          const s: Scenario = {
            ...s0,
            plan,
            facts: [
              ...s0.facts.filter((f) => f.day + f.delay < plan.day),
              { kind: 'PAYMENT', day: paidOn, delay: 0, settle: true, permille: 1 },
              // A small share of what is open on its date: often no more than the fees then.
              { kind: 'PAYMENT', day, delay: paidOn - day + matchedAfter, settle: false, permille },
            ],
          };
          const { facts, agreed, expected } = oracle(s, issueDay);
          expect(throughTheDecider(s, issueDay, facts, agreed)).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('recorded late or on time, the same facts give the same invoice', () => {
    fc.assert(
      fc.property(scenario, (s0) => {
        // A plan is agreed on what is known that day: the same facts recorded later make another plan.
        const s = { ...s0, plan: undefined };
        const onTime = { ...s, facts: s.facts.map((f) => ({ ...f, delay: 0 })) };
        const { facts } = oracle(onTime, issueDay);
        const late = facts.map((f, i) => ({ ...f, recordedOn: f.recordedOn + (s.facts[i]?.delay ?? 0) }));
        expect(throughTheDecider(s, issueDay, late, undefined)).toEqual(
          throughTheDecider(onTime, issueDay, facts, undefined),
        );
      }),
      { numRuns: 200 },
    );
  });
  it('read from a snapshot taken after any of its events, an invoice is the one its whole history gives, and decides the same (#17)', () => {
    /** The state as a snapshot keeps it: JSON in the store, whose jsonb does not keep the order of keys. */
    const asJson = (state: unknown) =>
      JSON.parse(JSON.stringify(state), (_, value) =>
        value && typeof value === 'object' && !Array.isArray(value)
          ? Object.fromEntries(Object.entries(value).reverse())
          : value,
      );
    const outcome = (command: InvoiceCommand, state: InvoiceState) => {
      try {
        return decider.decide(command, state, new Date());
      } catch (error) {
        return String(error);
      }
    };
    fc.assert(
      fc.property(scenario, fc.nat(), fc.integer({ min: 0, max: 260 }), (s, at, paidOn) => {
        const { facts, agreed } = oracle(s, issueDay);
        let history: InvoiceEvent[] = [];
        throughTheDecider(s, issueDay, facts, agreed, undefined, (h) => {
          history = h;
        });
        const k = at % (history.length + 1);
        const whole = history.reduce(decider.evolve, decider.initialState());
        const snapshot = asJson(history.slice(0, k).reduce(decider.evolve, decider.initialState()));
        const fromSnapshot = history.slice(k).reduce(decider.evolve, reviveInvoice(snapshot));
        expect(asJson(fromSnapshot)).toEqual(asJson(whole));
        // What it decides next: the clock weeks later, money dated any day (value dating replays
        // from the state's epoch), a credit note, a plan.
        const next: InvoiceCommand[] = [
          { type: 'AssessOverdue', data: { asOf: isoOf(issueDay + s.lastDay + 45) } },
          {
            type: 'AllocatePayment',
            data: {
              paymentId: 'P-NEXT',
              amount: 777,
              currency: 'CNY',
              paymentDate: isoOf(issueDay + paidOn),
            },
          },
          {
            type: 'IssueCreditNote',
            data: {
              creditNoteId: 'CN-NEXT',
              amount: 5,
              reason: 'snapshot',
              issueDate: isoOf(issueDay + paidOn),
            },
          },
        ];
        for (const command of next) expect(outcome(command, fromSnapshot)).toEqual(outcome(command, whole));
      }),
      { numRuns: 120 },
    );
  });
});
