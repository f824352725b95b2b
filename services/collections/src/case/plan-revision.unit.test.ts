import { addDays } from '@ar/kernel';
import { deciderSpec } from '@ar/kernel/testing';
import type { IncomingEvent } from '@ar/messaging';
import { commandFor } from '../reactions/on-invoicing-event';
import { type CaseCommand, type CaseEvent, type CaseState, caseDecider } from './decider';

/**
 * A plan revised by value dating (issue 14 items 1, 4; DOMAIN.md §3): a payment dated before the
 * plan, recorded after it, shows less was open on the agreement date. Invoicing replays it before
 * the plan and revises the plan (`InstalmentPlanRevised`): the surplus comes off the last
 * instalments, waived fees become those really open, an empty plan is void. The case follows:
 * the payment pays nothing of the plan, the customer owes the revised instalments, a break the
 * revision shows did not happen is withdrawn, and what the case says is open stays what
 * invoicing says.
 *
 * The invoicing events below are those its decider records for this story (its own test,
 * "a payment dated before the plan, recorded after it"): 1,000,000 due 2026-01-31, the plan
 * agreed on day 40 on 1,044,000 (24,000 interest, 20,000 penalty), 100,000 received on day 35.
 */
const decider = caseDecider();
const spec = deciderSpec(decider);
const invoice = {
  invoiceId: 'INV-P',
  customerId: 'C-P',
  customerName: 'Acme Machinery',
  amount: 1_000_000,
  currency: 'CNY',
  dueDate: '2026-01-31',
  lateFeeTerms: { interestFromDay: 16, dailyInterestBp: 10, penaltyDay: 31, penaltyBp: 200 },
};
const ref = { caseId: 'INV-P', invoiceId: 'INV-P', customerId: 'C-P' };
const tracked: CaseEvent = { type: 'InvoiceTracked', data: invoice };
const day = (n: number) => addDays(invoice.dueDate, n);
const agreedOn = day(40); // 2026-03-12
const paidOn = day(35); // 2026-03-07: before the plan, recorded after it
const at = (d: string) => new Date(`${d}T03:00:00Z`); // 11:00 in Shanghai
const runDay = (today: string): CaseCommand => ({ type: 'RunDay', data: { today, tier: 'COOPERATIVE' } });
const dateOf = (c: CaseCommand) =>
  c.type === 'RunDay' ? c.data.today : 'date' in c.data ? (c.data.date as string) : '2026-06-10';

function run(commands: CaseCommand[], events: CaseEvent[]) {
  let state: CaseState = events.reduce(decider.evolve, decider.initialState());
  const produced: CaseEvent[] = [];
  for (const c of commands) {
    const next = decider.decide(c, state, at(dateOf(c)));
    produced.push(...next);
    state = next.reduce(decider.evolve, state);
  }
  return [...events, ...produced];
}
const types = (events: CaseEvent[]) => events.map((e) => e.type);

const fee = (change: number, date: string): CaseCommand => ({
  type: 'NoteFees',
  data: { change, reason: change > 0 ? 'CHARGED' : change < 0 ? 'REVERSED' : 'WAIVED', date },
});
const waived = (amount: number): CaseCommand => ({
  type: 'NoteFees',
  data: { change: -amount, reason: 'WAIVED', date: agreedOn },
});
const payment = (amount: number, toPrincipal: number, date: string): CaseCommand => ({
  type: 'NotePayment',
  data: { amount, toPrincipal, date, paidInFull: false },
});
const asAgreed = [
  { dueDate: '2026-03-31', amount: 348_000 },
  { dueDate: '2026-04-30', amount: 348_000 },
  { dueDate: '2026-05-29', amount: 348_000 },
];
const asRevised = [
  { dueDate: '2026-03-31', amount: 348_000 },
  { dueDate: '2026-04-30', amount: 348_000 },
  { dueDate: '2026-05-29', amount: 247_695 },
];
/** The revised instalments paid on their dates (the first clears the 4,695 of fees first), each day run. */
const payingAsRevised = asRevised.flatMap((i, n) => [
  payment(i.amount, n === 0 ? i.amount - 4_695 : i.amount, i.dueDate),
  runDay(i.dueDate),
]);
const planApplied = (instalments: { dueDate: string; amount: number }[]): CaseCommand => ({
  type: 'NotePlanApplied',
  data: { planId: 'PLAN-1', agreedDate: agreedOn, instalments },
});
type Fees = { mode: 'INCLUDED' | 'WAIVED'; interest: number; penalty: number };
const revised = (
  instalments: { dueDate: string; amount: number }[],
  fees: Fees = { mode: 'INCLUDED', interest: 4_695, penalty: 0 },
  previousFees: Fees = { mode: 'INCLUDED', interest: 24_000, penalty: 20_000 },
): CaseCommand => ({
  type: 'NotePlanRevised',
  data: { planId: 'PLAN-1', instalments, fees, previousFees, valueDate: paidOn },
});

