import type {
  CreditCommitteeDecidedV1,
  CreditCommitteeVoteCastV1,
  CreditFreezeRequestRecordedV1,
  CreditFreezeRequestWithdrawnV1,
  CreditFrozenV1,
  CreditLimitChangedV1,
  CreditScoreDroppedV1,
  CreditScoredV1,
  CreditTier,
  CreditTierChangedV1,
  CreditUnfrozenV1,
  CustomerProfileV1,
  CustomerRegisteredV1,
  CustomerSignalRecordedV1,
  FinancialIndicatorsUpdatedV1,
  PaymentBehaviourRecordedV1,
  ScoreFactorV1,
  StoredTermExceptionV1,
  TermExceptionGrantedV1,
} from '@ar/contracts';
import { AppendOnlyList, type DomainEvent, type IsoDate } from '@ar/kernel';
import type { ScoringInputs } from '../scoring/score-model';

export type CustomerEvent =
  | DomainEvent<'CustomerRegistered', CustomerRegisteredV1>
  | DomainEvent<'FinancialIndicatorsUpdated', FinancialIndicatorsUpdatedV1>
  | DomainEvent<'CustomerSignalRecorded', CustomerSignalRecordedV1>
  | DomainEvent<'PaymentBehaviourRecorded', PaymentBehaviourRecordedV1>
  | DomainEvent<'CreditScored', CreditScoredV1>
  | DomainEvent<'CreditScoreDropped', CreditScoreDroppedV1>
  | DomainEvent<'CreditTierChanged', CreditTierChangedV1>
  | DomainEvent<'CreditLimitChanged', CreditLimitChangedV1>
  | DomainEvent<'CreditCommitteeVoteCast', CreditCommitteeVoteCastV1>
  | DomainEvent<'CreditCommitteeDecided', CreditCommitteeDecidedV1>
  | DomainEvent<'TermExceptionGranted', TermExceptionGrantedV1>
  | DomainEvent<'CreditFrozen', CreditFrozenV1>
  | DomainEvent<'CreditUnfrozen', CreditUnfrozenV1>
  | DomainEvent<'CreditFreezeRequestRecorded', CreditFreezeRequestRecordedV1>
  | DomainEvent<'CreditFreezeRequestWithdrawn', CreditFreezeRequestWithdrawnV1>;

/** A customer's credit file: profile, signals, behaviour, and what they add up to. */
export interface CreditFile {
  status: 'REGISTERED';
  profile: CustomerProfileV1;
  /** The day credit-scoring opened the file: no score takes effect before it (#14 probe F11). */
  registeredOn: IsoDate;
  inputs: ScoringInputs;
  openLawsuits: string[];
  score: number;
  factors: ScoreFactorV1[];
  tier: CreditTier;
  tierOverridden: boolean;
  paymentTermDays: number;
  limit: number;
  limitOverridden: boolean;
  exceptions: { exceptionId: string; amount: number; approved: boolean }[];
  /** Votes cast on exceptions not decided yet (absent in files from before votes were cast one by one). */
  committeeVotes?: CreditCommitteeVoteCastV1[];
  /** Term exceptions a signature may name (#14): recorded by the risk role or decided by the committee, by id. */
  termExceptions?: Record<string, StoredTermExceptionV1>;
  /** Who asked for the freeze (and for which collection case): only that case's withdrawal lifts it. */
  /** `cases`: the collection cases whose requests hold the freeze (lifted when the last withdraws). */
  frozen: { since: IsoDate; reason: string; requestedBy?: string; cases: string[] } | undefined;
  /** The events whose behaviour is recorded (so a redelivery is not): one per behaviour, ever. */
  behaviourSources: AppendOnlyList<string>;
}

export type CustomerState = { status: 'NONE' } | CreditFile;

export const isRegistered = (state: CustomerState): state is CreditFile => state.status === 'REGISTERED';

