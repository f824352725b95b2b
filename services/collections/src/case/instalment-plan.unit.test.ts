import type { CreditTier } from '@ar/contracts';
import { addDays, BusinessCalendar, RuleViolation, StateConflict } from '@ar/kernel';
import type { IncomingEvent } from '@ar/messaging';
import { commandFor } from '../reactions/on-invoicing-event';
import {
  type CaseCommand,
  type CaseEvent,
  type CaseState,
  caseDecider,
  DEFAULT_COLLECTION_RULES,
} from './decider';

/**
 * Instalment plans in collections (issue 14 item 4, DOMAIN.md §3-4): a plan covers what is
 * actually open (after payments and credit notes, fees included or waived); the case stays under
 * the plan - it is not closed - and a missed instalment (not paid in full by its date) breaks the
 * plan and is chased again from that date. Every date is a business date.
 */
const decider = caseDecider();
const invoice = {
  invoiceId: 'INV-P',
  customerId: 'C-P',
  customerName: 'Acme Machinery',
  amount: 1_000_000,
  currency: 'CNY',
  dueDate: '2026-01-31',
  lateFeeTerms: { interestFromDay: 16, dailyInterestBp: 10, penaltyDay: 31, penaltyBp: 200 },
};
const tracked: CaseEvent = { type: 'InvoiceTracked', data: invoice };
const day = (n: number) => addDays(invoice.dueDate, n);
const at = (d: string) => new Date(`${d}T03:00:00Z`); // 11:00 in Shanghai
const runDay = (today: string, tier: CreditTier = 'COOPERATIVE'): CaseCommand => ({
  type: 'RunDay',
  data: { today, tier },
});
const dateOf = (c: CaseCommand) =>
  c.type === 'RunDay' ? c.data.today : 'date' in c.data ? (c.data.date as string) : day(40);

function run(commands: CaseCommand[], events: CaseEvent[] = [tracked]) {
  let state: CaseState = events.reduce(decider.evolve, decider.initialState());
  const produced: CaseEvent[] = [];
  for (const c of commands) {
    const next = decider.decide(c, state, at(dateOf(c)));
    produced.push(...next);
    state = next.reduce(decider.evolve, state);
  }
  return { state, produced };
}
const types = (events: CaseEvent[]) => events.map((e) => e.type);

/** Dunned day by day from the due date to `last` days overdue. */
const dunnedTo = (last: number) => Array.from({ length: last + 1 }, (_, n) => runDay(day(n)));
const fee = (change: number, date: string): CaseCommand => ({
  type: 'NoteFees',
  data: { change, reason: change > 0 ? 'CHARGED' : 'REVERSED', date },
});
const creditNote = (amount: number, date: string): CaseCommand => ({
  type: 'NoteCreditNote',
  data: { creditNoteId: 'CN-1', amount, date },
});
const payment = (amount: number, toPrincipal: number, date: string): CaseCommand => ({
  type: 'NotePayment',
  data: { amount, toPrincipal, date, paidInFull: false },
});
const agree = (instalments: { dueDate: string; amount: number }[], extra: object = {}): CaseCommand => ({
  type: 'AgreeInstalmentPlan',
  data: { planId: 'PLAN-1', instalments, date: day(40), fees: 'INCLUDED', ...extra },
});
const planApplied = (instalments: { dueDate: string; amount: number }[]): CaseCommand => ({
  type: 'NotePlanApplied',
  data: { planId: 'PLAN-1', agreedDate: day(40), instalments },
});

