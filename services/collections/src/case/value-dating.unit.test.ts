import type { CreditTier } from '@ar/contracts';
import { addDays } from '@ar/kernel';
import { deciderSpec } from '@ar/kernel/testing';
import { type CaseCommand, type CaseEvent, type CaseState, caseDecider } from './decider';

/**
 * Value dating (DOMAIN.md §3, issue 14 item 1): a payment counts from the day the money arrived,
 * however late it is recorded. Invoicing withdraws the overdue thresholds that should not have
 * been reached (PaymentOverdueWithdrawn); the case withdraws the escalations that followed from
 * them by new events, asks credit-scoring to lift a freeze it requested, and a case whose invoice
 * was paid by its due date closes as paid on time. History is never edited.
 */
const decider = caseDecider();
const spec = deciderSpec(decider);
const invoice = {
  invoiceId: 'INV-1',
  customerId: 'C-1',
  customerName: 'Acme Machinery',
  amount: 1_000_000,
  currency: 'CNY',
  dueDate: '2026-03-02',
  lateFeeTerms: { interestFromDay: 16, dailyInterestBp: 10, penaltyDay: 31, penaltyBp: 200 },
};
const tracked: CaseEvent = { type: 'InvoiceTracked', data: invoice };
const day = (n: number) => addDays(invoice.dueDate, n);
const at = (d: string) => new Date(`${d}T09:00:00Z`);
const runDay = (n: number, tier: CreditTier = 'COOPERATIVE'): CaseCommand => ({
  type: 'RunDay',
  data: { today: day(n), tier },
});
const withdraw = (threshold: number, valueDate = day(0)): CaseCommand => ({
  type: 'WithdrawOverdue',
  data: { threshold, overdueDate: day(threshold), valueDate },
});
const paidInFull = (daysLate: number, date = day(daysLate)): CaseCommand => ({
  type: 'NotePayment',
  data: { amount: 0, toPrincipal: 0, date, paidInFull: true, daysLate },
});

function run(commands: CaseCommand[], events: CaseEvent[] = [tracked], recordedOn = day(50)) {
  let state: CaseState = events.reduce(decider.evolve, decider.initialState());
  const produced: CaseEvent[] = [];
  for (const c of commands) {
    const next = decider.decide(c, state, at(c.type === 'RunDay' ? c.data.today : recordedOn));
    produced.push(...next);
    state = next.reduce(decider.evolve, state);
  }
  return { state, produced };
}
/** The case as the day run left it `last` days overdue: every rung up to then reached. */
const dunnedThrough = (last: number) =>
  run(Array.from({ length: last + 11 }, (_, i) => runDay(i - 10))).produced;
const types = (events: CaseEvent[]) => events.map((e) => e.type);

