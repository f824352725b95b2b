import type { CreditTier, DebtorType } from '@ar/contracts';
import { addDays, StateConflict } from '@ar/kernel';
import { deciderSpec } from '@ar/kernel/testing';
import { screenMessage } from '../compliance/screening';
import { chooseStrategy } from '../strategy/strategy';
import { type CaseCommand, type CaseEvent, type CaseState, caseDecider } from './decider';

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
/** The business clock runs the day at 09:00. */
const at = (d: string) => new Date(`${d}T09:00:00Z`);
const runDay = (n: number, tier: CreditTier = 'COOPERATIVE'): CaseCommand => ({
  type: 'RunDay',
  data: { today: day(n), tier },
});

function run(commands: CaseCommand[], events: CaseEvent[] = [tracked]) {
  let state: CaseState = events.reduce(decider.evolve, decider.initialState());
  const produced: CaseEvent[] = [];
  for (const c of commands) {
    const today = c.type === 'RunDay' ? c.data.today : '2026-03-02';
    const next = decider.decide(c, state, at(today));
    produced.push(...next);
    state = next.reduce(decider.evolve, state);
  }
  return { state, produced };
}
/** Every day from -10 to `last` days overdue, as the scheduler would run them. */
const daysThrough = (last: number) => Array.from({ length: last + 11 }, (_, i) => runDay(i - 10));
const escalations = (events: CaseEvent[]) =>
  events
    .filter((e) => e.type === 'CaseEscalated')
    .map((e) => [e.data.rung, e.data.ownerRole, e.data.daysOverdue]);

describe('reminders', () => {
  it('reminds 7 days before the due date and on it, and at 30 days overdue', () => {
    const { produced } = run(daysThrough(30));
    const reminders = produced
      .filter((e) => e.type === 'ReminderSent')
      .map((e) => [e.data.kind, e.data.sentDate]);
    expect(reminders).toContainEqual(['REMINDER_BEFORE_DUE', day(-7)]);
    expect(reminders).toContainEqual(['REMINDER_ON_DUE', day(0)]);
    expect(reminders).toContainEqual(['REMINDER_OVERDUE', day(30)]);
    expect(reminders.find(([k]) => k === 'REMINDER_OVERDUE')![1]).toBe(day(30));
  });

  it('quotes the amount, the days and the contract late-fee clause', () => {
    const { produced } = run(daysThrough(30));
    const overdue = produced.find((e) => e.type === 'ReminderSent' && e.data.kind === 'REMINDER_OVERDUE');
    expect((overdue!.data as { text: string }).text).toMatch(
      /CNY 10,000\.00 is 30 days overdue.*0\.1% a day accrues from day 16.*2% penalty applies on day 31/,
    );
  });
});

it('addresses the customer by the name known on the day, when the name came after the invoice', () => {
  // The customer's registration (credit topic) may arrive after the invoice (invoicing topic).
  const trackedByIdOnly: CaseEvent = { type: 'InvoiceTracked', data: { ...invoice, customerName: 'C-1' } };
  const { produced } = run(
    [{ type: 'RunDay', data: { today: day(-7), tier: 'COOPERATIVE', customerName: 'Acme Machinery' } }],
    [trackedByIdOnly],
  );
  const reminder = produced.find((e) => e.type === 'ReminderSent');
  expect((reminder!.data as { text: string }).text).toMatch(/^Dear Acme Machinery,/);
});