/** Dunned from the due date to day 40: 24 days of interest and the penalty charged, then the plan. */
function underThePlan(fees: 'INCLUDED' | 'WAIVED' = 'INCLUDED') {
  const dunned = Array.from({ length: 41 }, (_, n) => runDay(day(n)));
  const charged = [fee(20_000, day(31)), ...Array.from({ length: 24 }, (_, n) => fee(1_000, day(16 + n)))];
  const instalments =
    fees === 'INCLUDED'
      ? asAgreed
      : [
          { dueDate: '2026-03-31', amount: 333_333 },
          { dueDate: '2026-04-30', amount: 333_333 },
          { dueDate: '2026-05-29', amount: 333_334 },
        ];
  return run(
    [...dunned, ...charged, ...(fees === 'WAIVED' ? [waived(44_000)] : []), planApplied(instalments)],
    [tracked],
  );
}

/** What invoicing records when the day-35 payment is recorded (after the plan): before the revision. */
const paymentReplayedBeforeThePlan: CaseCommand[] = [
  ...[35, 36, 37, 38, 39].map((n) => fee(-1_000, day(n))),
  payment(100_000, 61_000, paidOn), // 20,000 penalty, 19,000 interest, 61,000 principal
  ...[35, 36, 37, 38, 39].map((n) => fee(939, day(n))),
];