describe('value dating: escalations that should not have happened', () => {
  const history = [tracked, ...dunnedThrough(50)];

  it('withdraws the escalation of a withdrawn threshold, the owner going back to the rung below', () => {
    spec
      .given(history)
      .when(withdraw(31, day(20)), at(day(50)))
      .then([
        {
          type: 'CaseEscalationWithdrawn',
          data: {
            caseId: 'INV-1',
            invoiceId: 'INV-1',
            customerId: 'C-1',
            rung: 31,
            ownerRole: 'FINANCE',
            reason: `31+ days overdue: legal withdrawn: invoice INV-1 was not 31 days overdue on ${day(31)} (paid ${day(20)})`,
            overdueDate: day(31),
            valueDate: day(20),
            date: day(50),
          },
        },
      ]);
  });

  it('asks credit-scoring to lift the freeze the day-16 rung requested', () => {
    const events = decider.decide(
      withdraw(16, day(10)),
      history.reduce(decider.evolve, decider.initialState()),
      at(day(50)),
    );
    expect(types(events)).toEqual(['CaseEscalationWithdrawn', 'CreditFreezeLiftRequested']);
    expect(events[1]!.data).toEqual({
      caseId: 'INV-1',
      customerId: 'C-1',
      reason: `16-30 days overdue: finance withdrawn: invoice INV-1 was not 16 days overdue on ${day(16)} (paid ${day(10)})`,
      date: day(50),
    });
  });

  it('withdraws a threshold once: the same withdrawal again changes nothing', () => {
    const once = run([withdraw(16, day(10))], history).produced;
    spec
      .given([...history, ...once])
      .when(withdraw(16, day(10)), at(day(50)))
      .thenNothingHappened();
  });

  it('ignores a threshold the case never escalated on (61 has no rung)', () => {
    spec
      .given(history)
      .when(withdraw(61), at(day(90)))
      .thenNothingHappened();
  });

  it('closes the case as paid on time when day 1 is withdrawn, and the on-time payment adds nothing', () => {
    const { produced, state } = run(
      [withdraw(1), withdraw(16), withdraw(31), paidInFull(0, day(0))],
      history,
    );
    expect(types(produced)).toEqual([
      'CaseEscalationWithdrawn',
      'CaseClosed',
      'CaseEscalationWithdrawn',
      'CreditFreezeLiftRequested',
      'CaseEscalationWithdrawn',
      'InvoicePaymentNoted',
    ]);
    expect(produced.find((e) => e.type === 'CaseClosed')!.data).toMatchObject({
      outcome: 'PAID_ON_TIME',
      date: day(0),
    });
    expect(state).toMatchObject({ status: 'CLOSED', rungsReached: [] });
  });

  it('closes as paid on time when the invoice is paid by its due date, withdrawing every rung the day run reached', () => {
    // Collections runs its own day: it may have escalated on days invoicing never said were overdue.
    const { produced } = run([paidInFull(0, day(0))], history);
    expect(types(produced)).toEqual([
      'InvoicePaymentNoted',
      'CaseEscalationWithdrawn',
      'CaseEscalationWithdrawn',
      'CreditFreezeLiftRequested',
      'CaseEscalationWithdrawn',
      'CaseClosed',
    ]);
    expect(produced.at(-1)!.data).toMatchObject({ outcome: 'PAID_ON_TIME', date: day(0) });
  });

  it('sends no further reminder or letter once closed as paid on time', () => {
    const closed = run([withdraw(1), paidInFull(0, day(0))], history).produced;
    const { produced } = run(
      Array.from({ length: 60 }, (_, i) => runDay(51 + i)),
      [...history, ...closed],
    );
    expect(produced).toEqual([]);
  });

  it('does not reach a withdrawn rung again on its own clock while the payment is on its way', () => {
    // Paid on day 10, recorded on day 50: days 16 and 31 are withdrawn, day 1 stands.
    const withdrawn = run([withdraw(16, day(10)), withdraw(31, day(10))], history).produced;
    const { produced } = run([runDay(51), runDay(52)], [...history, ...withdrawn]);
    expect(types(produced)).not.toContain('CaseEscalated');
    expect(types(produced)).not.toContain('CreditFreezeRequested');
  });

  it('still closes a case paid late as PAID', () => {
    const { produced } = run([paidInFull(10, day(10))], history);
    expect(produced.at(-1)!.data).toMatchObject({ outcome: 'PAID' });
    expect(types(produced)).not.toContain('CaseEscalationWithdrawn');
  });

  it('a case closed as paid late, then found paid on time (earlier money matched after it), closes again as PAID_ON_TIME', () => {
    const closedLate = run([paidInFull(45, day(45))], history).produced;
    expect(closedLate.at(-1)!.data).toMatchObject({ outcome: 'PAID' });
    const { produced, state } = run(
      [withdraw(1, day(-1)), withdraw(16, day(-1)), withdraw(31, day(-1)), paidInFull(-1, day(-1))],
      [...history, ...closedLate],
    );
    expect(produced.filter((e) => e.type === 'CaseEscalationWithdrawn').map((e) => e.data.rung)).toEqual([
      1, 16, 31,
    ]);
    expect(produced.at(-1)).toMatchObject({
      type: 'CaseClosed',
      data: { outcome: 'PAID_ON_TIME', date: day(-1) },
    });
    expect(state).toMatchObject({ status: 'CLOSED', outcome: 'PAID_ON_TIME' });
    // Heard again: closed once.
    expect(
      types(run([paidInFull(-1, day(-1))], [...history, ...closedLate, ...produced]).produced),
    ).not.toContain('CaseClosed');
  });
});

