import { addDays } from '@ar/kernel';
import { type CaseCommand, type CaseEvent, type CaseState, caseDecider } from './decider';

/**
 * A broken plan cured by catching up in time (#14 item 2, README Known gaps "Instalment plans"):
 * a missed instalment breaks the plan and the case is chased from its date - first by sales'
 * customer care (DOMAIN.md §4, days 1-15: learn why, agree a date). A customer who then pays
 * every instalment payable so far, in full, before the case reaches finance's rung (the formal
 * letter and the credit freeze, day 16 by default, counted from the day the missed instalment was
 * payable by) is back under the plan: the plan resumes and goes on as agreed. Later it stays
 * broken (a new plan must be agreed). Payments count by value date: escalations made after the
 * catch-up date, recorded late, are withdrawn; the customer-care contact before it stands.
 *
 * The plan: 348,000 due 31 March, 30 April (a Thursday) and 29 May; the first paid on its date,
 * the second missed - broken on 1 May, customer care that day.
 */
const decider = caseDecider();
const invoice = {
  invoiceId: 'INV-C',
  customerId: 'C-C',
  customerName: 'Acme Machinery',
  amount: 1_000_000,
  currency: 'CNY',
  dueDate: '2026-01-31',
  lateFeeTerms: { interestFromDay: 16, dailyInterestBp: 10, penaltyDay: 31, penaltyBp: 200 },
};
const tracked: CaseEvent = { type: 'InvoiceTracked', data: invoice };
const day = (n: number) => addDays(invoice.dueDate, n);
const at = (d: string) => new Date(`${d}T03:00:00Z`); // 11:00 in Shanghai
const runDay = (today: string): CaseCommand => ({ type: 'RunDay', data: { today, tier: 'COOPERATIVE' } });
const payment = (amount: number, date: string, paidInFull = false): CaseCommand => ({
  type: 'NotePayment',
  data: { amount, toPrincipal: amount, date, paidInFull, ...(paidInFull ? { daysLate: 0 } : {}) },
});
const instalments = [
  { dueDate: '2026-03-31', amount: 348_000 },
  { dueDate: '2026-04-30', amount: 348_000 },
  { dueDate: '2026-05-29', amount: 348_000 },
];
const dateOf = (c: CaseCommand) =>
  c.type === 'RunDay' ? c.data.today : String((c.data as { date?: string }).date);

function run(commands: CaseCommand[], events: CaseEvent[], recordedOn?: string) {
  let state: CaseState = events.reduce(decider.evolve, decider.initialState());
  const produced: CaseEvent[] = [];
  for (const c of commands) {
    const next = decider.decide(c, state, at(recordedOn ?? dateOf(c)));
    produced.push(...next);
    state = next.reduce(decider.evolve, state);
  }
  return { state, produced, all: [...events, ...produced] };
}
const daysFrom = (from: string, to: string) => {
  const days: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) days.push(d);
  return days;
};
const types = (events: CaseEvent[]) => events.map((e) => e.type);
const escalations = (events: CaseEvent[]) =>
  events.filter((e) => e.type === 'CaseEscalated').map((e) => (e.data as { rung: number }).rung);

/** Overdue to day 40, the plan applied, the first instalment paid, the second missed: broken on 1 May. */
const broken = (() => {
  const before = run(
    [
      ...Array.from({ length: 41 }, (_, n) => runDay(day(n))),
      { type: 'NotePlanApplied', data: { planId: 'PLAN-1', agreedDate: day(40), instalments } },
      payment(348_000, '2026-03-31'),
      ...daysFrom('2026-03-13', '2026-05-01').map(runDay),
    ],
    [tracked],
  );
  return before.all;
})();

