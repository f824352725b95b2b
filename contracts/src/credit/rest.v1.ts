import { z } from 'zod';
import {
  CurrencyCode,
  EntityId,
  IsoDate,
  NonNegativeAmount,
  NonNegativeMinorUnits,
  PositiveAmount,
} from '../primitives';
import {
  CommitteeMember,
  CreditTier,
  CustomerProfileV1,
  CustomerSignalKind,
  FinancialIndicatorsV1,
  ScoreFactorV1,
} from './events.v1';

const Text = z.string().trim().min(1, 'must not be empty').max(500);
const OptionalDate = IsoDate.optional().describe('business date; today when absent');

export const RegisterCustomerRequest = CustomerProfileV1.strict();
export const FinancialIndicatorsRequest = FinancialIndicatorsV1.extend({ asOf: OptionalDate }).strict();
export const CustomerSignalRequest = z
  .object({
    kind: CustomerSignalKind,
    reference: z.string().trim().min(1).max(100),
    detail: z.string().max(500).optional(),
    date: OptionalDate,
  })
  .strict();
export const TierOverrideRequest = z.object({ tier: CreditTier, reason: Text, decidedBy: EntityId }).strict();
export const LimitOverrideRequest = z
  .object({ limit: NonNegativeAmount, reason: Text, decidedBy: EntityId })
  .strict();
export const CommitteeDecisionRequest = z
  .object({
    exceptionId: EntityId,
    amount: PositiveAmount,
    votes: z
      .array(z.object({ member: CommitteeMember, approve: z.boolean(), reason: Text }).strict())
      .length(3, 'the committee is sales, finance and legal: three votes')
      .refine((votes) => new Set(votes.map((v) => v.member)).size === 3, {
        message: 'each of SALES, FINANCE and LEGAL votes once',
      }),
  })
  .strict();
export const FreezeRequest = z.object({ reason: Text, requestedBy: EntityId }).strict();
export const UnfreezeRequest = z.object({ reason: Text, decidedBy: EntityId }).strict();

export const CreditCheckRequest = z
  .object({
    amount: PositiveAmount.describe('the new exposure asked for: a contract value, a shipment on credit'),
    currency: CurrencyCode,
    purpose: z.enum(['CONTRACT', 'SHIPMENT', 'ORDER']).default('CONTRACT'),
  })
  .strict();

export const CreditCheckReason = z.object({
  code: z.enum(['CREDIT_FROZEN', 'PREPAYMENT_REQUIRED', 'OVER_LIMIT', 'CURRENCY_NOT_COVERED']),
  message: z.string(),
});
export const CreditCheckResult = z.object({
  customerId: EntityId,
  approved: z.boolean(),
  reasons: z.array(CreditCheckReason).describe('why not; empty when approved'),
  tier: CreditTier,
  score: z.number().int(),
  limit: NonNegativeMinorUnits,
  exceptionAllowance: NonNegativeMinorUnits.describe('extra exposure approved by the credit committee'),
  exposure: NonNegativeMinorUnits.describe('open receivables + signed, unbilled contract value'),
  available: z.number().int().describe('limit + exception - exposure (negative: already over)'),
  currency: CurrencyCode,
});
export type CreditCheckResult = z.infer<typeof CreditCheckResult>;

export const CustomerCreditView = z.object({
  customerId: EntityId,
  profile: CustomerProfileV1,
  score: z.number().int(),
  factors: z.array(ScoreFactorV1).describe('why this score'),
  tier: CreditTier,
  tierOverridden: z.boolean(),
  paymentTermDays: z.number().int(),
  limit: NonNegativeMinorUnits,
  limitOverridden: z.boolean(),
  currency: CurrencyCode,
  creditPoints: z.number().int(),
  frozen: z.object({ since: IsoDate, reason: z.string() }).nullable(),
  exposure: z.object({
    openReceivables: NonNegativeMinorUnits,
    unbilledContracts: NonNegativeMinorUnits,
    total: NonNegativeMinorUnits,
  }),
  version: z.number().int(),
});
export type CustomerCreditView = z.infer<typeof CustomerCreditView>;
