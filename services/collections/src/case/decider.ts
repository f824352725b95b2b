import type {
  CreditTier,
  DebtorType,
  FeeWaiverV1,
  MessageKind,
  PlanFees,
  PlanGuaranteeV1,
} from '@ar/contracts';
import {
  addDays,
  BusinessCalendar,
  BusinessTime,
  type Command,
  type Decider,
  daysBetween,
  type IsoDate,
  RuleViolation,
  StateConflict,
  sameFacts,
} from '@ar/kernel';
import { type ComplianceRules, DEFAULT_COMPLIANCE_RULES, screenMessage } from '../compliance/screening';
import { DEFAULT_LADDER, type Rung } from '../ladder/escalation-ladder';
import { caseMessageId } from '../messages/message-ids';
import { formatAmount, TEMPLATES } from '../messages/templates';
import { chooseStrategy, classifyDebtor } from '../strategy/strategy';
import { agreeInstalmentPlan, arrearsOn, missedInstalment, planCureDays } from './instalment-plan';
import {
  type CaseEvent,
  type CaseState,
  type DunningFile,
  evolveCase,
  isTracked,
  openOf,
  type PlanFeesNoted,
  type PlanNoted,
  type PlanRefusal,
  type TrackedInvoice,
} from './state';

export type { CaseEvent, CaseState } from './state';

export type CaseCommand =
  | Command<'TrackInvoice', TrackedInvoice>
  | Command<
      'NotePayment',
      {
        amount: number;
        toPrincipal: number;
        date: IsoDate;
        paidInFull: boolean;
        /** With `paidInFull`: the paid date minus the due date, by value date (0 or less: on time). */
        daysLate?: number;
      }
    >
  /** Invoicing withdrew an overdue threshold (value dating): nothing was overdue that day after all. */
  | Command<'WithdrawOverdue', { threshold: number; overdueDate: IsoDate; valueDate: IsoDate }>
  /** Invoicing re-split a payment (value dating): `toPrincipal` replaces `previousToPrincipal`. */
  | Command<
      'NoteReallocation',
      {
        paymentId: string;
        toPrincipal: number;
        previousToPrincipal: number;
        date: IsoDate;
        /** What the invoice gave back of the payment (an earlier payment paid it): its fees are open again. */
        released?: number;
      }
    >
  | Command<'NoteDispute', { disputed: boolean; date: IsoDate }>
  /** Invoicing issued a credit note: less is open, as with a payment. */
  | Command<'NoteCreditNote', { creditNoteId: string; amount: number; date: IsoDate }>
  /** Invoicing charged, reversed or waived late fees: what a plan must cover changes. */
  | Command<
      'NoteFees',
      {
        change: number;
        reason: 'CHARGED' | 'REVERSED' | 'WAIVED';
        date: IsoDate;
        /** Which fee (a letter states interest and penalty apart); absent on fees noted before. */
        kind?: 'INTEREST' | 'PENALTY';
      }
    >
  /** Invoicing applied an instalment plan: the case goes on under it. */
  | Command<'NotePlanApplied', PlanNoted>
  /** Invoicing refused a plan agreed on the case: noted, and the case goes on as before it. */
  | Command<'NotePlanRefused', PlanRefusal>
  /** Invoicing revised the plan by value dating: the case owes the revised instalments (none: void). */
  | Command<
      'NotePlanRevised',
      {
        planId: string;
        instalments: { dueDate: IsoDate; amount: number }[];
        fees: PlanFeesNoted;
        previousFees: PlanFeesNoted;
        valueDate: IsoDate;
      }
    >
  | Command<
      'NoteSettled',
      { outcome: 'WRITTEN_OFF'; date: IsoDate } | { outcome: 'CREDITED'; creditNoteId: string }
    >
  | Command<
      'RunDay',
      {
        today: IsoDate;
        tier: CreditTier;
        /** The customer's name as known today; names come from credit-scoring in no order with invoices. */
        customerName?: string;
      }
    >
  | Command<
      'RecordPromise',
      { promiseId: string; promisedDate: IsoDate; promisedAmount: number; date: IsoDate }
    >
  | Command<
      'SetDebtorType',
      { debtorType: DebtorType; by: string; reason: string; date: IsoDate; tier: CreditTier }
    >
  | Command<
      'AgreeInstalmentPlan',
      {
        planId: string;
        instalments: { dueDate: IsoDate; amount: number }[];
        date: IsoDate;
        fees: PlanFees;
        feeWaiver?: FeeWaiverV1 | undefined;
        guarantee?: PlanGuaranteeV1 | undefined;
      }
    >
  | Command<
      'RecordAction',
      {
        kind: 'CALL' | 'VISIT' | 'EMAIL' | 'NOTE';
        by: string;
        note: string;
        nextStep?: string | undefined;
        date: IsoDate;
      }
    >
  | Command<'HandToLegal', { date: IsoDate }>;

