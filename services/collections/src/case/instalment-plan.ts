import type { FeeWaiverV1, PlanFees, PlanGuaranteeV1 } from '@ar/contracts';
import { type BusinessCalendar, formatMoney, type IsoDate, RuleViolation } from '@ar/kernel';
import { type CasePlan, type DunningFile, openOf } from './state';

export interface PlanAgreement {
  planId: string;
  instalments: { dueDate: IsoDate; amount: number }[];
  /** The business date it is agreed. */
  date: IsoDate;
  fees: PlanFees;
  feeWaiver?: FeeWaiverV1 | undefined;
  guarantee?: PlanGuaranteeV1 | undefined;
}

/**
 * A plan agreed on a case (DOMAIN.md §3-4) covers what is actually open as the case knows it -
 * the principal after payments and credit notes, plus the late fees open - or the principal alone
 * when the fees are waived by a recorded decision (who, why). Instalments fall due on or after
 * the day it is agreed, in order. Invoicing applies it, counting what is open on the same date.
 */
export function agreeInstalmentPlan(f: DunningFile, plan: PlanAgreement): PlanAgreement[] {
  plan.instalments.forEach((instalment, i) => {
    const before = plan.instalments[i - 1];
    if (instalment.dueDate < plan.date || (before && instalment.dueDate <= before.dueDate)) {
      throw new RuleViolation(
        'INSTALMENTS_OUT_OF_ORDER',
        `instalment ${i + 1} is due ${instalment.dueDate}: instalments fall due from the day the plan is agreed (${plan.date}), each after the one before`,
        `instalments.${i}.dueDate`,
      );
    }
  });
  if (plan.fees === 'WAIVED' && !plan.feeWaiver) {
    throw new RuleViolation(
      'FEE_WAIVER_NOT_RECORDED',
      'waiving fees needs the recorded decision: who decided and why (feeWaiver)',
      'feeWaiver',
    );
  }
  const open = openOf(f);
  const money = (amount: number) => formatMoney(amount, f.invoice.currency);
  const owed = plan.fees === 'WAIVED' ? open.principal : open.total;
  const total = plan.instalments.reduce((s, i) => s + i.amount, 0);
  if (total !== owed) {
    throw new RuleViolation(
      'PLAN_DOES_NOT_MATCH_OPEN_AMOUNT',
      `instalments add up to ${money(total)}; open: ${money(open.total)} (principal ${money(open.principal)}, fees ${money(open.fees)})${
        plan.fees === 'WAIVED'
          ? `; with fees waived the plan covers the principal, ${money(open.principal)}`
          : ''
      }`,
      'instalments',
    );
  }
  const { feeWaiver, guarantee, ...terms } = plan;
  return [{ ...terms, ...(feeWaiver ? { feeWaiver } : {}), ...(guarantee ? { guarantee } : {}) }];
}

/**
 * The first instalment payable before `today` that was not paid in full by then: what was due by
 * then (every instalment up to it) against what was paid or credited since the plan, by value
 * date. An instalment due on a weekend or holiday is payable by the next working day of the
 * business calendar (as invoicing's overdue clock counts it), so it is missed only after that
 * day. Undefined while every instalment payable so far was met.
 */
export function missedInstalment(
  plan: CasePlan,
  today: IsoDate,
  calendar: BusinessCalendar,
): { dueDate: IsoDate; due: number; paid: number; missed: number } | undefined {
  let due = 0;
  for (const instalment of plan.instalments) {
    const payableBy = calendar.workingDayOnOrAfter(instalment.dueDate);
    if (payableBy >= today) return undefined;
    due += instalment.amount;
    // An instalment caught up in time (the plan resumed) counts as met by its catch-up date.
    const by =
      plan.resumed && instalment.dueDate <= plan.resumed.dueDate && plan.resumed.caughtUpOn > payableBy
        ? plan.resumed.caughtUpOn
        : payableBy;
    const paid = plan.received.reduce((s, r) => (r.date <= by ? s + r.amount : s), 0);
    if (paid < due) return { dueDate: instalment.dueDate, due, paid, missed: due - paid };
  }
  return undefined;
}

/**
 * How many days after a missed instalment was payable a customer may catch up and have the plan
 * resume (#14 item 2): while the case is in customer care - before the first rung that asks for
 * the credit freeze (finance's formal letter, day 16 by default). From that rung on, the plan
 * stays broken and a new one must be agreed. No such rung: no limit.
 */
export function planCureDays(ladder: { fromDay: number; requestsCreditFreeze: boolean }[]): number {
  const freeze = ladder.filter((r) => r.requestsCreditFreeze).map((r) => r.fromDay);
  return freeze.length > 0 ? Math.min(...freeze) : Number.POSITIVE_INFINITY;
}

/** What is payable by `day` under the plan and not paid or credited by then (by value date); 0 or less: caught up. */
export function arrearsOn(plan: CasePlan, day: IsoDate, calendar: BusinessCalendar): number {
  const due = plan.instalments
    .filter((i) => calendar.workingDayOnOrAfter(i.dueDate) <= day)
    .reduce((s, i) => s + i.amount, 0);
  const paid = plan.received.reduce((s, r) => (r.date <= day ? s + r.amount : s), 0);
  return due - paid;
}
