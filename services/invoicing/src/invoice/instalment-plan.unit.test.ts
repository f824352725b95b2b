import { DEFAULT_LATE_FEE_TERMS, type InvoiceIssuedV1 } from '@ar/contracts';
import { addDays, BusinessCalendar, daysBetween, RuleViolation, StateConflict } from '@ar/kernel';
import { deciderSpec } from '@ar/kernel/testing';
import { type InvoiceCommand, type InvoiceEvent, type InvoiceState, invoiceDecider } from './decider';

/**
 * Instalment plans (issue 14 item 4, DOMAIN.md §3): a plan covers what is open on the day it is
 * agreed, fees included (or waived by a recorded decision), and a customer who pays exactly the
 * agreed instalments on their dates is never overdue again.
 */
const decider = invoiceDecider();
const spec = deciderSpec(decider);

const invoice: InvoiceIssuedV1 = {
  invoiceId: 'INV-P',
  customerId: 'C-P',
  amount: 1_000_000,
  currency: 'CNY',
  issueDate: '2026-01-02',
  dueDate: '2026-01-31',
  lateFeeTerms: DEFAULT_LATE_FEE_TERMS,
};
const issued: InvoiceEvent = { type: 'InvoiceIssued', data: invoice };
const agreed = addDays(invoice.dueDate, 40); // 2026-03-12, 40 days overdue

/**
 * What is open at the start of a day, counted the simplest way (the clause: 0.1% of the principal
 * a day for each overdue day from the 16th that is over, 2% once on day 31): nothing paid yet.
 */
function openOn(day: string) {
  const n = daysBetween(invoice.dueDate, day);
  const interest = Math.max(0, n - 16) * (invoice.amount / 1000);
  const penalty = n >= 31 ? (invoice.amount * 2) / 100 : 0;
  return { principal: invoice.amount, interest, penalty, total: invoice.amount + interest + penalty };
}

function run(commands: InvoiceCommand[], given: InvoiceEvent[] = [issued]) {
  let state: InvoiceState = given.reduce(decider.evolve, decider.initialState());
  const produced: InvoiceEvent[] = [];
  for (const command of commands) {
    const next = decider.decide(command, state, new Date());
    produced.push(...next);
    state = next.reduce(decider.evolve, state);
  }
  return { state, produced };
}
const pay = (paymentId: string, amount: number, paymentDate: string): InvoiceCommand => ({
  type: 'AllocatePayment',
  data: { paymentId, amount, currency: 'CNY', paymentDate },
});
const assess = (asOf: string): InvoiceCommand => ({ type: 'AssessOverdue', data: { asOf } });
const after = (events: InvoiceEvent[], type: InvoiceEvent['type']) =>
  events.slice(events.findIndex((e) => e.type === type) + 1);

/** Three equal instalments of `total` (the last takes the remainder), a month apart. */
function threeInstalments(total: number) {
  const each = Math.floor(total / 3);
  return [
    { dueDate: '2026-03-31', amount: each },
    { dueDate: '2026-04-30', amount: each },
    { dueDate: '2026-05-29', amount: total - 2 * each },
  ];
}

const planWith = (
  instalments: { dueDate: string; amount: number }[],
  extra: object = {},
): InvoiceCommand => ({
  type: 'ApplyInstalmentPlan',
  data: { planId: 'PLAN-1', instalments, date: agreed, fees: 'INCLUDED', ...extra },
});

