import { BusinessCalendar, NotFound, RuleViolation, StateConflict } from '@ar/kernel';
import { deciderSpec } from '@ar/kernel/testing';
import { DEFAULT_CLAUSE_POLICY } from '../clauses/clause-library';
import {
  type ContractCommand,
  type ContractEvent,
  type ContractState,
  contractDecider,
  type MilestoneDraft,
} from './decider';

// 2026-01-01 is a Thursday; 2026-01-12 (a Monday) is a holiday in this calendar.
const calendar = new BusinessCalendar({ holidays: ['2026-01-12'] });
const decider = contractDecider({ calendar, clauses: DEFAULT_CLAUSE_POLICY });
const spec = deciderSpec(decider);

const milestones: MilestoneDraft[] = [
  {
    milestoneId: 'SIGN',
    name: '30% on signing',
    shareBp: 3000,
    trigger: 'SIGNING',
    term: { days: 5, basis: 'WORKING' },
  },
  {
    milestoneId: 'ACCEPT',
    name: '60% on acceptance',
    shareBp: 6000,
    trigger: 'ACCEPTANCE',
    term: { days: 3, basis: 'WORKING' },
  },
  {
    milestoneId: 'WARRANTY',
    name: '10% after the warranty',
    shareBp: 1000,
    trigger: 'AFTER_ACCEPTANCE',
    afterDays: 365,
    term: { days: 30, basis: 'CALENDAR' },
  },
];
const draft = (
  over: Partial<Extract<ContractCommand, { type: 'DraftContract' }>['data']> = {},
): ContractCommand => ({
  type: 'DraftContract',
  data: {
    contractId: 'K-1',
    customerId: 'C-1',
    title: 'Press line',
    value: 1_000_001,
    currency: 'CNY',
    tier: 'COOPERATIVE',
    milestones,
    date: '2026-01-02',
    ...over,
  },
});
const approved: { approved: boolean; reasons: string[] } = { approved: true, reasons: [] };
const sign = (date = '2026-01-05', credit = approved): ContractCommand => ({
  type: 'SignContract',
  data: { date, credit },
});
const accept = (date: string): ContractCommand => ({
  type: 'RecordDeliverable',
  data: { kind: 'ACCEPTANCE', date },
});

function run(commands: ContractCommand[]) {
  let state: ContractState = decider.initialState();
  const events: ContractEvent[] = [];
  for (const c of commands) {
    const next = decider.decide(c, state, new Date());
    events.push(...next);
    state = next.reduce(decider.evolve, state);
  }
  return { state, events };
}
const reached = (events: ContractEvent[]) =>
  events
    .filter((e) => e.type === 'MilestoneReached')
    .map((e) => [e.data.milestoneId, e.data.reachedDate, e.data.dueDate, e.data.amount]);
const signed = run([draft(), sign()]).events;

describe('drafting', () => {
  it('splits the value into milestone amounts that add up to it exactly', () => {
    const { events } = run([draft()]);
    const d = events[0]!.data as { milestones: { amount: number }[] };
    expect(d.milestones.map((m) => m.amount)).toEqual([300_000, 600_001, 100_000]);
  });

  it('gives shares that do not divide evenly to the largest remainders (33.33/33.33/33.34% of 100.01)', () => {
    const thirds = milestones.map((m, i) => ({ ...m, shareBp: [3333, 3333, 3334][i]! }));
    const { events } = run([draft({ value: 10_001, milestones: thirds })]);
    expect((events[0]!.data as { milestones: { amount: number }[] }).milestones.map((m) => m.amount)).toEqual(
      [3333, 3333, 3335],
    );
  });

  it('refuses percentages that do not add up to 100%', () => {
    const short = milestones.map((m, i) => ({ ...m, shareBp: [3000, 6000, 500][i]! }));
    spec
      .given([])
      .when(draft({ milestones: short }))
      .thenThrows(RuleViolation, /add up to 95%, not 100%/);
  });

  it('gives a CAUTIOUS customer prepayment and retention of title', () => {
    const { state } = run([draft({ tier: 'CAUTIOUS' })]);
    expect(state).toMatchObject({
      drafted: { clauses: { prepayment: true, retentionOfTitle: true, creditEnhancement: 'NONE' } },
    });
    const ms = (state as { milestones: { trigger: string; term: { days: number } }[] }).milestones;
    expect(ms.every((m) => m.trigger === 'SIGNING' && m.term.days === 0)).toBe(true);
  });

  it('gives a STRATEGIC customer its negotiated terms with a guarantee, and everyone the late-fee clause', () => {
    const { state } = run([draft({ tier: 'STRATEGIC' })]);
    expect(state).toMatchObject({
      drafted: {
        clauses: {
          creditEnhancement: 'GUARANTEE',
          prepayment: false,
          lateFee: { interestFromDay: 16, penaltyDay: 31 },
          serviceSuspensionDays: 10,
        },
      },
    });
  });
});