describe('a plan revised by a payment dated before it', () => {
  it('the case notes the revised instalments', () => {
    spec
      .given(run(paymentReplayedBeforeThePlan, underThePlan()))
      .when(revised(asRevised), at('2026-03-20'))
      .then([
        {
          type: 'InstalmentPlanRevisionNoted',
          data: {
            ...ref,
            planId: 'PLAN-1',
            instalments: asRevised,
            fees: { mode: 'INCLUDED', interest: 4_695, penalty: 0 },
            previousFees: { mode: 'INCLUDED', interest: 24_000, penalty: 20_000 },
            valueDate: paidOn,
            date: '2026-03-20',
          },
        },
      ]);
  });

  it('a payment dated before the plan pays none of its instalments: the first one short is missed', () => {
    // 300,000 of 348,000 on the first date: the 100,000 of day 35 is not part of it.
    const history = run(
      [...paymentReplayedBeforeThePlan, revised(asRevised), payment(300_000, 295_305, '2026-03-31')],
      underThePlan(),
    );
    const broken = spec.given(history).when(runDay('2026-04-01'), at('2026-04-01')).events();
    expect(broken.find((e) => e.type === 'InstalmentPlanBroken')?.data).toMatchObject({
      dueDate: '2026-03-31',
      due: 348_000,
      paid: 300_000,
      missed: 48_000,
    });
  });

  it('the customer owes the revised instalments: paying them on their dates is never overdue', () => {
    const history = run(
      [...paymentReplayedBeforeThePlan, revised(asRevised), ...payingAsRevised],
      underThePlan(),
    );
    spec.given(history).when(runDay('2026-06-01'), at('2026-06-01')).thenNothingHappened();
  });

  it('a break the revision shows did not happen is withdrawn', () => {
    // The revised instalments paid on their dates, the plan broken on 05-30 by the instalments as
    // agreed; then the day-35 payment is recorded: invoicing withdraws the threshold of 05-30
    // (the escalation it caused goes with it), replays the payment before the plan, revises it.
    const broken = run([...payingAsRevised, runDay('2026-05-30')], underThePlan());
    expect(types(broken)).toContain('InstalmentPlanBroken');
    const withdrawn: CaseCommand = {
      type: 'WithdrawOverdue',
      data: { threshold: 1, overdueDate: '2026-05-30', valueDate: paidOn },
    };
    const corrected = run([withdrawn, ...paymentReplayedBeforeThePlan], broken);
    expect(types(corrected.slice(broken.length))).toContain('CaseEscalationWithdrawn');
    spec
      .given(corrected)
      .when(revised(asRevised), at('2026-06-10'))
      .thenContains([
        { type: 'InstalmentPlanRevisionNoted' },
        {
          type: 'InstalmentPlanBrokenWithdrawn',
          data: expect.objectContaining({ dueDate: '2026-05-29', valueDate: paidOn, date: '2026-06-10' }),
        },
      ]);
  });

  it('fees waived: the waiver becomes the fees really open, so the fees charged after it are what is open', () => {
    const corrected = run(
      [
        ...paymentReplayedBeforeThePlan,
        revised(
          [
            { dueDate: '2026-03-31', amount: 333_333 },
            { dueDate: '2026-04-30', amount: 333_333 },
            { dueDate: '2026-05-29', amount: 272_334 },
          ],
          { mode: 'WAIVED', interest: 4_695, penalty: 0 },
          { mode: 'WAIVED', interest: 24_000, penalty: 20_000 },
        ),
        // The first instalment missed: the plan broken and, later, interest charged again.
        runDay('2026-04-01'),
        fee(1_000, '2026-04-20'),
      ],
      underThePlan('WAIVED'),
    );
    // Open now: 939,000 of principal and 1,000 of fees, as invoicing counts it; a new plan covers both.
    const newPlan = (amount: number): CaseCommand => ({
      type: 'AgreeInstalmentPlan',
      data: {
        planId: 'PLAN-2',
        instalments: [{ dueDate: '2026-05-29', amount }],
        date: '2026-04-21',
        fees: 'INCLUDED',
      },
    });
    spec
      .given(corrected)
      .when(newPlan(940_000), at('2026-04-21'))
      .thenContains([{ type: 'InstalmentPlanAgreed' }]);
  });

  it('an empty revision voids the plan: the case is no longer under it', () => {
    // Paid in full on day 35 (1,039,000: fees first), recorded after the plan.
    const history = run(
      [
        ...[35, 36, 37, 38, 39].map((n) => fee(-1_000, day(n))),
        payment(1_039_000, 1_000_000, paidOn),
        {
          type: 'NotePayment',
          data: { amount: 0, toPrincipal: 0, date: paidOn, paidInFull: true, daysLate: 35 },
        },
        revised([], { mode: 'INCLUDED', interest: 0, penalty: 0 }),
      ],
      underThePlan(),
    );
    const state = history.reduce(decider.evolve, decider.initialState());
    expect(state).toMatchObject({ status: 'CLOSED', plan: undefined });
    expect(history.find((e) => e.type === 'CaseClosed')?.data).toMatchObject({
      outcome: 'PAID',
      date: paidOn,
    });
  });
});

describe("invoicing's InstalmentPlanRevised, read by collections", () => {
  it('becomes the plan revision noted on the case, with the value date of its cause', async () => {
    const event = {
      type: 'InstalmentPlanRevised',
      recordedAt: new Date('2026-06-10T02:00:00Z'),
      data: {
        invoiceId: 'INV-P',
        customerId: 'C-P',
        planId: 'PLAN-1',
        instalments: [
          { dueDate: '2026-03-31', amount: 348_000, principal: 343_305 },
          { dueDate: '2026-04-30', amount: 348_000, principal: 348_000 },
          { dueDate: '2026-05-29', amount: 247_695, principal: 247_695 },
        ],
        fees: { mode: 'INCLUDED', interest: 4_695, penalty: 0 },
        previous: {
          instalments: asAgreed.map((i) => ({ ...i, principal: i.amount })),
          fees: { mode: 'INCLUDED', interest: 24_000, penalty: 20_000 },
        },
        cause: { kind: 'PAYMENT', id: 'PAY-35', date: paidOn },
      },
    } as unknown as IncomingEvent;
    expect(await commandFor(undefined as never, event)).toEqual({
      type: 'NotePlanRevised',
      data: {
        planId: 'PLAN-1',
        instalments: asRevised,
        fees: { mode: 'INCLUDED', interest: 4_695, penalty: 0 },
        previousFees: { mode: 'INCLUDED', interest: 24_000, penalty: 20_000 },
        valueDate: paidOn,
      },
    });
  });
});

