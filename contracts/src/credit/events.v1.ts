import { z } from 'zod';
import { CurrencyCode, EntityId, IsoDate, NonNegativeMinorUnits } from '../primitives';

/** Public events of the credit-scoring service on `ar.credit.events.v1`. */

export const CreditTier = z.enum(['STRATEGIC', 'COOPERATIVE', 'CAUTIOUS']);
export type CreditTier = z.infer<typeof CreditTier>;

const Text = z.string().trim().min(1).max(500);

export const CustomerProfileV1 = z.object({
  customerId: EntityId,
  name: z.string().trim().min(1).max(200),
  industry: z.string().describe("an industry code of the tenant's list, e.g. MANUFACTURING"),
  region: z.string().trim().min(1).max(100),
  headcount: z.number().int().min(0),
  annualRevenue: NonNegativeMinorUnits.describe("annual revenue in the tenant's currency, minor units"),
  expectedAnnualValue: NonNegativeMinorUnits.describe(
    'what the customer is expected to buy from us in a year (its value to us)',
  ),
  registrationNumber: z.string().trim().min(1).max(64),
  registeredDate: IsoDate,
  salesOwner: EntityId.describe('the sales person who owns the relationship'),
});
export type CustomerProfileV1 = z.infer<typeof CustomerProfileV1>;

export const CustomerRegisteredV1 = CustomerProfileV1.extend({ registeredOn: IsoDate }).describe(
  'A customer was registered with its profile.',
);
export type CustomerRegisteredV1 = z.infer<typeof CustomerRegisteredV1>;

export const FinancialIndicatorsV1 = z.object({
  currentRatio: z.number().min(0).max(100),
  debtRatio: z.number().min(0).max(10).describe('liabilities / assets'),
  receivablesTurnover: z.number().min(0).max(1000).describe('times per year'),
  annualRevenue: NonNegativeMinorUnits.optional(),
});
export type FinancialIndicatorsV1 = z.infer<typeof FinancialIndicatorsV1>;

export const FinancialIndicatorsUpdatedV1 = FinancialIndicatorsV1.extend({
  customerId: EntityId,
  asOf: IsoDate,
}).describe("New financial indicators for a customer (from finance or a data provider's system).");
export type FinancialIndicatorsUpdatedV1 = z.infer<typeof FinancialIndicatorsUpdatedV1>;

export const CustomerSignalKind = z.enum([
  'LAWSUIT_OPENED',
  'LAWSUIT_CLOSED',
  'ENFORCEMENT_RECORD',
  'REGISTRATION_CHANGE',
  'KEY_PERSONNEL_CHANGE',
]);
export const CustomerSignalRecordedV1 = z
  .object({
    customerId: EntityId,
    kind: CustomerSignalKind,
    reference: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .describe('case number, register entry, the role that changed'),
    detail: z.string().max(500).optional(),
    date: IsoDate,
  })
  .describe('A legal, registration or key-personnel signal about a customer.');
export type CustomerSignalRecordedV1 = z.infer<typeof CustomerSignalRecordedV1>;

export const PaymentBehaviourKind = z.enum([
  'PAID_EARLY',
  'PAID_ON_TIME',
  'PAID_LATE',
  'OVERDUE',
  'OVERDUE_WITHDRAWN',
  'PROMISE_BROKEN',
  'WRITTEN_OFF',
]);
export const PaymentBehaviourRecordedV1 = z
  .object({
    customerId: EntityId,
    kind: PaymentBehaviourKind,
    invoiceId: EntityId.optional(),
    daysOverdue: z.number().int().optional(),
    points: z.number().int().describe('credit points this behaviour earns (negative: loses)'),
    date: IsoDate,
    sourceEventId: z.string().describe('the invoicing/collections event it comes from'),
  })
  .describe("An entry in the customer's credit file: payment behaviour and its credit points.");
export type PaymentBehaviourRecordedV1 = z.infer<typeof PaymentBehaviourRecordedV1>;

export const ScoreFactorV1 = z.object({
  factor: z.string().describe('e.g. industry, scale, credit-history, current-ratio, open-lawsuits'),
  points: z.number().describe('contribution to the score'),
  detail: z.string(),
});
export type ScoreFactorV1 = z.infer<typeof ScoreFactorV1>;

export const CreditScoredV1 = z
  .object({
    customerId: EntityId,
    score: z.number().int().min(0).max(1000),
    previousScore: z.number().int().min(0).max(1000).optional(),
    factors: z.array(ScoreFactorV1).describe('why this score: every contribution'),
    cause: z.string().describe('the signal that led to re-scoring'),
    date: IsoDate,
  })
  .describe('A customer was (re-)scored; the factors explain the score.');
export type CreditScoredV1 = z.infer<typeof CreditScoredV1>;

export const CreditScoreDroppedV1 = z
  .object({
    customerId: EntityId,
    previousScore: z.number().int(),
    score: z.number().int(),
    tier: CreditTier.describe('the tier before the drop'),
    rule: z.enum(['BELOW_TIER_THRESHOLD', 'DROP_EXCEEDS_LIMIT']),
    causes: z.array(z.string()),
    date: IsoDate,
  })
  .describe(
    "Early warning: the score fell below its tier's threshold or by more than the configured amount.",
  );
export type CreditScoreDroppedV1 = z.infer<typeof CreditScoreDroppedV1>;

export const CreditTierChangedV1 = z
  .object({
    customerId: EntityId,
    tier: CreditTier,
    previousTier: CreditTier.optional(),
    paymentTermDays: z.number().int().min(0).describe('default payment term; 0 = cash before delivery'),
    cause: z.enum(['SCORE', 'OVERRIDE']),
    reason: z.string(),
    decidedBy: z.string().optional(),
    date: IsoDate,
  })
  .describe("The customer's credit tier changed, by the score or by a person's override.");