describe('signing', () => {
  it('reaches the signing milestone, due 5 working days later', () => {
    expect(reached(signed)).toEqual([['SIGN', '2026-01-05', '2026-01-13', 300_000]]); // the 12th is a holiday
  });

  it('is refused, with the reason, when credit says no', () => {
    spec
      .given(run([draft()]).events)
      .when(
        sign('2026-01-05', {
          approved: false,
          reasons: ['credit frozen since 2026-01-03 (16 days overdue)'],
        }),
      )
      .thenThrows(RuleViolation, /signing refused by credit: credit frozen since 2026-01-03/);
  });

  it('refuses to sign a contract never drafted as unknown (404)', () => {
    spec
      .given([])
      .when(sign())
      .thenThrows(NotFound, /no such contract/);
  });

  it('refuses to sign a terminated contract', () => {
    const terminated = run([
      draft(),
      { type: 'TerminateContract', data: { reason: 'customer withdrew', date: '2026-01-04' } },
    ]).events;
    spec
      .given(terminated)
      .when(sign())
      .thenThrows(StateConflict, /terminated: it cannot be signed/);
  });
});

describe('milestones on the business calendar', () => {
  const acceptedOn = (date: string) =>
    reached(decider.decide(accept(date), signed.reduce(decider.evolve, decider.initialState()), new Date()));

  it('makes an acceptance on a Friday due on the Wednesday, 3 working days later', () => {
    expect(acceptedOn('2026-01-16')).toEqual([['ACCEPT', '2026-01-16', '2026-01-21', 600_001]]);
  });

  it('skips a holiday inside the term', () => {
    expect(acceptedOn('2026-01-09')).toEqual([['ACCEPT', '2026-01-09', '2026-01-15', 600_001]]);
  });

  it('crosses a month end', () => {
    expect(acceptedOn('2026-01-30')).toEqual([['ACCEPT', '2026-01-30', '2026-02-04', 600_001]]);
  });

  it('rolls a calendar-day term ending on a Sunday to the Monday', () => {
    const { events } = run([
      draft(),
      sign(),
      accept('2026-01-30'),
      { type: 'ReachDueMilestones', data: { today: '2027-01-30' } },
    ]);
    // Warranty: 365 days after 2026-01-30 is 2027-01-30 (a Saturday); + 30 days = 2027-03-01 (a Monday).
    expect(reached(events).at(-1)).toEqual(['WARRANTY', '2027-01-30', '2027-03-01', 100_000]);
  });

  it('refuses a milestone reached twice', () => {
    const accepted = run([draft(), sign(), accept('2026-01-16')]).events;
    spec
      .given(accepted)
      .when(accept('2026-01-19'))
      .thenThrows(StateConflict, /already recorded: a milestone is reached once/);
  });
});

describe('dynamic clauses', () => {
  it('halves the terms of milestones not yet reached when the score drops', () => {
    spec
      .given(signed)
      .when({
        type: 'TightenTerms',
        data: { cause: 'CreditScoreDropped: 610 -> 530', prepayment: false, date: '2026-02-01' },
      })
      .then([
        {
          type: 'ContractTermsTightened',
          data: {
            contractId: 'K-1',
            customerId: 'C-1',
            milestones: [
              {
                milestoneId: 'ACCEPT',
                termBefore: { days: 3, basis: 'WORKING' },
                termAfter: { days: 1, basis: 'WORKING' },
              },
              {
                milestoneId: 'WARRANTY',
                termBefore: { days: 30, basis: 'CALENDAR' },
                termAfter: { days: 15, basis: 'CALENDAR' },
              },
            ],
            prepayment: false,
            cause: 'CreditScoreDropped: 610 -> 530',
            date: '2026-02-01',
          },
        },
      ]);
  });

  it('asks prepayment of open milestones when the customer becomes CAUTIOUS', () => {
    const { state } = run([
      draft(),
      sign(),
      { type: 'TightenTerms', data: { cause: 'tier CAUTIOUS', prepayment: true, date: '2026-02-01' } },
    ]);
    expect(
      (state as { milestones: { milestoneId: string; term: { days: number } }[] }).milestones.map(
        (m) => m.term.days,
      ),
    ).toEqual([5, 0, 0]);
  });

  // The service-suspension clause: service-suspension.unit.test.ts.

  it('completes the contract when every milestone is paid', () => {
    const paid = (milestoneId: string): ContractCommand => ({
      type: 'RecordMilestoneInvoice',
      data: { milestoneId, invoiceId: `K-1:${milestoneId}`, status: 'PAID', date: '2027-03-01' },
    });
    const { state, events } = run([
      draft(),
      sign(),
      accept('2026-01-16'),
      paid('SIGN'),
      paid('ACCEPT'),
      paid('WARRANTY'),
    ]);
    expect(events.at(-1)!.type).toBe('ContractCompleted');
    expect(state.status).toBe('COMPLETED');
  });
});