describe('a broken plan resumes when the customer catches up before the finance rung', () => {
  it('(the story) the plan broke on 1 May and sales took the case: customer care', () => {
    const noted = broken.filter((e) => e.type === 'InstalmentPlanBroken');
    expect(noted.map((e) => e.data)).toEqual([
      expect.objectContaining({ dueDate: '2026-04-30', missed: 348_000, detectedDate: '2026-05-01' }),
    ]);
    expect(escalations(broken.slice(broken.indexOf(noted[0]!)))).toEqual([1]);
  });

  it('resumes the plan when every instalment payable so far is paid by day 15, and it goes on as agreed', () => {
    const { produced, state } = run(
      [payment(348_000, '2026-05-08'), ...daysFrom('2026-05-08', '2026-05-28').map(runDay)],
      broken,
    );
    expect(produced.find((e) => e.type === 'InstalmentPlanResumed')?.data).toMatchObject({
      planId: 'PLAN-1',
      dueDate: '2026-04-30',
      caughtUpOn: '2026-05-08',
    });
    // Under the plan again: no finance rung on 16 May, no freeze, no message, not broken again.
    expect(
      types(produced).filter((t) =>
        ['CaseEscalated', 'CreditFreezeRequested', 'ReminderSent', 'InstalmentPlanBroken'].includes(t),
      ),
    ).toEqual([]);
    expect(state).toMatchObject({ status: 'OPEN', plan: { broken: undefined } });
    // The last instalment paid on its date closes the case as paid.
    const end = run([payment(348_000, '2026-05-29', true), runDay('2026-05-29')], [...broken, ...produced]);
    expect(end.produced.find((e) => e.type === 'CaseClosed')?.data).toMatchObject({ outcome: 'PAID' });
  });

  it('a later instalment missed breaks the resumed plan again, chased from its own date', () => {
    const resumed = run(
      [payment(348_000, '2026-05-08'), ...daysFrom('2026-05-08', '2026-05-29').map(runDay)],
      broken,
    );
    const { produced } = run(daysFrom('2026-05-30', '2026-06-01').map(runDay), resumed.all);
    expect(produced.find((e) => e.type === 'InstalmentPlanBroken')?.data).toMatchObject({
      dueDate: '2026-05-29',
    });
    expect(escalations(produced)).toEqual([1]);
  });

  it('stays broken when the arrears are paid on day 16 or later: finance has the case, a new plan is needed', () => {
    const { produced } = run(
      [
        ...daysFrom('2026-05-02', '2026-05-16').map(runDay),
        payment(348_000, '2026-05-16'),
        runDay('2026-05-17'),
      ],
      broken,
    );
    expect(types(produced)).not.toContain('InstalmentPlanResumed');
    expect(escalations(produced)).toEqual([16]);
  });

  it('stays broken when only part of the arrears is paid', () => {
    const { produced } = run(
      [payment(300_000, '2026-05-08'), ...daysFrom('2026-05-08', '2026-05-16').map(runDay)],
      broken,
    );
    expect(types(produced)).not.toContain('InstalmentPlanResumed');
    expect(escalations(produced)).toEqual([16]);
  });

  it('a catch-up dated day 8 and recorded on day 20 resumes the plan and withdraws the finance rung reached after it', () => {
    const chased = run(daysFrom('2026-05-02', '2026-05-20').map(runDay), broken);
    expect(escalations(chased.produced)).toEqual([16]);
    const { produced, state } = run([payment(348_000, '2026-05-08')], chased.all, '2026-05-20');
    // The freeze asked for in February, before the plan, stands: that overdue was real.
    expect(types(produced)).toEqual([
      'InvoicePaymentNoted',
      'CaseEscalationWithdrawn',
      'InstalmentPlanResumed',
    ]);
    expect(produced.find((e) => e.type === 'CaseEscalationWithdrawn')?.data).toMatchObject({
      rung: 16,
      valueDate: '2026-05-08',
      date: '2026-05-20',
    });
    expect(state).toMatchObject({ plan: { broken: undefined }, freezeRequested: true });
    // Under the plan again: nothing more until the last instalment.
    const after = run(daysFrom('2026-05-21', '2026-05-29').map(runDay), [...chased.all, ...produced]);
    expect(
      types(after.produced).filter((t) => t === 'CaseEscalated' || t === 'InstalmentPlanBroken'),
    ).toEqual([]);
  });
});
