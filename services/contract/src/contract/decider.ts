import type {
  ContractDraftedV1,
  CreditTier,
  DiscountTermsV1,
  MilestoneV1,
  PaymentTermV1,
  StoredTermExceptionV1,
  TermExceptionV1,
} from '@ar/contracts';
import {
  addDays,
  type BusinessCalendar,
  type Command,
  type Decider,
  daysBetween,
  type IsoDate,
  NotFound,
  RuleViolation,
  StateConflict,
  sameFacts,
} from '@ar/kernel';
import { applyClauseLibrary, type ClausePolicy } from '../clauses/clause-library';
import { assertPaidBeforeDelivery, awaitsDelivery } from '../terms/prepayment';
import { assertTermsWithinTier, heldException } from '../terms/term-limits';
import { dueDate, milestoneAmounts } from './schedule';
import {
  type Contract,
  type ContractEvent,
  type ContractState,
  evolveContract,
  isDrafted,
  type MilestoneState,
} from './state';

export type { ContractEvent, ContractState } from './state';

export type MilestoneDraft = Omit<MilestoneV1, 'amount'>;
type DraftRequest = Extract<ContractCommand, { type: 'DraftContract' }>['data'];
export type ContractCommand =
  | Command<
      'DraftContract',
      {
        contractId: string;
        customerId: string;
        title: string;
        value: number;
        currency: string;
        tier: CreditTier;
        milestones: MilestoneDraft[];
        discount?: DiscountTermsV1 | undefined;
        date: IsoDate;
      }
    >
  | Command<
      'SignContract',
      {
        date: IsoDate;
        /**
         * Credit-scoring's answer (its reservation of the value); asked only while the contract is
         * a draft (a retry asks nothing). `paymentTermDays`: the longest term the customer's tier
         * allows (absent: credit-scoring named none).
         */
        credit?:
          | {
              approved: boolean;
              reasons: string[];
              paymentTermDays?: number | undefined;
              tier?: CreditTier | undefined;
              /** The term exception the signature names, as credit-scoring keeps it (absent: it has none). */
              termException?: StoredTermExceptionV1 | undefined;
            }
          | undefined;
        /** The recorded exception (a decision kept in credit-scoring) allowing terms longer than the tier's, by id. */
        termException?: { exceptionId: string } | undefined;
      }
    >
  | Command<'RecordDeliverable', { kind: 'DELIVERY' | 'ACCEPTANCE'; date: IsoDate }>
  | Command<'ReachDueMilestones', { today: IsoDate }>
  | Command<'TightenTerms', { cause: string; prepayment: boolean; date: IsoDate }>
  | Command<
      'RecordMilestoneInvoice',
      { milestoneId: string; invoiceId: string; status: 'INVOICED' | 'PAID'; date: IsoDate }
    >
  | Command<'CheckServiceSuspension', { today: IsoDate }>
  | Command<'TerminateContract', { reason: string; date: IsoDate }>;

export interface ContractRules {
  calendar: BusinessCalendar;
  clauses: ClausePolicy;
}

function drafted(state: ContractState): Contract {
  if (!isDrafted(state)) throw new NotFound('CONTRACT_NOT_FOUND', 'no such contract', 'contractId');
  return state;
}

function active(state: ContractState, doing: string): Contract {
  const c = drafted(state);
  if (c.status !== 'SIGNED') {
    throw new StateConflict(
      'CONTRACT_NOT_ACTIVE',
      `contract ${c.drafted.contractId} is ${c.status.toLowerCase()}: cannot ${doing}`,
      'contractId',
    );
  }
  return c;
}