describe('a plan covers what is actually open', () => {
  it('after a partial credit note: the principal left, not the invoice amount', () => {
    const { produced } = run([
      ...dunnedTo(5),
      creditNote(400_000, day(3)),
      agree([
        { dueDate: '2026-03-31', amount: 300_000 },
        { dueDate: '2026-04-30', amount: 300_000 },
      ]),
    ]);
    expect(produced.at(-1)).toMatchObject({ type: 'InstalmentPlanAgreed' });
  });

  it('fees included: principal left after payments, plus the fees open (charged, less reversed and paid)', () => {
    const history = [
      ...dunnedTo(40),
      payment(100_000, 100_000, day(2)),
      fee(900, day(17)),
      fee(900, day(18)),
      fee(-900, day(18)),
      fee(18_000, day(31)),
      payment(10_000, 0, day(35)), // all of it to the penalty (art. 561)
    ];
    // 900,000 principal + 900 interest + 8,000 penalty
    expect(() => run([...history, agree([{ dueDate: '2026-03-31', amount: 900_000 }])])).toThrow(
      /add up to CNY 9,000.00; open: CNY 9,089.00 \(principal CNY 9,000.00, fees CNY 89.00\)/,
    );
    const { produced } = run([...history, agree([{ dueDate: '2026-03-31', amount: 908_900 }])]);
    expect(produced.at(-1)).toMatchObject({ type: 'InstalmentPlanAgreed' });
  });

  it('fees waived: the principal alone, with the recorded decision', () => {
    const waiver = { decidedBy: 'finance-li', reason: 'cash-flow trouble' };
    const history = [...dunnedTo(40), fee(18_000, day(31))];
    const { produced } = run([
      ...history,
      agree([{ dueDate: '2026-03-31', amount: 1_000_000 }], { fees: 'WAIVED', feeWaiver: waiver }),
    ]);
    expect(produced.at(-1)?.data).toMatchObject({ fees: 'WAIVED', feeWaiver: waiver });
    expect(() =>
      run([...history, agree([{ dueDate: '2026-03-31', amount: 1_000_000 }], { fees: 'WAIVED' })]),
    ).toThrow(RuleViolation);
  });
});

describe('the case stays under the plan', () => {
  const instalments = [
    { dueDate: '2026-03-31', amount: 348_000 },
    { dueDate: '2026-04-30', amount: 348_000 },
    { dueDate: '2026-05-29', amount: 348_000 },
  ];
  const underPlan = () => run([...dunnedTo(40), planApplied(instalments)]);

  it('is not closed when invoicing applies the plan; the plan is noted with its agreement date', () => {
    expect(types(underPlan().produced.slice(-1))).toEqual(['InstalmentPlanNoted']);
    expect(underPlan().produced.at(-1)?.data).toMatchObject({ agreedDate: day(40) });
    expect(underPlan().state.status).toBe('OPEN');
  });

  it('a customer paying each instalment on its date hears nothing and is never escalated again', () => {
    const days = Array.from({ length: 120 }, (_, n) => addDays(day(41), n));
    const paying = days.flatMap((d) => {
      const due = instalments.find((i) => i.dueDate === d);
      return [...(due ? [payment(due.amount, due.amount, d)] : []), runDay(d)];
    });
    const { produced } = run(paying, [tracked, ...underPlan().produced]);
    expect(
      produced.filter((e) =>
        ['CaseEscalated', 'ReminderSent', 'CreditFreezeRequested', 'InstalmentPlanBroken'].includes(e.type),
      ),
    ).toEqual([]);
  });

  it('a missed instalment breaks the plan on the day after its date and the case is chased again from it', () => {
    const history = [tracked, ...underPlan().produced];
    const { produced, state } = run(
      [
        payment(348_000, 348_000, '2026-03-31'),
        payment(100_000, 100_000, '2026-04-30'),
        runDay('2026-04-30'),
        runDay('2026-05-01'),
      ],
      history,
    );
    const broken = produced.find((e) => e.type === 'InstalmentPlanBroken');
    expect(broken?.data).toMatchObject({
      planId: 'PLAN-1',
      dueDate: '2026-04-30',
      due: 696_000,
      paid: 448_000,
      missed: 248_000,
      detectedDate: '2026-05-01',
    });
    expect(produced.find((e) => e.type === 'CaseEscalated')?.data).toMatchObject({
      rung: 1,
      daysOverdue: 1,
      date: '2026-05-01',
    });
    // Sixteen days after the missed instalment: finance again.
    const later = run(
      Array.from({ length: 16 }, (_, n) => runDay(addDays('2026-05-02', n))),
      [...history, ...produced],
    ).produced;
    expect(later.filter((e) => e.type === 'CaseEscalated').map((e) => e.data)).toEqual([
      expect.objectContaining({ rung: 16, daysOverdue: 16, date: '2026-05-16' }),
    ]);
    expect(state.status).toBe('OPEN');
  });

  it('paid in full by the last instalment: closed as paid, the escalations before the plan not withdrawn', () => {
    const { produced } = run(
      [
        {
          type: 'NotePayment',
          data: { amount: 0, toPrincipal: 0, date: '2026-05-29', paidInFull: true, daysLate: 0 },
        },
      ],
      [tracked, ...underPlan().produced],
    );
    expect(types(produced)).toEqual(['InvoicePaymentNoted', 'CaseClosed']);
    expect(produced.at(-1)?.data).toMatchObject({ outcome: 'PAID', date: '2026-05-29' });
  });
});