describe('the escalation ladder', () => {
  it('opens the case on the first day overdue, with sales as owner', () => {
    const { produced } = run(daysThrough(1));
    expect(produced.map((e) => e.type)).toContain('CaseOpened');
    expect(escalations(produced)).toEqual([[1, 'SALES', 1]]);
  });

  it('keeps day 15 with sales and moves day 16 to finance with a credit-freeze request', () => {
    expect(escalations(run(daysThrough(15)).produced).map(([r]) => r)).toEqual([1]);
    const { produced } = run(daysThrough(16));
    expect(escalations(produced).at(-1)).toEqual([16, 'FINANCE', 16]);
    expect(produced.find((e) => e.type === 'CreditFreezeRequested')!.data).toMatchObject({
      customerId: 'C-1',
      daysOverdue: 16,
    });
  });

  it('keeps day 30 with finance and moves day 31 to legal', () => {
    expect(escalations(run(daysThrough(30)).produced).at(-1)![0]).toBe(16);
    expect(escalations(run(daysThrough(31)).produced).at(-1)).toEqual([31, 'LEGAL', 31]);
  });

  it('moves day 91 to management, each rung once', () => {
    expect(escalations(run(daysThrough(90)).produced).at(-1)![0]).toBe(31);
    const { produced } = run([...daysThrough(91), runDay(91), runDay(92)]);
    expect(escalations(produced)).toEqual([
      [1, 'SALES', 1],
      [16, 'FINANCE', 16],
      [31, 'LEGAL', 31],
      [91, 'MANAGEMENT', 91],
    ]);
  });

  it('holds a disputed invoice out of dunning', () => {
    const { produced } = run([
      { type: 'NoteDispute', data: { disputed: true, date: day(-20) } },
      ...daysThrough(40),
    ]);
    expect(produced.map((e) => e.type)).toEqual(['InvoiceDisputeNoted']);
  });

  it('closes the case on payment, and no reminder follows', () => {
    const { produced } = run([
      ...daysThrough(20),
      {
        type: 'NotePayment',
        data: { amount: 1_000_000, toPrincipal: 1_000_000, date: day(20), paidInFull: true },
      },
      ...Array.from({ length: 20 }, (_, i) => runDay(21 + i)),
    ]);
    const closed = produced.findIndex((e) => e.type === 'CaseClosed');
    expect(produced[closed]!.data).toMatchObject({ outcome: 'PAID' });
    expect(produced.slice(closed + 1)).toEqual([]);
  });
});

describe('promises to pay', () => {
  const opened = run(daysThrough(3)).produced;
  const promise: CaseCommand = {
    type: 'RecordPromise',
    data: { promiseId: 'PR-1', promisedDate: day(10), promisedAmount: 500_000, date: day(3) },
  };

  it('does not call a promise broken on its own day, but on the day after', () => {
    const { produced } = run([promise, runDay(10)], [tracked, ...opened]);
    expect(produced.some((e) => e.type === 'PromiseBroken')).toBe(false);
    const after = run([promise, runDay(10), runDay(11)], [tracked, ...opened]).produced;
    expect(after.find((e) => e.type === 'PromiseBroken')!.data).toMatchObject({
      promiseId: 'PR-1',
      detectedDate: day(11),
    });
  });

  it('calls it kept when the promised amount arrives by the date', () => {
    const { produced } = run(
      [
        promise,
        {
          type: 'NotePayment',
          data: { amount: 500_000, toPrincipal: 500_000, date: day(9), paidInFull: false },
        },
        runDay(11),
      ],
      [tracked, ...opened],
    );
    expect(produced.map((e) => e.type)).toContain('PromiseKept');
    expect(produced.map((e) => e.type)).not.toContain('PromiseBroken');
  });

  it('re-classifies the debtor after broken promises and changes the strategy', () => {
    const second: CaseCommand = {
      type: 'RecordPromise',
      data: { promiseId: 'PR-2', promisedDate: day(14), promisedAmount: 1, date: day(12) },
    };
    const { produced } = run([promise, runDay(11), second, runDay(15)], [tracked, ...opened]);
    const strategies = produced
      .filter((e) => e.type === 'StrategyChosen')
      .map((e) => [e.data.debtorType, e.data.strategy]);
    expect(strategies.at(-1)).toEqual(['MALICIOUS_EVASION', 'PROTECTIVE']);
  });

  it('refuses a promise when no case is open', () => {
    spec
      .given([tracked])
      .when(promise)
      .thenThrows(StateConflict, /no open collection case/);
  });
});

