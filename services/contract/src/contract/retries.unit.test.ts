import type { CreditTier } from '@ar/contracts';
import { BusinessCalendar, StateConflict } from '@ar/kernel';
import { deciderSpec } from '@ar/kernel/testing';
import { DEFAULT_CLAUSE_POLICY } from '../clauses/clause-library';
import { type ContractCommand, type ContractEvent, type ContractState, contractDecider } from './decider';

const decider = contractDecider({ calendar: new BusinessCalendar(), clauses: DEFAULT_CLAUSE_POLICY });
const spec = deciderSpec(decider);

const drafting = {
  contractId: 'K-1',
  customerId: 'C-1',
  title: 'Press line',
  value: 1_000_000,
  currency: 'CNY',
  tier: 'COOPERATIVE' as CreditTier,
  milestones: [
    {
      milestoneId: 'DELIVER',
      name: '40% on delivery',
      shareBp: 4000,
      trigger: 'DELIVERY' as const,
      term: { days: 5, basis: 'WORKING' as const },
    },
    {
      milestoneId: 'ACCEPT',
      name: '60% on acceptance',
      shareBp: 6000,
      trigger: 'ACCEPTANCE' as const,
      term: { days: 3, basis: 'WORKING' as const },
    },
  ],
  date: '2026-01-02',
};
const draft = (over: Partial<typeof drafting> = {}): ContractCommand => ({
  type: 'DraftContract',
  data: { ...drafting, ...over },
});
const sign = (date = '2026-01-05'): ContractCommand => ({
  type: 'SignContract',
  data: { date, credit: { approved: true, reasons: [] } },
});
const deliver = (date = '2026-01-07'): ContractCommand => ({
  type: 'RecordDeliverable',
  data: { kind: 'DELIVERY', date },
});
const terminate = (reason = 'customer withdrew', date = '2026-01-08'): ContractCommand => ({
  type: 'TerminateContract',
  data: { reason, date },
});

/** The events a sequence of commands leaves, as the handler would append them. */
function past(commands: ContractCommand[]): ContractEvent[] {
  let state: ContractState = decider.initialState();
  const events: ContractEvent[] = [];
  for (const c of commands) {
    const next = decider.decide(c, state, new Date());
    events.push(...next);
    state = next.reduce(decider.evolve, state);
  }
  return events;
}

describe('a contract command sent again', () => {
  it('drafting the same contract again changes nothing', () => {
    spec
      .given(past([draft()]))
      .when(draft())
      .thenNothingHappened();
  });

  it('drafting it again the next day, or after the tier changed, is still the same contract', () => {
    spec
      .given(past([draft()]))
      .when(draft({ date: '2026-01-03', tier: 'STRATEGIC' }))
      .thenNothingHappened();
  });

  it('drafting the same id with another value is a conflict', () => {
    spec
      .given(past([draft()]))
      .when(draft({ value: 2_000_000 }))
      .thenThrows(StateConflict, /already exists with other details/);
  });

  it('signing it again on the same day changes nothing, even once delivered', () => {
    spec
      .given(past([draft(), sign()]))
      .when(sign())
      .thenNothingHappened();
    spec
      .given(past([draft(), sign(), deliver()]))
      .when(sign())
      .thenNothingHappened();
  });

  it('signing it again with another date is a conflict', () => {
    spec
      .given(past([draft(), sign()]))
      .when(sign('2026-01-06'))
      .thenThrows(StateConflict, /signed on 2026-01-05/);
  });

  it('recording the same delivery again changes nothing; another date is a conflict', () => {
    spec
      .given(past([draft(), sign(), deliver()]))
      .when(deliver())
      .thenNothingHappened();
    spec
      .given(past([draft(), sign(), deliver()]))
      .when(deliver('2026-01-09'))
      .thenThrows(StateConflict, /already recorded/);
  });

  it('terminating it again for the same reason on the same day changes nothing; otherwise a conflict', () => {
    spec
      .given(past([draft(), sign(), terminate()]))
      .when(terminate())
      .thenNothingHappened();
    spec
      .given(past([draft(), sign(), terminate()]))
      .when(terminate('another reason'))
      .thenThrows(StateConflict, /already terminated/);
  });
});