describe("invoicing's events, read by collections", () => {
  const event = (type: string, data: object): IncomingEvent =>
    ({ type, data, recordedAt: new Date('2026-11-23T23:59:00Z') }) as unknown as IncomingEvent;

  it("dates the plan by its agreement (the business date), never the machine's date", async () => {
    const command = await commandFor(
      undefined as never,
      event('InstalmentPlanApplied', {
        invoiceId: 'INV-P',
        customerId: 'C-P',
        planId: 'PLAN-1',
        agreedDate: '2026-03-12',
        instalments: [{ dueDate: '2026-03-31', amount: 1_044_000, principal: 1_000_000 }],
      }),
    );
    expect(command).toEqual({
      type: 'NotePlanApplied',
      data: {
        planId: 'PLAN-1',
        agreedDate: '2026-03-12',
        instalments: [{ dueDate: '2026-03-31', amount: 1_044_000 }],
      },
    });
  });

  it('notes credit notes and late fees (charged, reversed, waived)', async () => {
    const ref = { invoiceId: 'INV-P', customerId: 'C-P', currency: 'CNY' };
    expect(
      await commandFor(
        undefined as never,
        event('CreditNoteIssued', {
          ...ref,
          creditNoteId: 'CN-1',
          amount: 400_000,
          reason: 'r',
          issueDate: '2026-02-03',
        }),
      ),
    ).toEqual({
      type: 'NoteCreditNote',
      data: { creditNoteId: 'CN-1', amount: 400_000, date: '2026-02-03' },
    });
    expect(
      await commandFor(
        undefined as never,
        event('LateFeeCharged', { ...ref, kind: 'INTEREST', forDate: '2026-02-16', amount: 1_000 }),
      ),
    ).toEqual({
      type: 'NoteFees',
      data: { change: 1_000, reason: 'CHARGED', date: '2026-02-16', kind: 'INTEREST' },
    });
    expect(
      await commandFor(
        undefined as never,
        event('LateFeesWaived', { ...ref, interest: 24_000, penalty: 20_000, date: '2026-03-12' }),
      ),
    ).toEqual({ type: 'NoteFees', data: { change: -44_000, reason: 'WAIVED', date: '2026-03-12' } });
  });
});

describe('an instalment due on a weekend or holiday is missed only after the next working day', () => {
  // 2026-05-03 is a Sunday: payable by Monday 2026-05-04.
  const onASunday = [
    { dueDate: '2026-03-31', amount: 500_000 },
    { dueDate: '2026-05-03', amount: 544_000 },
  ];
  const underPlan = () => run([...dunnedTo(40), planApplied(onASunday)]);
  const history = () => [
    tracked,
    ...underPlan().produced,
    ...run([payment(500_000, 500_000, '2026-03-31')]).produced,
  ];

  it('paid on the Monday: the plan holds, nothing is sent', () => {
    const { produced } = run(
      [
        runDay('2026-05-04'),
        payment(544_000, 544_000, '2026-05-04'),
        runDay('2026-05-05'),
        runDay('2026-05-06'),
      ],
      history(),
    );
    expect(types(produced).filter((t) => t !== 'InvoicePaymentNoted')).toEqual([]);
  });

  it('not paid by the Monday: broken on the Tuesday, chased from the Monday', () => {
    const { produced } = run([runDay('2026-05-04'), runDay('2026-05-05')], history());
    expect(produced.find((e) => e.type === 'InstalmentPlanBroken')?.data).toMatchObject({
      dueDate: '2026-05-03',
      detectedDate: '2026-05-05',
      missed: 544_000,
    });
    expect(produced.find((e) => e.type === 'CaseEscalated')?.data).toMatchObject({ rung: 1, daysOverdue: 1 });
  });

  it("follows the tenant's holidays: due on Labour Day, payable by the first working day after it", () => {
    const holidays = caseDecider({
      ...DEFAULT_COLLECTION_RULES,
      calendar: new BusinessCalendar({
        holidays: ['2026-05-01', '2026-05-02', '2026-05-03', '2026-05-04', '2026-05-05'],
      }),
    });
    const state = history().reduce(holidays.evolve, holidays.initialState());
    expect(holidays.decide(runDay('2026-05-06'), state, at('2026-05-06'))).toEqual([]);
    expect(types(holidays.decide(runDay('2026-05-07'), state, at('2026-05-07')))).toContain(
      'InstalmentPlanBroken',
    );
  });
});