export interface CollectionRules {
  ladder: Rung[];
  compliance: ComplianceRules;
  /** Reminder days relative to the due date (DOMAIN.md §4: 7 before, on the day, 30 after). */
  reminders: { beforeDue: number; overdue: number };
  channel: 'EMAIL' | 'SMS' | 'LETTER';
  /** Working days: a reminder level on a non-working day goes out on the next working day. */
  calendar: BusinessCalendar;
  /** The business time zone: the day a message goes out and its contact hours are read in it. */
  time: BusinessTime;
}

export const DEFAULT_COLLECTION_RULES: CollectionRules = {
  ladder: DEFAULT_LADDER,
  compliance: DEFAULT_COMPLIANCE_RULES,
  reminders: { beforeDue: 7, overdue: 30 },
  channel: 'EMAIL',
  calendar: new BusinessCalendar(),
  time: new BusinessTime(),
};

/** The case as it addresses its customer today: a name learnt after the invoice replaces the one tracked. */
function namedAsToday(f: DunningFile, customerName: string | undefined): DunningFile {
  return customerName && customerName !== f.invoice.customerName
    ? { ...f, invoice: { ...f.invoice, customerName } }
    : f;
}

function openCase(state: CaseState, doing: string): DunningFile {
  if (!isTracked(state) || state.status !== 'OPEN') {
    throw new StateConflict('CASE_NOT_OPEN', `no open collection case: cannot ${doing}`, 'caseId');
  }
  return state;
}

/**
 * A collection case, one per invoice (DOMAIN.md §4): the case opens when the invoice is first
 * overdue and is worked alone - its own ladder, reminders and promises - while the worklist groups
 * cases by customer for people. One case per invoice keeps each case's clock exact when a
 * customer's invoices fall due on different days.
 */