describe('an instalment plan covers what is open, fees included', () => {
  it('the independent count: 24 days of interest and the penalty are open on day 40', () => {
    expect(openOn(agreed)).toEqual({
      principal: 1_000_000,
      interest: 24_000,
      penalty: 20_000,
      total: 1_044_000,
    });
  });

  it('refuses a plan of the principal alone while fees are open, naming what is open on the agreement date', () => {
    spec
      .given([issued])
      .when(planWith(threeInstalments(invoice.amount)))
      .thenThrows(
        RuleViolation,
        /add up to CNY 10,000.00; open on 2026-03-12: CNY 10,440.00 \(principal CNY 10,000.00, interest CNY 240.00, penalty CNY 200.00\)/,
      );
  });

  it('a customer paying exactly the instalments on their dates is never overdue, charged nothing more, and pays on time', () => {
    const open = openOn(agreed);
    const instalments = threeInstalments(open.total);
    const { produced, state } = run([
      assess(agreed),
      planWith(instalments),
      ...instalments.flatMap((i, n) => [assess(i.dueDate), pay(`PAY-${n}`, i.amount, i.dueDate)]),
      assess('2026-07-31'),
    ]);
    const applied = produced.find((e) => e.type === 'InstalmentPlanApplied');
    // Fees are cleared first (art. 561): the first instalment carries them.
    expect(applied?.data).toMatchObject({
      agreedDate: agreed,
      fees: { mode: 'INCLUDED', interest: open.interest, penalty: open.penalty },
      instalments: instalments.map((i, n) => ({
        ...i,
        principal: n === 0 ? i.amount - open.interest - open.penalty : i.amount,
      })),
    });
    const sincePlan = after(produced, 'InstalmentPlanApplied');
    expect(sincePlan.filter((e) => ['PaymentOverdue', 'LateFeeCharged'].includes(e.type))).toEqual([]);
    expect(sincePlan.find((e) => e.type === 'InvoicePaid')?.data).toMatchObject({
      paidDate: '2026-05-29',
      dueDate: '2026-05-29',
      daysLate: 0,
    });
    expect(state).toMatchObject({ status: 'PAID', principalOpen: 0, interestOpen: 0, penaltyOpen: 0 });
  });

  it('brings the fees up to the agreement date itself, whether or not the overdue clock ran that day', () => {
    const instalments = threeInstalments(openOn(agreed).total);
    const withoutClock = run([planWith(instalments)]).produced;
    expect(withoutClock.at(-1)?.type).toBe('InstalmentPlanApplied');
    expect(withoutClock).toEqual(run([assess(agreed), planWith(instalments)]).produced);
  });

  it('a missed instalment is overdue from its own date, by what it left unpaid', () => {
    const instalments = threeInstalments(openOn(agreed).total);
    const { produced } = run([
      planWith(instalments),
      pay('PAY-0', instalments[0]!.amount, '2026-03-31'),
      assess('2026-05-02'),
    ]);
    const overdue = after(produced, 'InstalmentPlanApplied').filter((e) => e.type === 'PaymentOverdue');
    expect(overdue.map((e) => e.data)).toEqual([
      expect.objectContaining({
        threshold: 1,
        dueDate: '2026-04-30',
        overdueDate: '2026-05-01',
        overdueAmount: 348_000,
      }),
    ]);
  });

  it('refuses instalments due before the day the plan is agreed', () => {
    spec
      .given([issued])
      .when(planWith([{ dueDate: '2026-03-11', amount: openOn(agreed).total }]))
      .thenThrows(RuleViolation, /instalment 1 is due 2026-03-11, before the plan was agreed \(2026-03-12\)/);
  });
});

describe('fees waived by a recorded decision', () => {
  const waiver = {
    decidedBy: 'finance-li',
    reason: 'customer in cash-flow trouble, pays the principal in three',
  };

  it('records the waiver, then the plan covers the principal; paying it on the dates is never overdue', () => {
    const open = openOn(agreed);
    const instalments = threeInstalments(open.principal);
    const { produced, state } = run([
      assess(agreed),
      planWith(instalments, { fees: 'WAIVED', feeWaiver: waiver }),
      ...instalments.flatMap((i, n) => [assess(i.dueDate), pay(`PAY-${n}`, i.amount, i.dueDate)]),
      assess('2026-07-31'),
    ]);
    const waived = produced.find((e) => e.type === 'LateFeesWaived');
    expect(waived?.data).toEqual({
      invoiceId: 'INV-P',
      customerId: 'C-P',
      currency: 'CNY',
      interest: open.interest,
      penalty: open.penalty,
      planId: 'PLAN-1',
      waiver,
      date: agreed,
    });
    const sincePlan = after(produced, 'InstalmentPlanApplied');
    expect(sincePlan.filter((e) => ['PaymentOverdue', 'LateFeeCharged'].includes(e.type))).toEqual([]);
    expect(state).toMatchObject({ status: 'PAID', interestOpen: 0, penaltyOpen: 0 });
  });

  it('refuses to waive fees without the recorded decision', () => {
    spec
      .given([issued])
      .when(planWith(threeInstalments(invoice.amount), { fees: 'WAIVED' }))
      .thenThrows(RuleViolation, /waiving fees needs the recorded decision/);
  });
});

