import {
  CommitteeMember,
  type CreditTier,
  type CustomerProfileV1,
  type CustomerSignalRecordedV1,
  type FinancialIndicatorsV1,
  type PaymentBehaviourRecordedV1,
} from '@ar/contracts';
import {
  type Command,
  type Decider,
  type IsoDate,
  NotFound,
  RuleViolation,
  StateConflict,
  sameFacts,
} from '@ar/kernel';
import type { z } from 'zod';
import type { CreditPolicy } from '../policy/credit-policy';
import { scoreCustomer, tierFor, tierThreshold } from '../scoring/score-model';
import {
  type CreditFile,
  type CustomerEvent,
  type CustomerState,
  evolveCustomer,
  isRegistered,
} from './state';

export type { CustomerEvent, CustomerState } from './state';

export type PaymentBehaviour = Omit<PaymentBehaviourRecordedV1, 'customerId' | 'points'>;
export type CustomerCommand =
  | Command<'RegisterCustomer', { profile: CustomerProfileV1; on: IsoDate }>
  | Command<'UpdateFinancials', { indicators: FinancialIndicatorsV1; asOf: IsoDate }>
  | Command<'RecordSignal', Omit<CustomerSignalRecordedV1, 'customerId'>>
  | Command<'RecordPaymentBehaviour', PaymentBehaviour>
  | Command<'OverrideTier', { tier: CreditTier; reason: string; decidedBy: string; date: IsoDate }>
  | Command<'OverrideLimit', { limit: number; reason: string; decidedBy: string; date: IsoDate }>
  /** One committee member's vote, by the authenticated person who cast it (`voter`: the token's subject). */
  | Command<
      'CastCommitteeVote',
      {
        exceptionId: string;
        amount: number;
        /** A term exception: payment terms of up to this many calendar days (#14). */
        termDays?: number | undefined;
        member: z.infer<typeof CommitteeMember>;
        approve: boolean;
        reason: string;
        voter: string;
        date: IsoDate;
      }
    >
  /** The risk role allows this customer payment terms longer than its tier's (`decidedBy`: the caller). */
  | Command<
      'GrantTermException',
      { exceptionId: string; termDays: number; reason: string; decidedBy: string; date: IsoDate }
    >
  | Command<
      'FreezeCredit',
      { reason: string; requestedBy: string; caseId?: string | undefined; date: IsoDate }
    >
  | Command<'UnfreezeCredit', { reason: string; decidedBy: string; date: IsoDate }>
  /** A collection case withdraws its freeze request (value dating): lifted if that case froze the customer. */
  | Command<'LiftCollectionsFreeze', { caseId: string; reason: string; date: IsoDate }>;

function registered(state: CustomerState): CreditFile {
  if (!isRegistered(state)) throw new NotFound('CUSTOMER_NOT_FOUND', 'no such customer', 'customerId');
  return state;
}

/** Credit points a behaviour earns under the policy (DOMAIN.md §1, "credit points"). */
export function pointsFor(behaviour: PaymentBehaviour, policy: CreditPolicy): number {
  const p = policy.points;
  switch (behaviour.kind) {
    case 'PAID_EARLY':
      return p.paidEarly;
    case 'PAID_ON_TIME':
      return p.paidOnTime;
    case 'PAID_LATE':
      return 0; // lateness was already charged threshold by threshold while overdue
    case 'OVERDUE':
      return p.overdueByThreshold[String(behaviour.daysOverdue)] ?? 0;
    case 'OVERDUE_WITHDRAWN':
      // A threshold that should not have been reached (the payment counts from its value date):
      // the points it cost are given back.
      return -(p.overdueByThreshold[String(behaviour.daysOverdue)] ?? 0);
    case 'PROMISE_BROKEN':
      return p.promiseBroken;
    case 'WRITTEN_OFF':
      return p.writtenOff;
  }
}

/**
 * The customer's credit rules (DOMAIN.md §1). Every signal re-scores the customer; a new score
 * may move the tier and limit, and a fall below the tier's threshold or a drop of more than
 * the configured amount is an early warning (`CreditScoreDropped`).
 */