export function evolveCustomer(state: CustomerState, event: CustomerEvent): CustomerState {
  if (event.type === 'CustomerRegistered') {
    const { registeredOn, ...profile } = event.data;
    return {
      status: 'REGISTERED',
      profile,
      registeredOn,
      inputs: {
        industry: profile.industry,
        annualRevenue: profile.annualRevenue,
        headcount: profile.headcount,
        creditPoints: 0,
        financials: undefined,
        openLawsuits: 0,
        enforcementRecords: 0,
        registrationChanges: [],
        keyPersonnelChanges: [],
      },
      openLawsuits: [],
      score: 0,
      factors: [],
      tier: 'CAUTIOUS',
      tierOverridden: false,
      paymentTermDays: 0,
      limit: 0,
      limitOverridden: false,
      exceptions: [],
      frozen: undefined,
      behaviourSources: AppendOnlyList.empty(),
    };
  }
  if (!isRegistered(state)) return state;
  const inputs = state.inputs;
  switch (event.type) {
    case 'FinancialIndicatorsUpdated': {
      const { currentRatio, debtRatio, receivablesTurnover, annualRevenue } = event.data;
      return {
        ...state,
        inputs: {
          ...inputs,
          financials: { currentRatio, debtRatio, receivablesTurnover },
          annualRevenue: annualRevenue ?? inputs.annualRevenue,
        },
      };
    }
    case 'CustomerSignalRecorded': {
      const { kind, reference, date } = event.data;
      switch (kind) {
        case 'LAWSUIT_OPENED': {
          const open = state.openLawsuits.includes(reference)
            ? state.openLawsuits
            : [...state.openLawsuits, reference];
          return { ...state, openLawsuits: open, inputs: { ...inputs, openLawsuits: open.length } };
        }
        case 'LAWSUIT_CLOSED': {
          const open = state.openLawsuits.filter((r) => r !== reference);
          return { ...state, openLawsuits: open, inputs: { ...inputs, openLawsuits: open.length } };
        }
        case 'ENFORCEMENT_RECORD':
          return { ...state, inputs: { ...inputs, enforcementRecords: inputs.enforcementRecords + 1 } };
        case 'REGISTRATION_CHANGE':
          return {
            ...state,
            inputs: { ...inputs, registrationChanges: [...inputs.registrationChanges, date] },
          };
        case 'KEY_PERSONNEL_CHANGE':
          return {
            ...state,
            inputs: { ...inputs, keyPersonnelChanges: [...inputs.keyPersonnelChanges, date] },
          };
      }
      return state;
    }
    case 'PaymentBehaviourRecorded':
      return {
        ...state,
        inputs: { ...inputs, creditPoints: inputs.creditPoints + event.data.points },
        behaviourSources: state.behaviourSources.append(event.data.sourceEventId),
      };
    case 'CreditScored':
      return { ...state, score: event.data.score, factors: event.data.factors };
    case 'CreditScoreDropped':
      return state;
    case 'CreditTierChanged':
      return {
        ...state,
        tier: event.data.tier,
        paymentTermDays: event.data.paymentTermDays,
        tierOverridden: event.data.cause === 'OVERRIDE',
      };
    case 'CreditLimitChanged':
      return { ...state, limit: event.data.limit, limitOverridden: event.data.cause === 'OVERRIDE' };
    case 'CreditCommitteeVoteCast':
      return { ...state, committeeVotes: [...(state.committeeVotes ?? []), event.data] };
    case 'CreditCommitteeDecided':
      return {
        ...state,
        committeeVotes: (state.committeeVotes ?? []).filter((v) => v.exceptionId !== event.data.exceptionId),
        exceptions: [
          ...state.exceptions,
          { exceptionId: event.data.exceptionId, amount: event.data.amount, approved: event.data.approved },
        ],
        ...(event.data.termDays !== undefined && {
          termExceptions: {
            ...state.termExceptions,
            [event.data.exceptionId]: {
              approvedBy: 'COMMITTEE' as const,
              exceptionId: event.data.exceptionId,
              approved: event.data.approved,
              termDays: event.data.termDays,
              votes: event.data.votes.map(({ member, approve, reason }) => ({ member, approve, reason })),
            },
          },
        }),
      };
    case 'TermExceptionGranted':
      return {
        ...state,
        termExceptions: {
          ...state.termExceptions,
          [event.data.exceptionId]: {
            approvedBy: 'RISK',
            exceptionId: event.data.exceptionId,
            approved: true,
            termDays: event.data.termDays,
            decidedBy: event.data.decidedBy,
            reason: event.data.reason,
          },
        },
      };
    case 'CreditFrozen':
      return {
        ...state,
        frozen: {
          since: event.data.date,
          reason: event.data.reason,
          requestedBy: event.data.requestedBy,
          cases: event.data.caseId ? [event.data.caseId] : [],
        },
      };
    case 'CreditFreezeRequestRecorded':
      return state.frozen
        ? { ...state, frozen: { ...state.frozen, cases: [...state.frozen.cases, event.data.caseId] } }
        : state;
    case 'CreditFreezeRequestWithdrawn':
      return state.frozen
        ? {
            ...state,
            frozen: { ...state.frozen, cases: state.frozen.cases.filter((c) => c !== event.data.caseId) },
          }
        : state;
    case 'CreditUnfrozen':
      return { ...state, frozen: undefined };
  }
}

/**
 * The state's shape and evolveCustomer's rules, for snapshots: raise it whenever either changes
 * (a snapshot of another version is not read; the stream is folded again).
 */
export const CUSTOMER_STATE_VERSION = 4;

/** A state back from its JSON (a snapshot): the lists that are not arrays in memory. */
export function reviveCustomer(json: unknown): CustomerState {
  const state = json as CustomerState;
  if (!isRegistered(state)) return state;
  const sources = state.behaviourSources as unknown as string[];
  return { ...state, behaviourSources: AppendOnlyList.from(sources) };
}

/** Extra exposure the credit committee has approved above the limit. */
export function exceptionAllowance(file: CreditFile): number {
  return file.exceptions.filter((e) => e.approved).reduce((sum, e) => sum + e.amount, 0);
}