describe('a plan with a guarantee', () => {
  it('carries the guarantor, its kind and amount on the plan (还款计划 + 担保)', () => {
    const guarantee = { guarantor: 'Shenzhen Parent Holdings Ltd', kind: 'CORPORATE', amount: 500_000 };
    const { produced } = run([planWith(threeInstalments(openOn(agreed).total), { guarantee })]);
    expect(produced.find((e) => e.type === 'InstalmentPlanApplied')?.data).toMatchObject({ guarantee });
  });
});

describe('an instalment due on a weekend or holiday is payable by the next working day', () => {
  // 2026-03-29 is a Sunday; 2026-05-01..05 the Labour Day holiday.
  const instalments = (total: number) => [
    { dueDate: '2026-03-29', amount: total - 500_000 },
    { dueDate: '2026-05-01', amount: 500_000 },
  ];

  it('paid on the Monday after a Sunday instalment: not overdue, nothing charged, paid on time', () => {
    const plan = instalments(openOn(agreed).total);
    const { produced } = run([
      planWith(plan),
      assess('2026-03-30'),
      pay('PAY-0', plan[0]!.amount, '2026-03-30'),
      assess('2026-04-30'),
      pay('PAY-1', plan[1]!.amount, '2026-05-01'),
    ]);
    const sincePlan = after(produced, 'InstalmentPlanApplied');
    expect(sincePlan.filter((e) => ['PaymentOverdue', 'LateFeeCharged'].includes(e.type))).toEqual([]);
  });

  it('missed on the Monday: overdue from the Tuesday, counted from the Monday', () => {
    const { produced } = run([planWith(instalments(openOn(agreed).total)), assess('2026-03-31')]);
    const overdue = after(produced, 'InstalmentPlanApplied').filter((e) => e.type === 'PaymentOverdue');
    expect(overdue.map((e) => e.data)).toEqual([
      expect.objectContaining({
        threshold: 1,
        dueDate: '2026-03-30',
        overdueDate: '2026-03-31',
        daysOverdue: 1,
      }),
    ]);
    expect(run([planWith(instalments(openOn(agreed).total)), assess('2026-03-30')]).produced).toEqual(
      run([planWith(instalments(openOn(agreed).total))]).produced,
    );
  });

  it("follows the tenant's holidays: due on the first day of a holiday, paid the first working day after it", () => {
    const labourDay = invoiceDecider({
      overdueThresholds: [1, 16, 31, 61, 91],
      calendar: new BusinessCalendar({
        holidays: ['2026-05-01', '2026-05-02', '2026-05-03', '2026-05-04', '2026-05-05'],
      }),
    });
    const plan = instalments(openOn(agreed).total);
    const paidOnTheSixth = deciderSpec(labourDay)
      .given([issued, ...run([planWith(plan), pay('PAY-0', plan[0]!.amount, '2026-03-27')]).produced])
      .when(pay('PAY-1', plan[1]!.amount, '2026-05-06'));
    expect(paidOnTheSixth.events().map((e) => e.type)).toEqual(['PaymentAllocated', 'InvoicePaid']);
    expect(paidOnTheSixth.events().at(-1)?.data).toMatchObject({ dueDate: '2026-05-06', daysLate: 0 });
    // With weekends only, the same payment is five days late.
    expect(
      deciderSpec(decider)
        .given([issued, ...run([planWith(plan), pay('PAY-0', plan[0]!.amount, '2026-03-27')]).produced])
        .when(pay('PAY-1', plan[1]!.amount, '2026-05-06'))
        .events()
        .some((e) => e.type === 'PaymentOverdue'),
    ).toBe(true);
  });
});