export function caseDecider(
  rules: CollectionRules = DEFAULT_COLLECTION_RULES,
): Decider<CaseCommand, CaseEvent, CaseState> {
  const ref = (f: DunningFile) => ({
    caseId: f.invoice.invoiceId,
    invoiceId: f.invoice.invoiceId,
    customerId: f.invoice.customerId,
  });

  /**
   * The date the case is chased from: the invoice's due date or, under a broken plan, the day the
   * missed instalment was payable by (its date, or the next working day when that is not worked).
   */
  const chasedFrom = (f: DunningFile): IsoDate =>
    f.plan?.broken ? rules.calendar.workingDayOnOrAfter(f.plan.broken.dueDate) : f.invoice.dueDate;

  /**
   * The message of `kind`, generated now: dated the business day it is generated and screened
   * at this instant - whichever day is being run (a day caught up, a threshold reached on a
   * Sunday, an invoice entered weeks late), a message is never dated before it existed.
   */
  function message(f: DunningFile, kind: MessageKind, now: Date): CaseEvent {
    const inv = f.invoice;
    const sentDate = rules.time.dateOf(now);
    // Under a broken plan the case is chased from the missed instalment's date.
    const dueDate = chasedFrom(f);
    const daysOverdue = Math.max(0, daysBetween(dueDate, sentDate));
    const text = TEMPLATES[kind]({
      customerName: inv.customerName,
      invoiceId: inv.invoiceId,
      amount: formatAmount(openOf(f).principal, inv.currency),
      dueDate,
      daysOverdue,
      lateFee: inv.lateFeeTerms,
    });
    const sentOn = f.messagesSent.map((m) => m.date);
    const screening = screenMessage({ text, at: now }, sentOn, rules.compliance, rules.time);
    const messageId = caseMessageId(inv.invoiceId, kind, f.plan?.planId);
    if (screening.outcome === 'SEND') {
      return {
        type: 'ReminderSent',
        data: {
          ...ref(f),
          messageId,
          kind,
          channel: rules.channel,
          text,
          sentDate,
          sentAt: rules.time.format(now),
        },
      };
    }
    return {
      type: 'MessageBlocked',
      data: {
        ...ref(f),
        messageId,
        kind,
        rule: screening.rule,
        matched: screening.matched,
        outcome: screening.outcome,
        ...(screening.outcome === 'DEFERRED' ? { deferredTo: screening.until } : {}),
        date: sentDate,
      },
    };
  }

  /** Whether the case's customer was sent the lawyer's letter: by itself, or with a day-30 reminder sent from day 31. */
  function lawyersLetterGiven(f: DunningFile): boolean {
    const legal = rules.ladder.find((r) => r.message === 'LAWYERS_LETTER');
    return f.messagesSent.some(
      (m) =>
        m.kind === 'LAWYERS_LETTER' ||
        (m.kind === 'REMINDER_OVERDUE' && !!legal && daysBetween(chasedFrom(f), m.date) >= legal.fromDay),
    );
  }

  function strategyEvent(
    f: DunningFile,
    tier: CreditTier,
    debtorType: DebtorType,
    date: IsoDate,
    why?: string,
  ): CaseEvent {
    const chosen = chooseStrategy(tier, debtorType);
    return {
      type: 'StrategyChosen',
      data: {
        ...ref(f),
        strategy: chosen.strategy,
        debtorType,
        nextActions: chosen.nextActions,
        reason: why ? `${chosen.reason}; ${why}` : chosen.reason,
        date,
      },
    };
  }

  function runDay(state: DunningFile, today: IsoDate, tier: CreditTier, now: Date): CaseEvent[] {
    if (state.status === 'CLOSED' || state.status === 'SETTLED' || state.disputed) return [];
    // A prepayment invoice (款到发货) is no credit: delivery waits for the money, nothing is late
    // and nothing is chased - no reminder, no case, no escalation, no freeze.
    if (state.invoice.prepayment) return [];
    const events: CaseEvent[] = [];
    let f = state;
    const emit = (e: CaseEvent) => {
      events.push(e);
      f = evolveCase(f, e) as DunningFile;
    };
    const nowDate = rules.time.dateOf(now);
    const sent = (kind: MessageKind) =>
      f.messagesSent.some((m) => m.kind === kind) ||
      f.deferred.some((d) => d.kind === kind && d.until > (nowDate > today ? nowDate : today));
    const send = (kind: MessageKind) => {
      if (!sent(kind)) emit(message(f, kind, now));
    };
    /**
     * The lawyer's-letter notice (issue 18 item 2), once: on a working day (a rung reached on a
     * weekend waits for the next one), and not when a day-30 reminder that went out from the legal
     * rung's day on already carried it (the delivery attaches the lawyer's letter to it).
     */
    const sendLawyersLetter = () => {
      if (!rules.calendar.isWorkingDay(nowDate) || lawyersLetterGiven(f)) return;
      send('LAWYERS_LETTER');
    };
    if (f.plan && !f.plan.broken) {
      // Under a plan: nothing is sent while each instalment is paid in full by its date; the day
      // after one is not, the plan is broken and the case is chased from that instalment's date.
      const missed = missedInstalment(f.plan, today, rules.calendar);
      if (!missed) return events;
      emit({
        type: 'InstalmentPlanBroken',
        data: { ...ref(f), planId: f.plan.planId, ...missed, detectedDate: today },
      });
    }
    const dueDate = chasedFrom(f);
    const daysOverdue = daysBetween(dueDate, today);

    if (daysOverdue < 0 && today >= addDays(dueDate, -rules.reminders.beforeDue)) send('REMINDER_BEFORE_DUE');
    // The on-due level: on the due date, or the first working day after it when that is not
    // worked (never skipped); a deferred one goes out when its deferral ends.
    let onDueDay = dueDate;
    while (!rules.calendar.isWorkingDay(onDueDay)) onDueDay = addDays(onDueDay, 1);
    if (
      !f.plan &&
      ((daysOverdue >= 0 && today <= onDueDay) || f.deferred.some((d) => d.kind === 'REMINDER_ON_DUE'))
    )
      send('REMINDER_ON_DUE');
    if (daysOverdue >= 1 && f.status === 'TRACKING') {
      emit({
        type: 'CaseOpened',
        data: {
          ...ref(f),
          amount: openOf(f).principal,
          currency: f.invoice.currency,
          dueDate,
          openedDate: today,
        },
      });
      const debtorType =
        f.debtorType ??
        classifyDebtor({ brokenPromises: f.brokenPromises, partialPayments: f.partialPayments, daysOverdue });
      emit(strategyEvent(f, tier, debtorType, today));
    }
    if (f.status !== 'OPEN') return events;

    for (const rung of rules.ladder) {
      if (
        daysOverdue < rung.fromDay ||
        f.rungsReached.includes(rung.fromDay) ||
        f.rungsWithdrawn.includes(rung.fromDay)
      )
        continue;
      emit({
        type: 'CaseEscalated',
        data: {
          ...ref(f),
          rung: rung.fromDay,
          ownerRole: rung.ownerRole,
          action: rung.action,
          rule: rung.rule,
          daysOverdue,
          date: today,
        },
      });
      if (rung.requestsCreditFreeze) {
        emit({
          type: 'CreditFreezeRequested',
          data: {
            caseId: f.invoice.invoiceId,
            customerId: f.invoice.customerId,
            reason: `${rung.rule}: invoice ${f.invoice.invoiceId} ${daysOverdue} days overdue`,
            daysOverdue,
            date: today,
          },
        });
      }
    }
    // The customer hears from us at most once a day: the most pressing message of the rungs reached.
    const rungMessage = [...rules.ladder]
      .reverse()
      .find((r) => daysOverdue >= r.fromDay && r.message)?.message;
    if (daysOverdue >= rules.reminders.overdue) {
      // The day-30 reminder is never skipped; once it has gone, the legal rung's lawyer's-letter notice.
      if (!f.messagesSent.some((m) => m.kind === 'REMINDER_OVERDUE')) send('REMINDER_OVERDUE');
      else if (rungMessage === 'LAWYERS_LETTER') sendLawyersLetter();
    } else if (rungMessage === 'LAWYERS_LETTER') sendLawyersLetter();
    else if (rungMessage) send(rungMessage);

    for (const p of f.promises) {
      // Detected on the day after the promised date: by then the money should be here.
      if (p.status !== 'OPEN' || today <= p.date) continue;
      emit({
        type: 'PromiseBroken',
        data: {
          caseId: f.invoice.invoiceId,
          invoiceId: f.invoice.invoiceId,
          customerId: f.invoice.customerId,
          promiseId: p.promiseId,
          promisedDate: p.date,
          promisedAmount: p.amount,
          detectedDate: today,
        },
      });
      if (!f.debtorTypeSetByPerson) {
        const debtorType = classifyDebtor({
          brokenPromises: f.brokenPromises,
          partialPayments: f.partialPayments,
          daysOverdue,
        });
        if (debtorType !== f.debtorType)
          emit(strategyEvent(f, tier, debtorType, today, `promise ${p.promiseId} broken`));
      }
    }
    return events;
  }

  /**
   * Value dating: the escalation to `rung` should not have happened. It is withdrawn by a new
   * event (the case's owner goes back to the highest rung still reached) and, if the rung asked
   * credit-scoring for a freeze, the request is withdrawn too. Nothing when the rung is not reached.
   */
  function withdrawRung(
    f: DunningFile,
    fromDay: number,
    why: { overdueDate?: IsoDate; valueDate: IsoDate; metInstalment?: IsoDate },
    date: IsoDate,
  ): CaseEvent[] {
    const rung = rules.ladder.find((r) => r.fromDay === fromDay);
    // A threshold reached before a plan was agreed escalated the case then (its rungs start again
    // under the plan): a payment dated before both, recorded after the plan, withdraws that escalation.
    const beforePlan =
      !!f.plan?.rungsBefore.includes(fromDay) && !!why.overdueDate && why.overdueDate < f.plan.agreedDate;
    if (!rung || (!f.rungsReached.includes(fromDay) && !beforePlan)) return [];
    const owner = [...rules.ladder]
      .reverse()
      .find((r) => r.fromDay !== fromDay && f.rungsReached.includes(r.fromDay));
    const notOverdue = why.overdueDate
      ? `was not ${fromDay} days overdue on ${why.overdueDate}`
      : why.metInstalment
        ? `met its instalment of ${why.metInstalment} under the plan`
        : `was paid by its due date`;
    const reason = `${rung.rule} withdrawn: invoice ${f.invoice.invoiceId} ${notOverdue} (paid ${why.valueDate})`;
    const events: CaseEvent[] = [
      {
        type: 'CaseEscalationWithdrawn',
        data: {
          ...ref(f),
          rung: fromDay,
          ...(owner ? { ownerRole: owner.ownerRole } : {}),
          reason,
          ...(why.overdueDate ? { overdueDate: why.overdueDate } : {}),
          valueDate: why.valueDate,
          date,
        },
      },
    ];
    const freezeStillAsked = rules.ladder.some(
      (r) =>
        r.requestsCreditFreeze &&
        r.fromDay !== fromDay &&
        (f.rungsReached.includes(r.fromDay) || !!f.plan?.rungsBefore.includes(r.fromDay)),
    );
    if (rung.requestsCreditFreeze && f.freezeRequested && !freezeStillAsked) {
      events.push({
        type: 'CreditFreezeLiftRequested',
        data: { caseId: f.invoice.invoiceId, customerId: f.invoice.customerId, reason, date },
      });
    }
    return events;
  }

  /**
   * Value dating under a broken plan: a payment or credit note recorded late, counted from its own
   * date, may show that the instalment said missed was paid in full by the day it was payable by.
   * Then the break is withdrawn (`InstalmentPlanBrokenWithdrawn`) with every escalation it led to -
   * each rung by `CaseEscalationWithdrawn`, the freeze request by `CreditFreezeLiftRequested` - and
   * the case is under the plan again. If another instalment is missed by then, the next day run
   * breaks the plan again from that one. Nothing when the break stands.
   */
  function withdrawBreakIfMet(f: DunningFile, valueDate: IsoDate, date: IsoDate): CaseEvent[] {
    const broken = f.plan?.broken;
    if (!f.plan || !broken) return [];
    const stillMissed = missedInstalment(f.plan, broken.detectedDate, rules.calendar);
    if (stillMissed?.dueDate === broken.dueDate) return [];
    const events: CaseEvent[] = [];
    let g = f;
    for (const rung of [...g.rungsReached].sort((a, b) => b - a)) {
      // A freeze the case asked for before the plan was agreed stands: that overdue was real.
      const withdrawn = withdrawRung(g, rung, { valueDate, metInstalment: broken.dueDate }, date).filter(
        (e) => e.type !== 'CreditFreezeLiftRequested' || !f.plan!.freezeRequestedBefore,
      );
      events.push(...withdrawn);
      g = withdrawn.reduce((s, e) => evolveCase(s, e) as DunningFile, g);
    }
    events.push({
      type: 'InstalmentPlanBrokenWithdrawn',
      data: {
        ...ref(f),
        planId: f.plan.planId,
        dueDate: broken.dueDate,
        reason: `the instalment of ${broken.dueDate} was paid in full by the day it was payable by (counted from ${valueDate})`,
        valueDate,
        date,
      },
    });
    return events;
  }

  /**
   * A broken plan resumes when the customer catches up in time (#14 item 2): every instalment
   * payable so far paid or credited in full (by value date) fewer than `planCureDays` days (16 by
   * default: before finance's formal letter and the freeze) after the missed instalment was
   * payable by. The plan then goes on as agreed. Escalations the day run made after the catch-up
   * date (a payment recorded late) are withdrawn, with the freeze request; those before it stand.
   */
  function resumeIfCaughtUp(f: DunningFile, valueDate: IsoDate, date: IsoDate): CaseEvent[] {
    const broken = f.plan?.broken;
    if (!f.plan || !broken) return [];
    const payableBy = rules.calendar.workingDayOnOrAfter(broken.dueDate);
    const late = daysBetween(payableBy, valueDate);
    const cure = planCureDays(rules.ladder);
    // (money dated by the day it was payable is value dating's: withdrawBreakIfMet)
    if (late < 1 || late >= cure || arrearsOn(f.plan, valueDate, rules.calendar) > 0) return [];
    const events: CaseEvent[] = [];
    let g = f;
    for (const rung of [...g.rungsReached].filter((r) => r > late).sort((a, b) => b - a)) {
      const withdrawn = withdrawRung(g, rung, { valueDate, metInstalment: broken.dueDate }, date).filter(
        (e) => e.type !== 'CreditFreezeLiftRequested' || !f.plan!.freezeRequestedBefore,
      );
      events.push(...withdrawn);
      g = withdrawn.reduce((s, e) => evolveCase(s, e) as DunningFile, g);
    }
    events.push({
      type: 'InstalmentPlanResumed',
      data: {
        ...ref(f),
        planId: f.plan.planId,
        dueDate: broken.dueDate,
        caughtUpOn: valueDate,
        reason: `every instalment payable by ${valueDate} paid ${late} days after the instalment of ${broken.dueDate} was payable (${cure} days would have been too late): the plan resumes`,
        date,
      },
    });
    return events;
  }

  /** The lowest rung: reaching it opened the case, so withdrawing it means the case should not have opened. */
  const openingRung = Math.min(...rules.ladder.map((r) => r.fromDay));

  return {
    initialState: () => ({ status: 'NONE' }),
    evolve: evolveCase,
    decide(command, state, now) {
      switch (command.type) {
        case 'TrackInvoice':
          return isTracked(state) ? [] : [{ type: 'InvoiceTracked', data: command.data }];
        case 'NotePayment': {
          if (!isTracked(state)) return [];
          const events: CaseEvent[] = [{ type: 'InvoicePaymentNoted', data: command.data }];
          const after = evolveCase(state, events[0]!) as DunningFile;
          for (const p of state.promises) {
            if (p.status === 'OPEN' && command.data.date <= p.date && after.paid - p.paidBefore >= p.amount) {
              events.push({
                type: 'PromiseKept',
                data: { ...ref(state), promiseId: p.promiseId, date: command.data.date },
              });
            }
          }
          const unbroken = withdrawBreakIfMet(after, command.data.date, rules.time.dateOf(now));
          events.push(...unbroken);
          if (unbroken.length === 0)
            events.push(...resumeIfCaughtUp(after, command.data.date, rules.time.dateOf(now)));
          // Under a plan the case opened for a real overdue: paid as agreed is paid, nothing withdrawn.
          // (Paid before the plan was agreed, recorded after it: the plan is void, not the rule.)
          const underPlan = state.plan && command.data.date >= state.plan.agreedDate;
          const onTime = !underPlan && command.data.daysLate !== undefined && command.data.daysLate <= 0;
          // Closed as paid late, then found paid on time (value dating: money dated earlier, matched
          // after the payment that closed it): closed again, as paid on time.
          const paidOnTimeAfterAll = state.status === 'CLOSED' && state.outcome === 'PAID' && onTime;
          if (command.data.paidInFull && (state.status === 'OPEN' || paidOnTimeAfterAll)) {
            if (onTime) {
              // Paid by the due date (value dating): every escalation the day run made is withdrawn.
              let f = after;
              for (const rung of [...f.rungsReached]) {
                const withdrawn = withdrawRung(
                  f,
                  rung,
                  { valueDate: command.data.date },
                  rules.time.dateOf(now),
                );
                events.push(...withdrawn);
                f = withdrawn.reduce((s, e) => evolveCase(s, e) as DunningFile, f);
              }
            }
            events.push({
              type: 'CaseClosed',
              data: { ...ref(state), outcome: onTime ? 'PAID_ON_TIME' : 'PAID', date: command.data.date },
            });
          }
          return events;
        }
        case 'WithdrawOverdue': {
          if (!isTracked(state)) return [];
          const { threshold, overdueDate, valueDate } = command.data;
          const events = withdrawRung(state, threshold, { overdueDate, valueDate }, rules.time.dateOf(now));
          if (events.length > 0 && threshold === openingRung && state.status === 'OPEN' && !state.plan) {
            // Nothing was overdue on the first day: the money was there by the due date.
            events.push({
              type: 'CaseClosed',
              data: { ...ref(state), outcome: 'PAID_ON_TIME', date: valueDate },
            });
          }
          return events;
        }
        case 'NoteReallocation': {
          const { toPrincipal, previousToPrincipal, released } = command.data;
          if (!isTracked(state) || (toPrincipal === previousToPrincipal && !released)) return [];
          return [{ type: 'InvoicePaymentReallocated', data: command.data }];
        }
        case 'NoteCreditNote': {
          if (!isTracked(state)) return [];
          const noted: CaseEvent = { type: 'InvoiceCreditNoted', data: command.data };
          const after = evolveCase(state, noted) as DunningFile;
          const unbroken = withdrawBreakIfMet(after, command.data.date, rules.time.dateOf(now));
          return [
            noted,
            ...(unbroken.length > 0
              ? unbroken
              : resumeIfCaughtUp(after, command.data.date, rules.time.dateOf(now))),
          ];
        }
        case 'NoteFees':
          return isTracked(state) && command.data.change !== 0
            ? [{ type: 'InvoiceFeesNoted', data: command.data }]
            : [];
        case 'NotePlanApplied': {
          if (!isTracked(state) || state.status === 'CLOSED' || state.status === 'SETTLED') return [];
          if (state.plan?.planId === command.data.planId) return [];
          return [{ type: 'InstalmentPlanNoted', data: { ...command.data, ...ref(state) } }];
        }
        case 'NotePlanRefused':
          // Heard again (a redelivery): noted once. The case never went under the plan, so its
          // clock, rungs and worklist place stay as they are.
          return isTracked(state) && !state.plansRefused?.includes(command.data.planId)
            ? [
                {
                  type: 'InstalmentPlanRefusedNoted',
                  data: { ...ref(state), ...command.data, date: rules.time.dateOf(now) },
                },
              ]
            : [];
        case 'NotePlanRevised': {
          if (!isTracked(state)) return [];
          const date = rules.time.dateOf(now);
          const noted: CaseEvent = {
            type: 'InstalmentPlanRevisionNoted',
            data: { ...ref(state), ...command.data, date },
          };
          // A break the revised instalments show did not happen is withdrawn with what followed it.
          const after = evolveCase(state, noted) as DunningFile;
          return [noted, ...withdrawBreakIfMet(after, command.data.valueDate, date)];
        }
        case 'NoteDispute':
          return isTracked(state) && state.disputed !== command.data.disputed
            ? [{ type: 'InvoiceDisputeNoted', data: command.data }]
            : [];
        case 'NoteSettled': {
          if (!isTracked(state) || state.status === 'CLOSED' || state.status === 'SETTLED') return [];
          const { outcome } = command.data;
          const date =
            'date' in command.data
              ? command.data.date
              : (state.creditNoteDates[command.data.creditNoteId] ?? rules.time.dateOf(now));
          if (state.status === 'OPEN')
            return [{ type: 'CaseClosed', data: { ...ref(state), outcome, date } }];
          return [{ type: 'InvoiceSettledElsewhere', data: { outcome, date } }];
        }
        case 'RunDay':
          return isTracked(state)
            ? runDay(
                namedAsToday(state, command.data.customerName),
                command.data.today,
                command.data.tier,
                now,
              )
            : [];
        case 'RecordPromise': {
          const f = openCase(state, 'record a promise');
          const { promiseId, promisedDate, promisedAmount, date } = command.data;
          if (f.promises.some((p) => p.promiseId === promiseId)) return [];
          if (promisedDate < date)
            throw new RuleViolation(
              'PROMISE_IN_THE_PAST',
              `a promise for ${promisedDate} is already past`,
              'promisedDate',
            );
          return [
            { type: 'PromiseRecorded', data: { ...ref(f), promiseId, promisedDate, promisedAmount, date } },
          ];
        }
        case 'SetDebtorType': {
          const f = openCase(state, 'set the debtor type');
          const { debtorType, by, reason, date, tier } = command.data;
          return [
            { type: 'DebtorTypeSet', data: { debtorType, by, reason, date } },
            strategyEvent(f, tier, debtorType, date, `set by ${by}: ${reason}`),
          ];
        }
        case 'AgreeInstalmentPlan': {
          const f = openCase(state, 'agree an instalment plan');
          // The same plan again (a retry) changes nothing, and sends no second agreement letter;
          // its id with other terms is refused.
          const agreed = f.plansAgreed?.[command.data.planId];
          if (agreed) {
            const { caseId: _c, invoiceId: _i, customerId: _u, ...terms } = agreed;
            if (sameFacts(terms, command.data)) return [];
            throw new StateConflict(
              'PLAN_ALREADY_AGREED',
              `instalment plan ${command.data.planId} was already agreed on ${agreed.date} with other terms`,
              'planId',
            );
          }
          return agreeInstalmentPlan(f, command.data).map((data) => ({
            type: 'InstalmentPlanAgreed' as const,
            data: { ...ref(f), ...data },
          }));
        }
        case 'RecordAction': {
          const f = openCase(state, 'record an action');
          return [{ type: 'CollectionActionRecorded', data: { ...ref(f), ...command.data } }];
        }
        case 'HandToLegal': {
          const f = openCase(state, 'hand it to legal');
          return [
            { type: 'CaseClosed', data: { ...ref(f), outcome: 'HANDED_TO_LEGAL', date: command.data.date } },
          ];
        }
      }
    },
  };
}