export function customerDecider(
  policy: CreditPolicy,
): Decider<CustomerCommand, CustomerEvent, CustomerState> {
  const customerIdOf = (file: CreditFile) => file.profile.customerId;

  /**
   * Re-score after `events`, and what follows from the new score. A score takes effect no earlier
   * than the day the file was opened: what is value-dated before the registration (invoices issued
   * before credit-scoring knew the customer) changes the score from the registration on, the
   * behaviour itself keeping its own date (#14 probe F11).
   */
  function withRescore(state: CustomerState, events: CustomerEvent[], reason: string, valueDate: IsoDate) {
    let file = events.reduce(evolveCustomer, state) as CreditFile;
    const first = !isRegistered(state);
    const beforeFile = !first && valueDate < file.registeredOn;
    const date = beforeFile ? file.registeredOn : valueDate;
    const cause = beforeFile
      ? `${reason} (dated ${valueDate}, before the credit file was opened on ${file.registeredOn})`
      : reason;
    const { score, factors } = scoreCustomer(file.inputs, date, policy);
    const out = [...events];
    const emit = (event: CustomerEvent) => {
      out.push(event);
      file = evolveCustomer(file, event) as CreditFile;
    };
    const customerId = customerIdOf(file);
    const previousScore = first ? undefined : file.score;
    if (previousScore === score) return out;
    emit({ type: 'CreditScored', data: { customerId, score, previousScore, factors, cause, date } });

    let warned = false;
    if (previousScore !== undefined) {
      const threshold = tierThreshold(file.tier, policy);
      const rule =
        previousScore >= threshold && score < threshold
          ? 'BELOW_TIER_THRESHOLD'
          : previousScore - score > policy.earlyWarning.maxDrop
            ? 'DROP_EXCEEDS_LIMIT'
            : undefined;
      if (rule) {
        warned = true;
        emit({
          type: 'CreditScoreDropped',
          data: { customerId, previousScore, score, tier: file.tier, rule, causes: [cause], date },
        });
      }
    }

    const tier = tierFor(score, file.profile.expectedAnnualValue, policy);
    const lowering = rank(tier) < rank(file.tier);
    // With `reTier` off, a falling score warns but never lowers the tier by itself.
    const follow = !file.tierOverridden && (first || !lowering || policy.earlyWarning.reTier);
    if (follow && (first || tier !== file.tier)) {
      emit({
        type: 'CreditTierChanged',
        data: {
          customerId,
          tier,
          previousTier: first ? undefined : file.tier,
          paymentTermDays: policy.terms[tier].paymentTermDays,
          cause: 'SCORE',
          reason: `score ${score}${warned ? ' after an early warning' : ''}`,
          date,
        },
      });
      limitFollowsTier(file, date, emit, first);
    }
    return out;
  }

  function limitFollowsTier(
    file: CreditFile,
    date: IsoDate,
    emit: (e: CustomerEvent) => void,
    first = false,
  ) {
    const limit = policy.terms[file.tier].limit;
    if (file.limitOverridden || (!first && file.limit === limit)) return;
    emit({
      type: 'CreditLimitChanged',
      data: {
        customerId: customerIdOf(file),
        limit,
        previousLimit: first ? undefined : file.limit,
        currency: policy.currency,
        cause: 'TIER',
        reason: `default limit of the ${file.tier} tier`,
        date,
      },
    });
  }

  return {
    initialState: () => ({ status: 'NONE' }),
    evolve: evolveCustomer,
    decide(command, state) {
      switch (command.type) {
        case 'RegisterCustomer': {
          const { profile, on } = command.data;
          if (isRegistered(state)) {
            if (sameFacts(state.profile, profile)) return [];
            throw new StateConflict(
              'CUSTOMER_ALREADY_REGISTERED',
              `customer ${profile.customerId} is already registered with another profile`,
              'customerId',
            );
          }
          return withRescore(
            state,
            [{ type: 'CustomerRegistered', data: { ...profile, registeredOn: on } }],
            'registration',
            on,
          );
        }
        case 'UpdateFinancials': {
          const file = registered(state);
          const { indicators, asOf } = command.data;
          return withRescore(
            state,
            [
              {
                type: 'FinancialIndicatorsUpdated',
                data: { customerId: customerIdOf(file), ...indicators, asOf },
              },
            ],
            'financial indicators updated',
            asOf,
          );
        }
        case 'RecordSignal': {
          const file = registered(state);
          const signal = command.data;
          return withRescore(
            state,
            [{ type: 'CustomerSignalRecorded', data: { customerId: customerIdOf(file), ...signal } }],
            `${signal.kind.toLowerCase().replaceAll('_', ' ')}: ${signal.reference}`,
            signal.date,
          );
        }
        case 'RecordPaymentBehaviour': {
          const file = registered(state);
          const behaviour = command.data;
          if (file.behaviourSources.includes(behaviour.sourceEventId)) return [];
          const points = pointsFor(behaviour, policy);
          const what =
            behaviour.kind === 'OVERDUE'
              ? `invoice ${behaviour.invoiceId} ${behaviour.daysOverdue} days overdue`
              : behaviour.kind === 'OVERDUE_WITHDRAWN'
                ? `invoice ${behaviour.invoiceId} not ${behaviour.daysOverdue} days overdue after all (paid on its value date)`
                : `${behaviour.kind.toLowerCase().replaceAll('_', ' ')}${behaviour.invoiceId ? ` (${behaviour.invoiceId})` : ''}`;
          return withRescore(
            state,
            [
              {
                type: 'PaymentBehaviourRecorded',
                data: { customerId: customerIdOf(file), ...behaviour, points },
              },
            ],
            what,
            behaviour.date,
          );
        }
        case 'OverrideTier': {
          const file = registered(state);
          const { tier, reason, decidedBy, date } = command.data;
          const events: CustomerEvent[] = [];
          let next = file;
          const emit = (e: CustomerEvent) => {
            events.push(e);
            next = evolveCustomer(next, e) as CreditFile;
          };
          emit({
            type: 'CreditTierChanged',
            data: {
              customerId: customerIdOf(file),
              tier,
              previousTier: file.tier,
              paymentTermDays: policy.terms[tier].paymentTermDays,
              cause: 'OVERRIDE',
              reason,
              decidedBy,
              date,
            },
          });
          limitFollowsTier(next, date, emit);
          return events;
        }
        case 'OverrideLimit': {
          const file = registered(state);
          const { limit, reason, decidedBy, date } = command.data;
          return [
            {
              type: 'CreditLimitChanged',
              data: {
                customerId: customerIdOf(file),
                limit,
                previousLimit: file.limit,
                currency: policy.currency,
                cause: 'OVERRIDE',
                reason,
                decidedBy,
                date,
              },
            },
          ];
        }
        case 'CastCommitteeVote': {
          const file = registered(state);
          const { exceptionId, amount, termDays, member, approve, reason, voter, date } = command.data;
          if (file.exceptions.some((e) => e.exceptionId === exceptionId)) {
            throw new StateConflict(
              'EXCEPTION_ALREADY_DECIDED',
              `exception ${exceptionId} was already decided`,
              'exceptionId',
            );
          }
          const cast = (file.committeeVotes ?? []).filter((v) => v.exceptionId === exceptionId);
          const same = cast.find((v) => v.member === member);
          if (same) {
            // The same vote again (a retried request) changes nothing; another is a conflict.
            if (
              same.voter === voter &&
              same.approve === approve &&
              same.amount === amount &&
              same.termDays === termDays
            )
              return [];
            throw new StateConflict(
              'VOTE_ALREADY_CAST',
              `${member} already voted on exception ${exceptionId} (by ${same.voter})`,
              'member',
            );
          }
          // A joint decision of three people: one person cannot be two members.
          const byVoter = cast.find((v) => v.voter === voter);
          if (byVoter) {
            throw new RuleViolation(
              'ONE_VOTE_PER_PERSON',
              `${voter} already voted on exception ${exceptionId} as ${byVoter.member}: each member is a different person`,
              'member',
            );
          }
          if (cast[0] && cast[0].amount !== amount) {
            throw new StateConflict(
              'EXCEPTION_AMOUNT_DIFFERS',
              `exception ${exceptionId} is voted on for ${cast[0].amount}, not ${amount}`,
              'amount',
            );
          }
          if (cast[0] && cast[0].termDays !== termDays) {
            throw new StateConflict(
              'EXCEPTION_TERM_DIFFERS',
              `exception ${exceptionId} is voted on for ${cast[0].termDays ?? 'no'} days, not ${termDays ?? 'none'}`,
              'termDays',
            );
          }
          const vote = {
            customerId: customerIdOf(file),
            exceptionId,
            amount,
            ...(termDays !== undefined ? { termDays } : {}),
            currency: policy.currency,
            member,
            approve,
            reason,
            voter,
            date,
          };
          const votes = [...cast, vote];
          const events: CustomerEvent[] = [{ type: 'CreditCommitteeVoteCast', data: vote }];
          if (votes.length === CommitteeMember.options.length)
            events.push({
              type: 'CreditCommitteeDecided',
              data: {
                customerId: customerIdOf(file),
                exceptionId,
                amount,
                ...(termDays !== undefined ? { termDays } : {}),
                currency: policy.currency,
                votes: votes.map((v) => ({
                  member: v.member,
                  approve: v.approve,
                  reason: v.reason,
                  voter: v.voter,
                })),
                // A joint decision: every member must approve.
                approved: votes.every((v) => v.approve),
                date,
              },
            });
          return events;
        }
        case 'GrantTermException': {
          const file = registered(state);
          const { exceptionId, termDays, reason, decidedBy, date } = command.data;
          const known = file.termExceptions?.[exceptionId];
          if (known || file.exceptions.some((e) => e.exceptionId === exceptionId)) {
            // The same again (a retry) changes nothing; the id with other facts is a conflict.
            if (
              known?.approvedBy === 'RISK' &&
              known.termDays === termDays &&
              known.reason === reason &&
              known.decidedBy === decidedBy
            )
              return [];
            throw new StateConflict(
              'EXCEPTION_ALREADY_DECIDED',
              `exception ${exceptionId} was already decided with other facts`,
              'exceptionId',
            );
          }
          return [
            {
              type: 'TermExceptionGranted',
              data: { customerId: customerIdOf(file), exceptionId, termDays, decidedBy, reason, date },
            },
          ];
        }
        case 'FreezeCredit': {
          const file = registered(state);
          const { caseId } = command.data;
          if (!file.frozen)
            return [{ type: 'CreditFrozen', data: { customerId: customerIdOf(file), ...command.data } }];
          // Already frozen: another case's request is recorded, so the freeze outlives the first
          // case's withdrawal; a person asking again changes nothing.
          if (command.data.requestedBy !== 'collections' || !caseId || file.frozen.cases.includes(caseId))
            return [];
          const { reason, date } = command.data;
          return [
            {
              type: 'CreditFreezeRequestRecorded',
              data: { customerId: customerIdOf(file), caseId, reason, date },
            },
          ];
        }
        case 'UnfreezeCredit': {
          const file = registered(state);
          if (!file.frozen)
            throw new StateConflict('CREDIT_NOT_FROZEN', 'the customer credit is not frozen', 'customerId');
          return [{ type: 'CreditUnfrozen', data: { customerId: customerIdOf(file), ...command.data } }];
        }
        case 'LiftCollectionsFreeze': {
          const file = registered(state);
          const { caseId, reason, date } = command.data;
          if (!file.frozen?.cases.includes(caseId)) return [];
          // Lifted when no other case holds it and no person decided it; else only this case's part.
          const heldOtherwise =
            file.frozen.requestedBy !== 'collections' || file.frozen.cases.some((c) => c !== caseId);
          const customerId = customerIdOf(file);
          return heldOtherwise
            ? [{ type: 'CreditFreezeRequestWithdrawn', data: { customerId, caseId, reason, date } }]
            : [{ type: 'CreditUnfrozen', data: { customerId, reason, decidedBy: 'collections', date } }];
        }
      }
    },
  };
}

const rank = (tier: CreditTier) => ({ CAUTIOUS: 0, COOPERATIVE: 1, STRATEGIC: 2 })[tier];
