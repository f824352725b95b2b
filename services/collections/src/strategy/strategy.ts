import type { CreditTier, DebtorType } from '@ar/contracts';

export type Strategy = 'CONSULTATIVE' | 'PROCESS' | 'PROTECTIVE';

/** What a case's history says about the debtor, before any person's judgement. */
export interface DebtorBehaviour {
  brokenPromises: number;
  partialPayments: number;
  daysOverdue: number;
}

/**
 * Classifies the debtor from behaviour (DOMAIN.md §4): promises broken twice or more, or one
 * broken past 60 days overdue, look like evasion; paying in part looks like a cash-flow problem;
 * otherwise it is habitual delay. A person may set the type instead (recorded with a reason).
 */
export function classifyDebtor(b: DebtorBehaviour): DebtorType {
  if (b.brokenPromises >= 2 || (b.brokenPromises >= 1 && b.daysOverdue > 60)) return 'MALICIOUS_EVASION';
  if (b.partialPayments > 0) return 'CASH_FLOW_DIFFICULTY';
  return 'HABITUAL_DELAY';
}

const BY_TIER: Record<CreditTier, Strategy> = {
  STRATEGIC: 'CONSULTATIVE',
  COOPERATIVE: 'PROCESS',
  CAUTIOUS: 'PROTECTIVE',
};

const ACTIONS: Record<Strategy, string[]> = {
  CONSULTATIVE: ["understand the customer's cash plan", 'offer instalments'],
  PROCESS: ['follow the contract', 'formal letters', "lawyer's letter"],
  PROTECTIVE: ['ask for security', 'asset preservation'],
};
const BY_DEBTOR: Record<DebtorType, string[]> = {
  CASH_FLOW_DIFFICULTY: ['negotiate', 'restructure into instalments'],
  HABITUAL_DELAY: ['firm process', 'charge the late fees'],
  MALICIOUS_EVASION: ['legal pressure', 'apply for asset preservation'],
};

/**
 * The strategy for a case, from the tier (consultative / process / protective) and the debtor
 * type. Evasion makes any tier protective; a strategic customer in cash-flow trouble stays
 * consultative. The next actions are the tier's style then what the debtor type calls for.
 */
export function chooseStrategy(
  tier: CreditTier,
  debtorType: DebtorType,
): { strategy: Strategy; nextActions: string[]; reason: string } {
  const strategy: Strategy = debtorType === 'MALICIOUS_EVASION' ? 'PROTECTIVE' : BY_TIER[tier];
  const nextActions = [
    ...ACTIONS[strategy],
    ...BY_DEBTOR[debtorType].filter((a) => !ACTIONS[strategy].includes(a)),
  ];
  const reason =
    strategy === BY_TIER[tier]
      ? `${tier} tier: ${strategy.toLowerCase()} collection; debtor ${debtorType.toLowerCase().replaceAll('_', ' ')}`
      : `debtor ${debtorType.toLowerCase().replaceAll('_', ' ')} overrides the ${tier} tier's ${BY_TIER[tier].toLowerCase()} style`;
  return { strategy, nextActions, reason };
}