describe('a payment dated before the plan, recorded after it (value dating)', () => {
  // Agreed on day 40 on 1,044,000 (nothing paid yet, as far as anyone knew), three times 348,000.
  const agreedOn = () => run([assess(agreed), planWith(threeInstalments(openOn(agreed).total))]);
  const paidOnDay35 = pay('PAY-35', 100_000, addDays(invoice.dueDate, 35));

  it('is replayed before the plan: the fees it saved are reversed, the surplus comes off the last instalment', () => {
    const history = [issued, ...agreedOn().produced];
    const { produced } = run([paidOnDay35], history);
    // On day 35 it cleared the penalty (20,000) and 19 days of interest (19,000): 61,000 to principal,
    // so days 35-39 bore 939 a day, not 1,000.
    expect(produced.filter((e) => e.type === 'PaymentAllocated').map((e) => e.data)).toEqual([
      expect.objectContaining({ toPenalty: 20_000, toInterest: 19_000, toPrincipal: 61_000 }),
    ]);
    const reversed = produced.filter((e) => e.type === 'LateFeeReversed');
    const recharged = produced.filter((e) => e.type === 'LateFeeCharged');
    expect(reversed.map((e) => e.data.forDate)).toEqual(
      [35, 36, 37, 38, 39].map((n) => addDays(invoice.dueDate, n)),
    );
    expect(recharged.map((e) => e.data.amount)).toEqual([939, 939, 939, 939, 939]);
    // Really open on day 40: 939,000 + 4,695 of interest; agreed on 1,044,000: 100,305 too much.
    expect(produced.find((e) => e.type === 'InstalmentPlanRevised')?.data).toMatchObject({
      planId: 'PLAN-1',
      instalments: [
        { dueDate: '2026-03-31', amount: 348_000, principal: 343_305 },
        { dueDate: '2026-04-30', amount: 348_000, principal: 348_000 },
        { dueDate: '2026-05-29', amount: 247_695, principal: 247_695 },
      ],
      fees: { mode: 'INCLUDED', interest: 4_695, penalty: 0 },
      cause: { kind: 'PAYMENT', id: 'PAY-35', date: addDays(invoice.dueDate, 35) },
    });
  });

  it('ends exactly as if recorded on its date: the revised instalments paid on their dates are never overdue', () => {
    const { state, produced } = run(
      [
        paidOnDay35,
        assess('2026-03-31'),
        pay('PAY-1', 348_000, '2026-03-31'),
        assess('2026-04-30'),
        pay('PAY-2', 348_000, '2026-04-30'),
        assess('2026-05-29'),
        pay('PAY-3', 247_695, '2026-05-29'),
        assess('2026-07-31'),
      ],
      [issued, ...agreedOn().produced],
    );
    expect(produced.filter((e) => e.type === 'PaymentOverdue')).toEqual([]);
    expect(produced.find((e) => e.type === 'InvoicePaid')?.data).toMatchObject({ daysLate: 0 });
    expect(state).toMatchObject({ status: 'PAID', principalOpen: 0, interestOpen: 0, penaltyOpen: 0 });
  });

  it('with fees waived: the waiver becomes the fees really open, the plan the principal really open', () => {
    const waiver = { decidedBy: 'finance-li', reason: 'cash-flow trouble' };
    const plan = run([planWith(threeInstalments(invoice.amount), { fees: 'WAIVED', feeWaiver: waiver })]);
    const { produced, state } = run([paidOnDay35], [issued, ...plan.produced]);
    expect(produced.find((e) => e.type === 'InstalmentPlanRevised')?.data).toMatchObject({
      instalments: [
        { dueDate: '2026-03-31', amount: 333_333 },
        { dueDate: '2026-04-30', amount: 333_333 },
        { dueDate: '2026-05-29', amount: 272_334 },
      ],
      fees: { mode: 'WAIVED', interest: 4_695, penalty: 0 },
      previous: { fees: { mode: 'WAIVED', interest: 24_000, penalty: 20_000 } },
    });
    expect(state).toMatchObject({ principalOpen: 939_000, interestOpen: 0, penaltyOpen: 0 });
  });
});

