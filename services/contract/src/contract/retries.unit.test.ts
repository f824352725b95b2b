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
/** Signed naming a term exception the risk role recorded in credit-scoring (the terms within the tier's). */
const signNaming = (exceptionId: string, date = '2026-01-05'): ContractCommand => ({
  type: 'SignContract',
  data: {
    date,
    credit: {
      approved: true,
      reasons: [],
      paymentTermDays: 15,
      termException: {
        approvedBy: 'RISK',
        exceptionId,
        approved: true,
        termDays: 30,
        decidedBy: 'risk-wang',
        reason: 'tender terms',
      },
    },
    termException: { exceptionId },
  },
});
/** Signing again: the contract is signed, so credit-scoring is not asked (no credit answer). */
const signAgain = (exceptionId?: string, date = '2026-01-05'): ContractCommand => ({
  type: 'SignContract',
  data: { date, ...(exceptionId ? { termException: { exceptionId } } : {}) },
});
/** The domain error a command is refused with (its code and field). */
function refusal(given: ContractEvent[], command: ContractCommand): unknown {
  try {
    decider.decide(command, given.reduce(decider.evolve, decider.initialState()), new Date());
  } catch (error) {
    return error;
  }
  return undefined;
}
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

  it('signing it again on the same day naming the same term exception changes nothing (#14 probe F10)', () => {
    spec
      .given(past([draft(), signNaming('EX-A')]))
      .when(signAgain('EX-A'))
      .thenNothingHappened();
  });

  it('signing it again on the same day naming another term exception, or none, is a conflict naming the field (#14 probe F10)', () => {
    spec
      .given(past([draft(), signNaming('EX-A')]))
      .when(signAgain('EX-B'))
      .thenThrows(
        StateConflict,
        /signed on 2026-01-05 naming term exception EX-A; this signature names EX-B/,
      );
    expect(refusal(past([draft(), signNaming('EX-A')]), signAgain('EX-B'))).toMatchObject({
      code: 'CONTRACT_ALREADY_SIGNED',
      field: 'termException.exceptionId',
    });
    spec
      .given(past([draft(), signNaming('EX-A')]))
      .when(signAgain())
      .thenThrows(
        StateConflict,
        /signed on 2026-01-05 naming term exception EX-A; this signature names none/,
      );
    expect(refusal(past([draft(), signNaming('EX-A')]), signAgain())).toMatchObject({
      code: 'CONTRACT_ALREADY_SIGNED',
      field: 'termException',
    });
    spec
      .given(past([draft(), sign()]))
      .when(signAgain('EX-B'))
      .thenThrows(StateConflict, /signed on 2026-01-05 without a term exception; this signature names EX-B/);
  });

  it('signing it again naming its exception on another date is a conflict naming the date', () => {
    expect(refusal(past([draft(), signNaming('EX-A')]), signAgain('EX-A', '2026-01-06'))).toMatchObject({
      code: 'CONTRACT_ALREADY_SIGNED',
      field: 'date',
    });
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