describe('value dating: a payment re-split', () => {
  it('follows PaymentReallocated: more of the payment to principal leaves less open for a plan', () => {
    const paidPartly: CaseEvent[] = [
      tracked,
      ...dunnedThrough(40),
      {
        type: 'InvoicePaymentNoted',
        data: { amount: 100_000, toPrincipal: 46_000, date: day(40), paidInFull: false },
      },
    ];
    const { produced } = run(
      [
        {
          type: 'NoteReallocation',
          data: { paymentId: 'P-1', toPrincipal: 100_000, previousToPrincipal: 46_000, date: day(40) },
        },
      ],
      paidPartly,
    );
    expect(produced).toEqual([
      {
        type: 'InvoicePaymentReallocated',
        data: { paymentId: 'P-1', toPrincipal: 100_000, previousToPrincipal: 46_000, date: day(40) },
      },
    ]);
    const state = [...paidPartly, ...produced].reduce(decider.evolve, decider.initialState());
    const plan = (amount: number): CaseCommand => ({
      type: 'AgreeInstalmentPlan',
      data: { planId: 'PL-1', instalments: [{ dueDate: day(60), amount }], date: day(41), fees: 'INCLUDED' },
    });
    expect(() => decider.decide(plan(954_000), state, at(day(41)))).toThrow(
      /open: CNY 9,000.00 \(principal CNY 9,000.00/,
    );
    expect(decider.decide(plan(900_000), state, at(day(41)))).toHaveLength(1);
  });

  it('follows a payment released (#14 F3: an earlier payment paid it): its principal and its fees are open again', () => {
    const paidPartly: CaseEvent[] = [
      tracked,
      ...dunnedThrough(40),
      {
        type: 'InvoicePaymentNoted',
        data: { amount: 100_000, toPrincipal: 46_000, date: day(40), paidInFull: false },
      },
    ];
    const released = {
      paymentId: 'P-1',
      toPrincipal: 0,
      previousToPrincipal: 46_000,
      date: day(40),
      released: 100_000,
    };
    const { produced } = run([{ type: 'NoteReallocation', data: released }], paidPartly);
    expect(produced).toEqual([{ type: 'InvoicePaymentReallocated', data: released }]);
    const before = [tracked, ...dunnedThrough(40)].reduce(decider.evolve, decider.initialState());
    const after = [...paidPartly, ...produced].reduce(decider.evolve, decider.initialState());
    // As if the payment had never been noted.
    expect(after).toMatchObject({
      principalPaid: (before as { principalPaid: number }).principalPaid,
      feesOpen: (before as { feesOpen: number }).feesOpen,
    });
  });
});

describe('a payment recorded late is noted as two facts, its money once (#14 probe F2)', () => {
  it('notes the money (PaymentAllocated) and then that the invoice is paid (InvoicePaid, amount 0): paid counts the amount once', () => {
    const history = [tracked, ...dunnedThrough(50)];
    const { state, produced } = run(
      [
        {
          type: 'NotePayment',
          data: { amount: 1_000_000, toPrincipal: 1_000_000, date: day(0), paidInFull: false },
        },
        paidInFull(0, day(0)),
      ],
      history,
    );
    const notes = produced.filter((e) => e.type === 'InvoicePaymentNoted');
    expect(notes.map((e) => (e.data as { amount: number; paidInFull: boolean }).amount)).toEqual([
      1_000_000, 0,
    ]);
    expect(state).toMatchObject({ paid: 1_000_000, principalPaid: 1_000_000 });
    expect(produced.filter((e) => e.type === 'CaseClosed')).toHaveLength(1);
  });
});
