/**
 * THE role table: every role a caller's token may carry, and what it is for. A route names the
 * roles that may call it (`config: { roles: [...] }`); the OpenAPI document and the README's role
 * table are made from this table and those declarations (a test fails when the README differs).
 */
export const ROLES = {
  sales:
    'Sales: registers customers, drafts and signs contracts, records deliveries and acceptances; votes as the SALES member of the credit committee',
  collector: 'Collections staff: works cases (promises, debtor type, actions), reads the worklist',
  finance:
    'Finance: invoices, payments and cash application, credit notes, write-offs, factoring, instalment plans, freezes; votes as the FINANCE member of the credit committee',
  legal:
    'Legal: disputes and their resolution, legal handover, terminations; votes as the LEGAL member of the credit committee',
  risk: 'Risk: tier and limit overrides, financials and signals, freezes, term exceptions at signing',
  management: 'Management: reads everything, the audit trail included',
  bi: 'BI: read-only - reports, KPIs, the dashboard; changes nothing',
  admin:
    'Operations: the business clock, projection rebuilds, dead letters, progress and resending undelivered messages; no business commands',
  'service:contract': 'The contract service (client credentials): credit checks and reservations at signing',
} as const;

export type Role = keyof typeof ROLES;
export const ALL_ROLES = Object.keys(ROLES) as Role[];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && Object.hasOwn(ROLES, value);
}

/** People who read the book (never a service client, never admin: operations see no receivables). */
export const READERS = [
  'sales',
  'collector',
  'finance',
  'legal',
  'risk',
  'management',
  'bi',
] as const satisfies Role[];
/** Who reads the audit trail (who did what). */
export const AUDITORS = ['finance', 'legal', 'risk', 'management'] as const satisfies Role[];
/** Who exports the evidence of a contract or an invoice (issue 18 item 4): for a dispute, an audit, a court. */
export const EVIDENCE_READERS = ['legal', 'finance', 'management'] as const satisfies Role[];
/** People who work the book: every reader but BI's read-only and management's. */
export const STAFF = ['sales', 'collector', 'finance', 'legal', 'risk'] as const satisfies Role[];

/** What a route asks of its caller: the roles of which one suffices, or nobody (health probes). */
export type Access = readonly Role[] | 'public';

/** Which role a committee member's vote needs (credit committee: sales, finance, legal). */
export const COMMITTEE_ROLES = {
  SALES: 'sales',
  FINANCE: 'finance',
  LEGAL: 'legal',
} as const satisfies Record<string, Role>;
