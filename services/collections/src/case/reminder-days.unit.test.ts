import { BusinessCalendar, BusinessTime } from '@ar/kernel';
import { DEFAULT_COMPLIANCE_RULES, screenMessage } from '../compliance/screening';
import {
  type CaseCommand,
  type CaseEvent,
  type CaseState,
  caseDecider,
  DEFAULT_COLLECTION_RULES,
} from './decider';

// 2026-03-08 is a Sunday; 2026-03-09 a Monday, a holiday in the second calendar.
const calendar = new BusinessCalendar();
const time = new BusinessTime({ timeZone: 'Asia/Shanghai', dayJobsAt: '09:00' });
const decider = caseDecider({ ...DEFAULT_COLLECTION_RULES, calendar, time });
const invoice = (dueDate: string) => ({
  invoiceId: 'INV-7',
  customerId: 'C-7',
  customerName: 'Weekend Trading',
  amount: 120_000,
  currency: 'CNY',
  dueDate,
  lateFeeTerms: undefined,
});
/** 09:00 in Shanghai, when the day job runs. */
const nineInShanghai = (day: string) => new Date(`${day}T09:00:00+08:00`);
const runDay = (today: string): CaseCommand => ({ type: 'RunDay', data: { today, tier: 'COOPERATIVE' } });

/** Runs each command at the instant given with it, from a tracked invoice. */
function run(dueDate: string, steps: [CaseCommand, Date][], d = decider) {
  let state: CaseState = d.evolve(d.initialState(), { type: 'InvoiceTracked', data: invoice(dueDate) });
  const produced: CaseEvent[] = [];
  for (const [command, now] of steps) {
    const next = d.decide(command, state, now);
    produced.push(...next);
    state = next.reduce(d.evolve, state);
  }
  return produced;
}
/** The working days from `from` to `to`, each run at 09:00 in Shanghai, as the scheduler runs them. */
const workingDays = (from: string, to: string, cal = calendar): [CaseCommand, Date][] => {
  const days: [CaseCommand, Date][] = [];
  for (
    let d = from;
    d <= to;
    d = new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)
  )
    if (cal.isWorkingDay(d)) days.push([runDay(d), nineInShanghai(d)]);
  return days;
};
const sent = (events: CaseEvent[]) =>
  events.flatMap((e) => (e.type === 'ReminderSent' ? [[e.data.kind, e.data.sentDate]] : []));

describe('a reminder level on a non-working day goes out on the next working day', () => {
  it('sends the on-due reminder of an invoice due on a Sunday on the Monday', () => {
    const produced = run('2026-03-08', workingDays('2026-02-27', '2026-03-10'));
    expect(sent(produced)).toContainEqual(['REMINDER_ON_DUE', '2026-03-09']);
    const onDue = produced.find((e) => e.type === 'ReminderSent' && e.data.kind === 'REMINDER_ON_DUE');
    expect((onDue!.data as { text: string }).text).toMatch(/was due on 2026-03-08/);
  });

  it('sends it after a holiday, on the first working day', () => {
    const holiday = new BusinessCalendar({ holidays: ['2026-03-09'] });
    const d = caseDecider({ ...DEFAULT_COLLECTION_RULES, calendar: holiday, time });
    const produced = run('2026-03-08', workingDays('2026-02-27', '2026-03-11', holiday), d);
    expect(sent(produced)).toContainEqual(['REMINDER_ON_DUE', '2026-03-10']);
  });

  it('does not send "due" reminders for an invoice first run weeks after its due date', () => {
    const produced = run('2026-02-02', [[runDay('2026-03-09'), nineInShanghai('2026-03-09')]]);
    expect(sent(produced).map(([k]) => k)).not.toContain('REMINDER_ON_DUE');
  });
});

describe('a message is dated when it is generated and sent', () => {
  it('dates a message for a past day (an invoice entered late) with the day it went out', () => {
    // The case learns of the invoice on 2026-03-10: the day run for its first overdue day
    // (from invoicing's PaymentOverdue) happens now, not on 2026-02-03.
    const produced = run('2026-02-02', [[runDay('2026-02-03'), nineInShanghai('2026-03-10')]]);
    const messages = produced.filter((e) => e.type === 'ReminderSent');
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages) {
      expect(m.data).toMatchObject({ sentDate: '2026-03-10', sentAt: '2026-03-10T09:00:00.000+08:00' });
    }
  });

  it("archives Monday's message, run for Sunday's threshold, as sent on Monday", () => {
    // Day 16 overdue falls on Sunday 2026-03-08: invoicing's PaymentOverdue says so on Monday.
    const produced = run('2026-02-20', [[runDay('2026-03-08'), nineInShanghai('2026-03-09')]]);
    expect(sent(produced)).toEqual([['DUNNING_LETTER', '2026-03-09']]);
  });
});

describe('business time: contact hours and days in the business time zone', () => {
  it('sends at 09:00 in Shanghai (01:00 UTC) - the day job on the system clock', () => {
    const produced = run('2026-03-09', [[runDay('2026-03-02'), new Date('2026-03-02T01:00:00Z')]]);
    expect(sent(produced)).toEqual([['REMINDER_BEFORE_DUE', '2026-03-02']]);
  });

  it('defers a message generated at 00:30 in Shanghai (16:30 UTC the day before) to that day', () => {
    const produced = run('2026-03-09', [
      [runDay('2026-03-02'), new Date('2026-03-01T16:30:00Z')],
      [runDay('2026-03-02'), new Date('2026-03-02T01:00:00Z')],
    ]);
    expect(produced[0]).toMatchObject({
      type: 'MessageBlocked',
      data: { rule: 'contact-hours', deferredTo: '2026-03-02', date: '2026-03-02' },
    });
    expect(sent(produced)).toEqual([['REMINDER_BEFORE_DUE', '2026-03-02']]);
  });

  it('screens contact hours in the business time zone', () => {
    const screen = (at: string) => screenMessage({ text: 'Dear customer', at: new Date(at) }, []);
    expect(screen('2026-03-10T01:30:00Z')).toEqual({ outcome: 'SEND' }); // 09:30 in Shanghai
    expect(screen('2026-03-10T13:00:00Z')).toMatchObject({ outcome: 'DEFERRED', until: '2026-03-11' }); // 21:00
    expect(screen('2026-03-10T00:30:00Z')).toMatchObject({ outcome: 'DEFERRED', until: '2026-03-10' }); // 08:30
    expect(screen('2026-03-10T16:30:00Z')).toMatchObject({ outcome: 'DEFERRED', until: '2026-03-11' }); // 00:30 on the 11th
    const london = new BusinessTime({ timeZone: 'Europe/London' });
    expect(
      screenMessage(
        { text: 'Hi', at: new Date('2026-03-10T01:30:00Z') },
        [],
        DEFAULT_COMPLIANCE_RULES,
        london,
      ),
    ).toMatchObject({ outcome: 'DEFERRED', until: '2026-03-10' });
  });
});