describe('a plan voided by a payment on time, recorded after it', () => {
  it('withdraws the escalations and the freeze request made before the plan, and closes the case paid on time', () => {
    // Paid in full on the due date (nothing was overdue), recorded after the plan of day 40: invoicing
    // withdraws every threshold reached (1, 16, 31), replays the payment, voids the plan.
    const thresholdWithdrawn = (threshold: number): CaseCommand => ({
      type: 'WithdrawOverdue',
      data: { threshold, overdueDate: day(threshold), valueDate: day(0) },
    });
    const given = run(
      [
        thresholdWithdrawn(1),
        thresholdWithdrawn(16),
        thresholdWithdrawn(31),
        payment(1_000_000, 1_000_000, day(0)),
        {
          type: 'NotePayment',
          data: { amount: 0, toPrincipal: 0, date: day(0), paidInFull: true, daysLate: 0 },
        },
        revised([], { mode: 'INCLUDED', interest: 0, penalty: 0 }),
      ],
      underThePlan(),
    );
    const since = given.slice(underThePlan().length);
    expect(since.filter((e) => e.type === 'CaseEscalationWithdrawn').map((e) => e.data)).toEqual([
      expect.objectContaining({ rung: 1, overdueDate: day(1), valueDate: day(0) }),
      expect.objectContaining({ rung: 16, overdueDate: day(16), valueDate: day(0) }),
      expect.objectContaining({ rung: 31, overdueDate: day(31), valueDate: day(0) }),
    ]);
    expect(types(since)).toContain('CreditFreezeLiftRequested');
    expect(since.find((e) => e.type === 'CaseClosed')?.data).toMatchObject({
      outcome: 'PAID_ON_TIME',
      date: day(0),
    });
  });
});

describe('money dated before a plan that waived fees, recorded after the invoice was paid (#14)', () => {
  it('is noted on the closed case with the shrunk waiver: nothing reopens, nothing is withdrawn or sent', () => {
    const waivedPlan = [
      { dueDate: '2026-03-31', amount: 333_333 },
      { dueDate: '2026-04-30', amount: 333_333 },
      { dueDate: '2026-05-29', amount: 333_334 },
    ];
    const paidAsAgreed = run(
      [
        ...waivedPlan.flatMap((i) => [payment(i.amount, i.amount, i.dueDate), runDay(i.dueDate)]),
        {
          type: 'NotePayment',
          data: { amount: 0, toPrincipal: 0, date: '2026-05-29', paidInFull: true, daysLate: 0 },
        },
      ],
      underThePlan('WAIVED'),
    );
    const closed = paidAsAgreed.filter((e) => e.type === 'CaseClosed');
    expect(closed).toHaveLength(1);
    // Invoicing: 30,000 of day 35 paid the penalty and 10,000 of interest; the plan waives 14,000.
    const after = run(
      [
        payment(30_000, 0, paidOn),
        revised(
          waivedPlan,
          { mode: 'WAIVED', interest: 14_000, penalty: 0 },
          { mode: 'WAIVED', interest: 24_000, penalty: 20_000 },
        ),
        runDay('2026-06-10'),
      ],
      paidAsAgreed,
    );
    expect(types(after.slice(paidAsAgreed.length))).toEqual([
      'InvoicePaymentNoted',
      'InstalmentPlanRevisionNoted',
    ]);
  });
});
