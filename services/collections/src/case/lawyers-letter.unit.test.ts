import { addDays, BusinessCalendar } from '@ar/kernel';
import { deciderSpec } from '@ar/kernel/testing';
import {
  type CaseCommand,
  type CaseEvent,
  type CaseState,
  caseDecider,
  DEFAULT_COLLECTION_RULES,
} from './decider';

/**
 * The ladder's legal rung (31+ days overdue, DOMAIN.md §4) sends the lawyer's-letter notice
 * (issue 18 item 2) by itself: once, on a working day, within contact hours, after the day-30
 * reminder, never for a paid case.
 */
const decider = caseDecider();
const spec = deciderSpec(decider);
const calendar = new BusinessCalendar();
// Due on Saturday 2026-01-31: day 30 is Monday 2026-03-02, day 31 Tuesday 2026-03-03.
const invoice = (dueDate: string) => ({
  invoiceId: 'INV-L',
  customerId: 'C-L',
  customerName: 'Slow Payer Ltd',
  amount: 1_000_000,
  currency: 'CNY',
  dueDate,
  lateFeeTerms: { interestFromDay: 16, dailyInterestBp: 10, penaltyDay: 31, penaltyBp: 200 },
});
const DUE = '2026-01-31';
const inShanghai = (day: string, hour = '09:00') => new Date(`${day}T${hour}:00+08:00`);
const runDay = (today: string): CaseCommand => ({ type: 'RunDay', data: { today, tier: 'COOPERATIVE' } });

function run(steps: [CaseCommand, Date][], due = DUE, past: CaseEvent[] = []) {
  let state: CaseState = [{ type: 'InvoiceTracked', data: invoice(due) } as CaseEvent, ...past].reduce(
    decider.evolve,
    decider.initialState(),
  );
  const produced: CaseEvent[] = [];
  for (const [command, now] of steps) {
    const next = decider.decide(command, state, now);
    produced.push(...next);
    state = next.reduce(decider.evolve, state);
  }
  return { produced, state };
}
/** Each day from `from` to `to` (working days only unless `every`), run at 09:00 in Shanghai. */
function days(from: string, to: string, every = false): [CaseCommand, Date][] {
  const out: [CaseCommand, Date][] = [];
  for (let d = from; d <= to; d = addDays(d, 1))
    if (every || calendar.isWorkingDay(d)) out.push([runDay(d), inShanghai(d)]);
  return out;
}
const sent = (events: CaseEvent[]) =>
  events.flatMap((e) => (e.type === 'ReminderSent' ? [[e.data.kind, e.data.sentDate]] : []));

describe("the legal rung (31+) sends the lawyer's-letter notice", () => {
  it('once, on day 31, the working day after the day-30 reminder', () => {
    const { produced } = run(days(addDays(DUE, -10), addDays(DUE, 45)));
    expect(
      sent(produced).filter(([kind]) => kind === 'REMINDER_OVERDUE' || kind === 'LAWYERS_LETTER'),
    ).toEqual([
      ['REMINDER_OVERDUE', '2026-03-02'],
      ['LAWYERS_LETTER', '2026-03-03'],
    ]);
    const letter = produced.find((e) => e.type === 'ReminderSent' && e.data.kind === 'LAWYERS_LETTER')!;
    expect(letter.data).toMatchObject({ messageId: 'INV-L-LAWYERS_LETTER', channel: 'EMAIL' });
    expect((letter.data as { text: string }).text).toMatch(
      /lawyer's-letter notice: invoice INV-L .* 31 days overdue/,
    );
  });

  it('not on a non-working day: a rung reached on a Saturday sends it on the Monday', () => {
    // Due 2026-02-04: day 30 is Friday 2026-03-06, day 31 Saturday 2026-03-07.
    const due = '2026-02-04';
    const { produced } = run(days(addDays(due, 1), '2026-03-10', true), due);
    expect(sent(produced).filter(([kind]) => kind === 'LAWYERS_LETTER')).toEqual([
      ['LAWYERS_LETTER', '2026-03-09'],
    ]);
  });

  it('outside contact hours it is deferred to the next day, never dropped', () => {
    const upToDay30 = run(days(addDays(DUE, 1), '2026-03-02')).produced;
    const late = run([[runDay('2026-03-03'), inShanghai('2026-03-03', '21:30')]], DUE, upToDay30);
    expect(late.produced).toContainEqual(
      expect.objectContaining({
        type: 'MessageBlocked',
        data: expect.objectContaining({
          kind: 'LAWYERS_LETTER',
          outcome: 'DEFERRED',
          deferredTo: '2026-03-04',
        }),
      }),
    );
    const next = run(days('2026-03-04', '2026-03-10'), DUE, [...upToDay30, ...late.produced]);
    expect(sent(next.produced)).toEqual([['LAWYERS_LETTER', '2026-03-04']]);
  });

  it('run twice the same day (two instances, the day job again): sent once', () => {
    const upToDay31 = run(days(addDays(DUE, 1), '2026-03-03')).produced;
    spec
      .given([{ type: 'InvoiceTracked', data: invoice(DUE) } as CaseEvent, ...upToDay31])
      .when(runDay('2026-03-03'), inShanghai('2026-03-03', '10:00'))
      .thenNothingHappened();
  });

  it("a day-30 reminder that went out from day 31 carries the lawyer's letter: no second one", () => {
    // An invoice entered late: first seen on day 33.
    const { produced } = run(days('2026-03-05', '2026-03-20'));
    expect(sent(produced)).toEqual([['REMINDER_OVERDUE', '2026-03-05']]);
  });

  it('a paid case gets none: paid in full on day 30, nothing on day 31', () => {
    const upToDay30 = run(days(addDays(DUE, 1), '2026-03-02')).produced;
    const paid: CaseEvent[] = decider.decide(
      {
        type: 'NotePayment',
        data: { amount: 1_014_000, toPrincipal: 1_000_000, date: '2026-03-02', paidInFull: true },
      },
      [{ type: 'InvoiceTracked', data: invoice(DUE) } as CaseEvent, ...upToDay30].reduce(
        decider.evolve,
        decider.initialState(),
      ),
      inShanghai('2026-03-02', '15:00'),
    );
    const { produced } = run(days('2026-03-03', '2026-03-20'), DUE, [...upToDay30, ...paid]);
    expect(sent(produced)).toEqual([]);
  });

  it('the ladder says so: the legal rung carries the message', () => {
    expect(DEFAULT_COLLECTION_RULES.ladder.find((r) => r.fromDay === 31)?.message).toBe('LAWYERS_LETTER');
  });
});