export type CreditTierChangedV1 = z.infer<typeof CreditTierChangedV1>;

export const CreditLimitChangedV1 = z
  .object({
    customerId: EntityId,
    limit: NonNegativeMinorUnits,
    previousLimit: NonNegativeMinorUnits.optional(),
    currency: CurrencyCode,
    cause: z.enum(['TIER', 'OVERRIDE']),
    reason: z.string(),
    decidedBy: z.string().optional(),
    date: IsoDate,
  })
  .describe("The customer's credit limit changed.");
export type CreditLimitChangedV1 = z.infer<typeof CreditLimitChangedV1>;

export const CommitteeMember = z.enum(['SALES', 'FINANCE', 'LEGAL']);
const Voter = z
  .string()
  .describe("who cast the vote: the subject of the voter's token (a person holding the member's role)");
export const CreditCommitteeVoteCastV1 = z
  .object({
    customerId: EntityId,
    exceptionId: EntityId,
    amount: NonNegativeMinorUnits.describe('the exposure above the limit the exception would allow'),
    termDays: z
      .number()
      .int()
      .min(1)
      .max(365)
      .optional()
      .describe('payment terms of up to this many days the exception would allow'),
    currency: CurrencyCode,
    member: CommitteeMember,
    approve: z.boolean(),
    reason: Text,
    voter: Voter,
    date: IsoDate,
  })
  .describe(
    "One credit-committee member's vote on an exception, cast by its own authenticated person; the decision follows the third member's vote.",
  );
export type CreditCommitteeVoteCastV1 = z.infer<typeof CreditCommitteeVoteCastV1>;
export const CreditCommitteeDecidedV1 = z
  .object({
    customerId: EntityId,
    exceptionId: EntityId,
    amount: NonNegativeMinorUnits.describe('the exposure above the limit the exception allows'),
    termDays: z
      .number()
      .int()
      .min(1)
      .max(365)
      .optional()
      .describe('payment terms of up to this many days the exception allows'),
    currency: CurrencyCode,
    votes: z.array(
      z.object({ member: CommitteeMember, approve: z.boolean(), reason: Text, voter: Voter.optional() }),
    ),
    approved: z.boolean(),
    date: IsoDate,
  })
  .describe('A joint credit-committee decision (sales, finance, legal) on an exception.');
export type CreditCommitteeDecidedV1 = z.infer<typeof CreditCommitteeDecidedV1>;

export const TermExceptionGrantedV1 = z
  .object({
    customerId: EntityId,
    exceptionId: EntityId,
    termDays: z.number().int().min(1).max(365),
    decidedBy: EntityId.describe('the person with the risk role who recorded it (the token subject)'),
    reason: Text,
    date: IsoDate,
  })
  .describe(
    "The risk role allowed payment terms of up to termDays calendar days to this customer, longer than its tier's; a signature names it by exceptionId.",
  );
export type TermExceptionGrantedV1 = z.infer<typeof TermExceptionGrantedV1>;

export const CreditFrozenV1 = z
  .object({
    customerId: EntityId,
    reason: Text,
    requestedBy: z.string(),
    caseId: EntityId.optional(),
    date: IsoDate,
  })
  .describe('No new contracts, no shipments on credit, until unfrozen by a recorded decision.');
export type CreditFrozenV1 = z.infer<typeof CreditFrozenV1>;

export const CreditUnfrozenV1 = z
  .object({ customerId: EntityId, reason: Text, decidedBy: z.string(), date: IsoDate })
  .describe("The customer's credit was unfrozen by a person's recorded decision.");
export type CreditUnfrozenV1 = z.infer<typeof CreditUnfrozenV1>;

export const CreditFreezeRequestRecordedV1 = z
  .object({ customerId: EntityId, caseId: EntityId, reason: Text, date: IsoDate })
  .describe(
    "Another collection case asked for a freeze while the customer's credit was already frozen: the freeze is now held by this case too.",
  );
export type CreditFreezeRequestRecordedV1 = z.infer<typeof CreditFreezeRequestRecordedV1>;

export const CreditFreezeRequestWithdrawnV1 = z
  .object({ customerId: EntityId, caseId: EntityId, reason: Text, date: IsoDate })
  .describe(
    'A collection case withdrew its freeze request (value dating) while the freeze is still held by another case or a person: the credit stays frozen.',
  );
export type CreditFreezeRequestWithdrawnV1 = z.infer<typeof CreditFreezeRequestWithdrawnV1>;

export const CreditEventsV1 = {
  CustomerRegistered: CustomerRegisteredV1,
  FinancialIndicatorsUpdated: FinancialIndicatorsUpdatedV1,
  CustomerSignalRecorded: CustomerSignalRecordedV1,
  PaymentBehaviourRecorded: PaymentBehaviourRecordedV1,
  CreditScored: CreditScoredV1,
  CreditScoreDropped: CreditScoreDroppedV1,
  CreditTierChanged: CreditTierChangedV1,
  CreditLimitChanged: CreditLimitChangedV1,
  CreditCommitteeVoteCast: CreditCommitteeVoteCastV1,
  CreditCommitteeDecided: CreditCommitteeDecidedV1,
  TermExceptionGranted: TermExceptionGrantedV1,
  CreditFrozen: CreditFrozenV1,
  CreditUnfrozen: CreditUnfrozenV1,
  CreditFreezeRequestRecorded: CreditFreezeRequestRecordedV1,
  CreditFreezeRequestWithdrawn: CreditFreezeRequestWithdrawnV1,
} as const;