describe('value dating under a plan: an instalment paid on time after all', () => {
  const instalments = [
    { dueDate: '2026-03-31', amount: 348_000 },
    { dueDate: '2026-04-30', amount: 348_000 },
    { dueDate: '2026-05-29', amount: 348_000 },
  ];
  /** Under the plan from day 0 (nothing before it), the first instalment missed and chased 16 days. */
  function brokenAndChased() {
    const noted = run([planApplied(instalments)]).produced;
    const chased = run(
      Array.from({ length: 17 }, (_, n) => runDay(addDays('2026-04-01', n))),
      [tracked, ...noted],
    ).produced;
    return [tracked, ...noted, ...chased];
  }

  it('withdraws the break and every escalation since, the freeze request with them', () => {
    const history = brokenAndChased();
    expect(types(history)).toEqual(expect.arrayContaining(['InstalmentPlanBroken', 'CreditFreezeRequested']));
    const { produced, state } = run([payment(348_000, 348_000, '2026-03-31')], history);
    expect(types(produced)).toEqual([
      'InvoicePaymentNoted',
      'CaseEscalationWithdrawn',
      'CreditFreezeLiftRequested',
      'CaseEscalationWithdrawn',
      'InstalmentPlanBrokenWithdrawn',
    ]);
    expect(produced.filter((e) => e.type === 'CaseEscalationWithdrawn').map((e) => e.data)).toEqual([
      expect.objectContaining({ rung: 16, ownerRole: 'SALES', valueDate: '2026-03-31' }),
      expect.objectContaining({ rung: 1, valueDate: '2026-03-31' }),
    ]);
    expect(produced.at(-1)?.data).toMatchObject({
      planId: 'PLAN-1',
      dueDate: '2026-03-31',
      valueDate: '2026-03-31',
    });
    // Under the plan again: nothing more is sent while the instalments are met...
    const next = run([runDay('2026-04-18'), runDay('2026-04-30')], [...history, ...produced]);
    expect(next.produced).toEqual([]);
    // ...and a later instalment missed is chased from its own date, rung by rung again.
    const later = run([runDay('2026-05-01')], [...history, ...produced]).produced;
    expect(later.find((e) => e.type === 'InstalmentPlanBroken')?.data).toMatchObject({
      dueDate: '2026-04-30',
    });
    expect(later.find((e) => e.type === 'CaseEscalated')?.data).toMatchObject({
      rung: 1,
      date: '2026-05-01',
    });
    expect(state.status).toBe('OPEN');
  });

  it('a credit note dated by the instalment withdraws it the same way', () => {
    const { produced } = run([creditNote(348_000, '2026-03-30')], brokenAndChased());
    expect(types(produced)).toContain('InstalmentPlanBrokenWithdrawn');
  });

  it('a late-recorded payment that does not meet the instalment by its date changes nothing', () => {
    // (Dated 16 days after the instalment: too late for the plan to resume, plan-cure.unit.test.ts.)
    const { produced } = run(
      [payment(300_000, 300_000, '2026-03-31'), payment(48_000, 48_000, '2026-04-16')],
      brokenAndChased(),
    );
    expect(types(produced)).toEqual(['InvoicePaymentNoted', 'InvoicePaymentNoted']);
  });
});

describe('a plan agreed again under its id (#14 probe F4)', () => {
  const twoInstalments = [
    { dueDate: '2026-03-31', amount: 300_000 },
    { dueDate: '2026-04-30', amount: 300_000 },
  ];
  const agreedOnce = [...dunnedTo(5), creditNote(400_000, day(3)), agree(twoInstalments)];

  it('the same terms again (a retry) record nothing: no second agreement, no second letter', () => {
    const once = run(agreedOnce);
    const twice = run([...agreedOnce, agree(twoInstalments)]);
    expect(twice.produced).toEqual(once.produced);
  });

  it('other terms under the same id are refused with 409, nothing recorded', () => {
    const moved = [{ ...twoInstalments[0]!, dueDate: '2026-04-01' }, twoInstalments[1]!];
    expect(() => run([...agreedOnce, agree(moved)])).toThrow(StateConflict);
    expect(() => run([...agreedOnce, agree(moved)])).toThrow(
      /PLAN-1 was already agreed on .* with other terms/,
    );
  });
});
