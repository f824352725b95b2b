import { addDays } from '@ar/kernel';
import { type CaseCommand, type CaseEvent, type CaseState, caseDecider } from './decider';

/**
 * A prepayment invoice (款到发货) asks for money before anything is shipped: no credit is extended
 * (DOMAIN.md §1) and delivery waits for the payment, so there is nothing to collect. Collections
 * tracks it (its payments are noted) and does nothing else with it: no reminder, no case, no
 * escalation, no credit freeze - however long it stays unpaid.
 */
const decider = caseDecider();
const invoice = {
  invoiceId: 'INV-PRE',
  customerId: 'C-CAUTIOUS',
  customerName: 'Careful Trading',
  amount: 1_000_000,
  currency: 'CNY',
  dueDate: '2026-03-01', // a Sunday: the on-due level would go out on Monday
  lateFeeTerms: { interestFromDay: 16, dailyInterestBp: 10, penaltyDay: 31, penaltyBp: 200 },
  prepayment: true as const,
};
const tracked: CaseEvent = { type: 'InvoiceTracked', data: invoice };
const day = (n: number) => addDays(invoice.dueDate, n);
const at = (d: string) => new Date(`${d}T09:00:00Z`);
const runDay = (n: number): CaseCommand => ({ type: 'RunDay', data: { today: day(n), tier: 'CAUTIOUS' } });

function run(commands: CaseCommand[], events: CaseEvent[] = [tracked]) {
  let state: CaseState = events.reduce(decider.evolve, decider.initialState());
  const produced: CaseEvent[] = [];
  for (const c of commands) {
    const today = c.type === 'RunDay' ? c.data.today : day(0);
    const next = decider.decide(c, state, at(today));
    produced.push(...next);
    state = next.reduce(decider.evolve, state);
  }
  return { state, produced };
}
/** Every day from 10 days before the date asked to `last` days after it. */
const daysThrough = (last: number) => Array.from({ length: last + 11 }, (_, i) => runDay(i - 10));

describe('a prepayment invoice in collections', () => {
  it('sends nothing and opens no case while it waits 120 days unpaid, each day run twice', () => {
    const days = daysThrough(120).flatMap((c) => [c, c]);
    const { produced, state } = run(days);
    expect(produced).toEqual([]);
    expect(state).toMatchObject({ status: 'TRACKING' });
  });

  it('paid 50 days after the date asked, recorded later still: noted, nothing more', () => {
    const { produced } = run([
      ...daysThrough(60),
      {
        type: 'NotePayment',
        data: { amount: 1_000_000, toPrincipal: 1_000_000, date: day(50), paidInFull: false },
      },
      {
        type: 'NotePayment',
        data: { amount: 0, toPrincipal: 0, date: day(50), paidInFull: true, daysLate: 50 },
      },
      ...Array.from({ length: 10 }, (_, i) => runDay(61 + i)),
    ]);
    expect(
      produced
        .map((e) => e.type)
        .filter((t) => t !== 'InvoicePaymentNoted' && t !== 'InvoiceSettledElsewhere'),
    ).toEqual([]);
  });

  it('the same invoice on credit terms is chased as before (the rule is prepayment only)', () => {
    const onCredit: CaseEvent = { type: 'InvoiceTracked', data: { ...invoice, prepayment: undefined } };
    const { produced } = run(daysThrough(20), [onCredit]);
    expect(produced.map((e) => e.type)).toEqual(
      expect.arrayContaining(['ReminderSent', 'CaseOpened', 'CaseEscalated', 'CreditFreezeRequested']),
    );
  });
});