/** The contract's rules (DOMAIN.md §2): schedule, clauses by tier, lifecycle, dynamic clauses. */
export function contractDecider(
  rules: ContractRules,
): Decider<ContractCommand, ContractEvent, ContractState> {
  function reach(c: Contract, m: MilestoneState, reachedDate: IsoDate): ContractEvent {
    const { contractId, customerId, currency, clauses } = c.drafted;
    return {
      type: 'MilestoneReached',
      data: {
        contractId,
        milestoneId: m.milestoneId,
        customerId,
        amount: m.amount,
        currency,
        reachedDate,
        dueDate: dueDate(reachedDate, m.term, rules.calendar),
        lateFeeTerms: clauses.lateFee,
        ...(clauses.discount ? { discountTerms: clauses.discount } : {}),
        trigger: m.trigger,
        term: m.term,
        // Money asked before shipping is not credit: exposure and the reports leave it out.
        ...(clauses.prepayment ? { prepayment: true as const } : {}),
      },
    };
  }

  /** When a dated milestone falls due: its date, or its days after acceptance. */
  function triggerDate(c: Contract, m: MilestoneState): IsoDate | undefined {
    if (m.trigger === 'DATE') return m.date;
    if (m.trigger === 'AFTER_ACCEPTANCE' && c.acceptedDate) return addDays(c.acceptedDate, m.afterDays ?? 0);
    return undefined;
  }

  /** The milestones priced to the minor unit and shaped by the clause library for a tier. */
  function priceAndClause(d: DraftRequest, tier: CreditTier) {
    const amounts = milestoneAmounts(
      d.value,
      d.milestones.map((m) => m.shareBp),
    );
    const priced = d.milestones.map((m, i) => ({ ...m, amount: amounts[i]! }));
    return applyClauseLibrary(tier, priced, rules.clauses, d.discount);
  }

  /** Whether a draft request is the contract already drafted: its parties, value and schedule. */
  function sameDraft(drafted: ContractDraftedV1, d: DraftRequest): boolean {
    const asDrafted = priceAndClause(d, drafted.tier);
    return sameFacts(
      {
        customerId: drafted.customerId,
        title: drafted.title,
        value: drafted.value,
        currency: drafted.currency,
        milestones: drafted.milestones,
        discount: drafted.clauses.discount,
      },
      {
        customerId: d.customerId,
        title: d.title,
        value: d.value,
        currency: d.currency,
        milestones: asDrafted.milestones,
        discount: asDrafted.clauses.discount,
      },
    );
  }

  return {
    initialState: () => ({ status: 'NONE' }),
    evolve: evolveContract,
    decide(command, state) {
      switch (command.type) {
        case 'DraftContract': {
          const d = command.data;
          if (isDrafted(state)) {
            // The same draft again (a client's retry) changes nothing, whatever the day or the
            // customer's tier now: the contract was drafted under the tier it had then.
            if (sameDraft(state.drafted, d)) return [];
            throw new StateConflict(
              'CONTRACT_EXISTS',
              `contract ${d.contractId} already exists with other details`,
              'contractId',
            );
          }
          const ids = new Set(d.milestones.map((m) => m.milestoneId));
          if (ids.size !== d.milestones.length) {
            throw new RuleViolation(
              'DUPLICATE_MILESTONE',
              'each milestone needs its own milestoneId',
              'milestones',
            );
          }
          d.milestones.forEach((m, i) => {
            if (m.trigger === 'DATE' && !m.date) {
              throw new RuleViolation(
                'MILESTONE_DATE_MISSING',
                'a DATE milestone needs its date',
                `milestones.${i}.date`,
              );
            }
            if (m.trigger === 'AFTER_ACCEPTANCE' && m.afterDays === undefined) {
              throw new RuleViolation(
                'MILESTONE_DAYS_MISSING',
                'an AFTER_ACCEPTANCE milestone needs afterDays',
                `milestones.${i}.afterDays`,
              );
            }
          });
          const { clauses, milestones } = priceAndClause(d, d.tier);
          return [
            {
              type: 'ContractDrafted',
              data: {
                contractId: d.contractId,
                customerId: d.customerId,
                title: d.title,
                value: d.value,
                currency: d.currency,
                tier: d.tier,
                milestones,
                clauses,
                draftedDate: d.date,
              },
            },
          ];
        }
        case 'SignContract': {
          const c = drafted(state);
          const { credit, date } = command.data;
          const asked = command.data.termException;
          if (c.signedDate) {
            if (c.signedDate !== date) {
              throw new StateConflict(
                'CONTRACT_ALREADY_SIGNED',
                `contract ${c.drafted.contractId} was signed on ${c.signedDate}, not ${date}`,
                'date',
              );
            }
            // Signed that day already: the same signature again (a retry) changes nothing; one
            // naming another exception, or none, is another signature (a signature records every
            // exception it names, so what it recorded is what was asked).
            if (asked?.exceptionId === c.signedTermExceptionId) return [];
            const signedWith = c.signedTermExceptionId
              ? `naming term exception ${c.signedTermExceptionId}`
              : 'without a term exception';
            throw new StateConflict(
              'CONTRACT_ALREADY_SIGNED',
              `contract ${c.drafted.contractId} was signed on ${c.signedDate} ${signedWith}; this signature names ${asked?.exceptionId ?? 'none'}`,
              asked ? 'termException.exceptionId' : 'termException',
            );
          }
          if (c.status !== 'DRAFT') {
            throw new StateConflict(
              'CONTRACT_NOT_DRAFT',
              `contract ${c.drafted.contractId} is ${c.status.toLowerCase()}: it cannot be signed`,
              'contractId',
            );
          }
          if (!credit) throw new Error('signing a draft needs the credit check');
          if (!credit.approved) {
            throw new RuleViolation(
              'CREDIT_REFUSED',
              `signing refused by credit: ${credit.reasons.join('; ')}`,
              'customerId',
            );
          }
          // Recorded as credit-scoring keeps it (who decided, how many days, under its id), needed
          // or not: one it does not hold, or a committee's refusal, is refused here.
          const stored = asked ? heldException(c.drafted.customerId, asked, credit.termException) : undefined;
          const termException = stored ? recordedException(stored) : undefined;
          if (credit.paymentTermDays !== undefined) {
            const tier = credit.tier ?? c.drafted.tier;
            assertTermsWithinTier(c.milestones, tier, credit.paymentTermDays, {
              customerId: c.drafted.customerId,
              asked,
              stored,
            });
          }
          const { contractId, customerId, value, currency } = c.drafted;
          const events: ContractEvent[] = [
            {
              type: 'ContractSigned',
              data: {
                contractId,
                customerId,
                value,
                currency,
                signedDate: date,
                ...(termException ? { termException } : {}),
                ...(c.drafted.clauses.prepayment ? { prepayment: true as const } : {}),
              },
            },
          ];
          for (const m of c.milestones) if (m.trigger === 'SIGNING') events.push(reach(c, m, date));
          return events;
        }
        case 'RecordDeliverable': {
          const { kind, date } = command.data;
          const recorded = (c: Contract) => (kind === 'DELIVERY' ? c.deliveredDate : c.acceptedDate);
          if (isDrafted(state) && recorded(state) === date) return []; // the same record again
          const c = active(state, 'record a deliverable');
          if (recorded(c)) {
            throw new StateConflict(
              'ALREADY_RECORDED',
              `${kind.toLowerCase()} was already recorded: a milestone is reached once (on ${recorded(c)}, not ${date})`,
              'date',
            );
          }
          if (
            kind === 'ACCEPTANCE' &&
            !c.deliveredDate &&
            c.milestones.some((m) => m.trigger === 'DELIVERY')
          ) {
            throw new RuleViolation('NOT_DELIVERED', 'acceptance before delivery', 'kind');
          }
          // Goods handed over: a delivery, or an acceptance with no delivery recorded before it.
          if (kind === 'DELIVERY' || !c.deliveredDate) assertPaidBeforeDelivery(c);
          const { contractId, customerId } = c.drafted;
          const events: ContractEvent[] = [
            { type: 'DeliverableRecorded', data: { contractId, customerId, kind, date } },
          ];
          for (const m of c.milestones)
            if (m.trigger === kind && !m.reachedDate) events.push(reach(c, m, date));
          if (awaitsDelivery(c) && c.milestones.every((m) => m.paid)) {
            events.push({ type: 'ContractCompleted', data: { contractId, customerId, date } });
          }
          return events;
        }
        case 'ReachDueMilestones': {
          if (!isDrafted(state) || state.status !== 'SIGNED') return [];
          return state.milestones
            .filter((m) => !m.reachedDate)
            .map((m) => ({ m, on: triggerDate(state, m) }))
            .filter(({ on }) => on !== undefined && on <= command.data.today)
            .map(({ m, on }) => reach(state, m, on!));
        }
        case 'TightenTerms': {
          if (!isDrafted(state) || state.status !== 'SIGNED') return [];
          const { cause, prepayment, date } = command.data;
          // Prepayment: due on the trigger day; otherwise the term is halved.
          const tighter = (t: PaymentTermV1): PaymentTermV1 => ({
            ...t,
            days: prepayment ? 0 : Math.floor(t.days / 2),
          });
          const milestones = state.milestones
            .filter((m) => !m.reachedDate && tighter(m.term).days < m.term.days)
            .map((m) => ({ milestoneId: m.milestoneId, termBefore: m.term, termAfter: tighter(m.term) }));
          if (milestones.length === 0 && (!prepayment || state.prepayment)) return [];
          const { contractId, customerId } = state.drafted;
          return [
            {
              type: 'ContractTermsTightened',
              data: { contractId, customerId, milestones, prepayment, cause, date },
            },
          ];
        }
        case 'RecordMilestoneInvoice': {
          const c = drafted(state);
          const { milestoneId, invoiceId, status, date } = command.data;
          const m = c.milestones.find((x) => x.milestoneId === milestoneId);
          if (!m || m.paid || (status === 'INVOICED' && m.invoiceId === invoiceId)) return [];
          const { contractId, customerId } = c.drafted;
          const events: ContractEvent[] = [
            {
              type: 'MilestoneInvoiceStatus',
              data: { contractId, customerId, milestoneId, invoiceId, status, date },
            },
          ];
          if (status !== 'PAID') return events;
          const after = evolveContract(c, events[0]!) as Contract;
          const suspension = c.suspensions.find((s) => s.resumedDate === undefined);
          if (c.suspended && suspension && !unpaidAcceptance(after)) {
            // Paid (value date) before the suspension took effect: it should not have happened.
            const withdrawn = date < suspension.suspendedDate;
            events.push({
              type: 'ServiceResumed',
              data: {
                contractId,
                customerId,
                date: withdrawn ? suspension.suspendedDate : date,
                reason: withdrawn
                  ? `invoice ${invoiceId} paid on ${date}, before the suspension of ${suspension.suspendedDate}: withdrawn`
                  : `invoice ${invoiceId} paid`,
                withdrawn,
              },
            });
          }
          if (c.status === 'SIGNED' && after.milestones.every((x) => x.paid) && !awaitsDelivery(after)) {
            events.push({ type: 'ContractCompleted', data: { contractId, customerId, date } });
          }
          return events;
        }
        case 'CheckServiceSuspension': {
          if (!isDrafted(state) || state.status !== 'SIGNED' || state.suspended || !state.acceptedDate)
            return [];
          const unpaid = unpaidAcceptance(state);
          if (!unpaid) return [];
          // The customer may pay through the whole of the clause's last day and of the due date:
          // service is suspended from the day after both, the invoice unpaid and due.
          const lastDay = addDays(state.acceptedDate, state.drafted.clauses.serviceSuspensionDays);
          const deadline = unpaid.dueDate && unpaid.dueDate > lastDay ? unpaid.dueDate : lastDay;
          if (command.data.today <= deadline) return [];
          const { contractId, customerId } = state.drafted;
          const invoiceId = unpaid.invoiceId ?? 'not yet invoiced';
          return [
            {
              type: 'ServiceSuspended',
              data: {
                contractId,
                customerId,
                milestoneId: unpaid.milestoneId,
                invoiceId,
                acceptedDate: state.acceptedDate,
                ...(unpaid.dueDate ? { dueDate: unpaid.dueDate } : {}),
                date: command.data.today,
                reason: `invoice ${invoiceId}${unpaid.dueDate ? ` due ${unpaid.dueDate}` : ''} still unpaid at the end of ${deadline}, ${daysBetween(state.acceptedDate, deadline)} days after acceptance`,
              },
            },
          ];
        }
        case 'TerminateContract': {
          const c = drafted(state);
          if (c.terminated && sameFacts(c.terminated, command.data)) return [];
          if (c.status === 'TERMINATED' || c.status === 'COMPLETED') {
            throw new StateConflict(
              'CONTRACT_CLOSED',
              `contract ${c.drafted.contractId} is already ${c.status.toLowerCase()}`,
              'contractId',
            );
          }
          const unbilledValue = c.milestones.filter((m) => !m.reachedDate).reduce((s, m) => s + m.amount, 0);
          const { contractId, customerId } = c.drafted;
          return [
            {
              type: 'ContractTerminated',
              data: {
                contractId,
                customerId,
                reason: command.data.reason,
                date: command.data.date,
                unbilledValue,
              },
            },
          ];
        }
      }
    },
  };
}

/** The acceptance milestone still unpaid, if any: what the service-suspension clause watches. */
function unpaidAcceptance(c: Contract): MilestoneState | undefined {
  return c.milestones.find((m) => m.trigger === 'ACCEPTANCE' && m.reachedDate && !m.paid);
}

/** A stored term exception as the signature records it (ContractSigned.termException). */
function recordedException(stored: StoredTermExceptionV1): TermExceptionV1 {
  if (stored.approvedBy === 'RISK') {
    const { approved: _, ...risk } = stored;
    return risk;
  }
  const { approved: _, ...committee } = stored;
  return committee;
}