describe('a plan agreed in collections that invoicing counts otherwise (#14 item 1, Known gaps)', () => {
  const agreedInCollections = (instalments: { dueDate: string; amount: number }[], planId = 'PLAN-C') =>
    ({
      type: 'ApplyAgreedInstalmentPlan',
      data: { planId, instalments, date: agreed, fees: 'INCLUDED' },
    }) as InvoiceCommand;

  it('is refused as an event naming why and what invoicing counts open on the agreement date', () => {
    // Collections had not yet heard the fees charged: its plan covers the principal alone.
    const { produced, state } = run([agreedInCollections(threeInstalments(1_000_000))]);
    expect(produced).toEqual([
      {
        type: 'InstalmentPlanRefused',
        data: {
          invoiceId: 'INV-P',
          customerId: 'C-P',
          currency: 'CNY',
          planId: 'PLAN-C',
          agreedDate: agreed,
          code: 'PLAN_DOES_NOT_MATCH_OPEN_AMOUNT',
          reason: expect.stringMatching(
            /instalments add up to CNY 10,000\.00; open on 2026-03-12: CNY 10,440\.00/,
          ),
          planned: 1_000_000,
          fees: 'INCLUDED',
          open: { principal: 1_000_000, interest: 24_000, penalty: 20_000, total: 1_044_000 },
        },
      },
    ]);
    // The invoice goes on as before: no plan, its own due date.
    expect(state).toMatchObject({ planId: undefined, schedule: [{ dueDate: invoice.dueDate }] });
  });

  it('the same agreement heard again is not refused twice', () => {
    const plan = agreedInCollections(threeInstalments(1_000_000));
    expect(run([plan, plan]).produced.map((e) => e.type)).toEqual(['InstalmentPlanRefused']);
  });

  it('a plan invoicing counts as collections did is applied as a person would apply it', () => {
    const { produced } = run([agreedInCollections(threeInstalments(openOn(agreed).total))]);
    expect(produced.map((e) => e.type)).toContain('InstalmentPlanApplied');
    expect(produced.map((e) => e.type)).not.toContain('InstalmentPlanRefused');
  });

  it('an agreement for an invoice paid meanwhile is refused as an event too', () => {
    const { produced } = run([
      pay('P-1', openOn('2026-03-10').total, '2026-03-10'),
      agreedInCollections(threeInstalments(1_044_000)),
    ]);
    expect(produced.at(-1)).toMatchObject({
      type: 'InstalmentPlanRefused',
      data: { code: 'INVOICE_NOT_OPEN', open: { total: 0 } },
    });
  });

  it('a plan applied by a person (REST) is still refused with a 422', () => {
    expect(() => run([planWith(threeInstalments(1_000_000))])).toThrow(RuleViolation);
  });
});

describe('a plan applied again under its id (#14 probe F4)', () => {
  const terms = threeInstalments(openOn(agreed).total);
  const applied = [assess(agreed), planWith(terms)];

  it('the same terms again (a retry) change nothing, also after a payment revised the plan', () => {
    const once = run(applied);
    expect(run([...applied, planWith(terms)]).produced).toEqual(once.produced);
    // Paid on the first instalment's date; the plan stands as agreed.
    const paidOnce = run([...applied, pay('P-1', terms[0]!.amount, '2026-03-31')]);
    expect(run([...applied, pay('P-1', terms[0]!.amount, '2026-03-31'), planWith(terms)]).produced).toEqual(
      paidOnce.produced,
    );
  });

  it('other terms under the same id are refused with 409, nothing recorded', () => {
    const moved = [
      { ...terms[0]!, amount: terms[0]!.amount - 100 },
      terms[1]!,
      { ...terms[2]!, amount: terms[2]!.amount + 100 },
    ];
    expect(() => run([...applied, planWith(moved)])).toThrow(StateConflict);
    expect(() => run([...applied, planWith(moved)])).toThrow(
      /PLAN-1 was already applied as agreed on 2026-03-12 with other terms/,
    );
  });

  it('another guarantee (or none, or one added) under the same id is refused with 409 (#14 probe)', () => {
    const guarantee = { guarantor: 'Li Si', kind: 'BANK', amount: 500_000 };
    const guaranteed = [assess(agreed), planWith(terms, { guarantee })];
    expect(run([...guaranteed, planWith(terms, { guarantee })]).produced).toEqual(run(guaranteed).produced);
    expect(() => run([...guaranteed, planWith(terms, { guarantee: { ...guarantee, amount: 5 } })])).toThrow(
      StateConflict,
    );
    expect(() => run([...guaranteed, planWith(terms)])).toThrow(StateConflict);
    expect(() => run([...applied, planWith(terms, { guarantee })])).toThrow(StateConflict);
  });
});
