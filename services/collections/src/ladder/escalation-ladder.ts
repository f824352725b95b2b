import type { OwnerRole } from '@ar/contracts';

/** A rung of the escalation ladder: from how many days overdue, whose case it is, what they do. */
export interface Rung {
  fromDay: number;
  ownerRole: OwnerRole;
  action: string;
  rule: string;
  /** Whether reaching the rung asks credit-scoring to freeze the customer. */
  requestsCreditFreeze: boolean;
  /** The message the customer gets at this rung, if any. */
  message?: 'CUSTOMER_CARE' | 'DUNNING_LETTER' | 'LAWYERS_LETTER';
}

/** The default ladder (DOMAIN.md §4). */
export const DEFAULT_LADDER: Rung[] = [
  {
    fromDay: 1,
    ownerRole: 'SALES',
    action: 'customer-care contact: learn why, agree a date or instalments',
    rule: '1-15 days overdue: sales',
    requestsCreditFreeze: false,
    message: 'CUSTOMER_CARE',
  },
  {
    fromDay: 16,
    ownerRole: 'FINANCE',
    action: 'formal dunning letter (signed) and credit freeze',
    rule: '16-30 days overdue: finance',
    requestsCreditFreeze: true,
    message: 'DUNNING_LETTER',
  },
  {
    fromDay: 31,
    ownerRole: 'LEGAL',
    action: 'assess litigation, arbitration, a payment order or a collection agency',
    rule: '31+ days overdue: legal',
    requestsCreditFreeze: false,
    // The lawyer's-letter notice (issue 18 item 2), once, after the day-30 reminder.
    message: 'LAWYERS_LETTER',
  },
  {
    fromDay: 91,
    ownerRole: 'MANAGEMENT',
    action: "accountability: the sales owner's commission is cut",
    rule: '91+ days overdue: management',
    requestsCreditFreeze: false,
  },
];

/** The rungs a case `daysOverdue` days overdue has reached, lowest first. */
export function rungsReached(daysOverdue: number, ladder: Rung[] = DEFAULT_LADDER): Rung[] {
  return ladder.filter((r) => daysOverdue >= r.fromDay);
}

/** Who owns a case that many days overdue. */
export function ownerAt(daysOverdue: number, ladder: Rung[] = DEFAULT_LADDER): Rung | undefined {
  return rungsReached(daysOverdue, ladder).at(-1);
}