describe('strategy by tier and debtor type', () => {
  const table: [CreditTier, DebtorType, string, string][] = [
    ['STRATEGIC', 'CASH_FLOW_DIFFICULTY', 'CONSULTATIVE', 'restructure into instalments'],
    ['STRATEGIC', 'HABITUAL_DELAY', 'CONSULTATIVE', 'charge the late fees'],
    ['STRATEGIC', 'MALICIOUS_EVASION', 'PROTECTIVE', 'apply for asset preservation'],
    ['COOPERATIVE', 'CASH_FLOW_DIFFICULTY', 'PROCESS', 'negotiate'],
    ['COOPERATIVE', 'HABITUAL_DELAY', 'PROCESS', 'firm process'],
    ['COOPERATIVE', 'MALICIOUS_EVASION', 'PROTECTIVE', 'legal pressure'],
    ['CAUTIOUS', 'CASH_FLOW_DIFFICULTY', 'PROTECTIVE', 'negotiate'],
    ['CAUTIOUS', 'HABITUAL_DELAY', 'PROTECTIVE', 'charge the late fees'],
    ['CAUTIOUS', 'MALICIOUS_EVASION', 'PROTECTIVE', 'asset preservation'],
  ];
  it.each(table)('%s customer, %s: %s, including "%s"', (tier, debtorType, strategy, action) => {
    const chosen = chooseStrategy(tier, debtorType);
    expect(chosen.strategy).toBe(strategy);
    expect(chosen.nextActions).toContain(action);
    expect(chosen.reason.length).toBeGreaterThan(10);
  });

  it('lets a person set the debtor type, recorded with the reason', () => {
    const opened = run(daysThrough(2)).produced;
    spec
      .given([tracked, ...opened])
      .when({
        type: 'SetDebtorType',
        data: {
          debtorType: 'CASH_FLOW_DIFFICULTY',
          by: 'sales-li',
          reason: 'customer showed its bank plan',
          date: day(3),
          tier: 'STRATEGIC',
        },
      })
      .thenContains([
        { type: 'DebtorTypeSet' },
        {
          type: 'StrategyChosen',
          data: expect.objectContaining({
            strategy: 'CONSULTATIVE',
            reason: expect.stringMatching(/set by sales-li: customer showed its bank plan/),
          }),
        },
      ]);
  });
});

describe('compliance screening', () => {
  const nine = new Date('2026-03-10T09:00:00Z');
  it.each([
    ['Pay now or else.', 'prohibited-wording:threat', 'or else'],
    ['再不还钱，后果自负', 'prohibited-wording:threat', '后果自负'],
    ['You are a liar.', 'prohibited-wording:abuse', 'liar'],
    ['我们会通知你的家人', 'prohibited-wording:third-party-disclosure', '你的家人'],
  ])('blocks "%s" under %s', (text, rule, matched) => {
    expect(screenMessage({ text, at: nine }, [])).toEqual({ outcome: 'BLOCKED', rule, matched });
  });

  it('defers a message outside contact hours to a later day, not sent', () => {
    // Contact hours are read in the business time zone (Asia/Shanghai by default).
    expect(
      screenMessage({ text: 'Dear customer', at: new Date('2026-03-10T21:30:00+08:00') }, []),
    ).toMatchObject({
      outcome: 'DEFERRED',
      rule: 'contact-hours',
      until: '2026-03-11',
    });
    expect(
      screenMessage({ text: 'Dear customer', at: new Date('2026-03-10T07:00:00+08:00') }, []),
    ).toMatchObject({
      until: '2026-03-10',
    });
  });

  it('defers a second message on the same day and a fourth in seven days', () => {
    expect(screenMessage({ text: 'Hi', at: nine }, ['2026-03-10'])).toMatchObject({
      outcome: 'DEFERRED',
      rule: 'frequency-per-day',
    });
    expect(screenMessage({ text: 'Hi', at: nine }, ['2026-03-04', '2026-03-06', '2026-03-08'])).toMatchObject(
      { rule: 'frequency-per-week' },
    );
    expect(screenMessage({ text: 'Hi', at: nine }, ['2026-03-03', '2026-03-06', '2026-03-08'])).toEqual({
      outcome: 'SEND',
    });
  });

  it('records a message the day run could not send in hours as deferred, and sends it the next day', () => {
    const opened = run(daysThrough(0)).produced;
    const state = [tracked, ...opened].reduce(decider.evolve, decider.initialState());
    const late = decider.decide(runDay(1), state, new Date(`${day(1)}T22:00:00Z`));
    expect(late.find((e) => e.type === 'MessageBlocked')!.data).toMatchObject({
      outcome: 'DEFERRED',
      rule: 'contact-hours',
      deferredTo: day(2),
    });
    const next = late.reduce(decider.evolve, state);
    expect(decider.decide(runDay(2), next, at(day(2))).map((e) => e.type)).toContain('ReminderSent');
  });
});
