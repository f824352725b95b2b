import { z } from 'zod';
import {
  CurrencyCode,
  EntityId,
  IsoDate,
  NonNegativeAmount,
  NonNegativeMinorUnits,
  PositiveAmount,
  TotalMinorUnits,
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
/** Who decided or asked is the caller (its token's subject); a name sent in the body is not trusted. */
const ByCaller = EntityId.optional().describe("not used: recorded as the caller's token subject");
export const TierOverrideRequest = z.object({ tier: CreditTier, reason: Text, decidedBy: ByCaller }).strict();
export const LimitOverrideRequest = z
  .object({ limit: NonNegativeAmount, reason: Text, decidedBy: ByCaller })
  .strict();
/** One member's vote, cast by a person holding that member's role (sales, finance, legal). */
export const CommitteeVoteRequest = z
  .object({
    member: CommitteeMember.describe(
      'the member voting: SALES needs the sales role, FINANCE finance, LEGAL legal',
    ),
    approve: z.boolean(),
    reason: Text,
    amount: NonNegativeAmount.describe(
      'the exposure above the limit asked for (0: a term exception only); every vote on an exception names the same',
    ),
    termDays: z
      .number()
      .int()
      .min(1)
      .max(365)
      .optional()
      .describe(
        'a term exception: payment terms of up to this many calendar days, which a signature may then name (#14); every vote names the same',
      ),
  })
  .strict()
  .refine((v) => v.amount > 0 || v.termDays !== undefined, {
    message: 'an exception asks for an amount above the limit, a longer term (termDays), or both',
    path: ['amount'],
  });
export const FreezeRequest = z.object({ reason: Text, requestedBy: ByCaller }).strict();
export const UnfreezeRequest = z.object({ reason: Text, decidedBy: ByCaller }).strict();

export const CreditCheckRequest = z
  .object({
    amount: PositiveAmount.describe('the new exposure asked for: a contract value, a shipment on credit'),
    currency: CurrencyCode,
    purpose: z.enum(['CONTRACT', 'SHIPMENT', 'ORDER']).default('CONTRACT'),
    prepayment: z
      .boolean()
      .optional()
      .describe(
        'cash before delivery (款到发货): no credit extended, so the tier and limit do not apply; frozen still refuses',
      ),
  })
  .strict();

export const CreditReservationRequest = CreditCheckRequest.extend({
  reservationId: EntityId.describe(
    'what the exposure is for, e.g. the contract id: the same id again is the same reservation',
  ),
  termExceptionId: EntityId.optional().describe(
    'a term exception the signature names: answered as stored for this customer (termException), or absent when there is none',
  ),
}).strict();

/** Payment terms longer than the tier's, as credit-scoring keeps the decision (#14): by the risk role, or the committee's votes. */
const TermDays = z.number().int().min(1).max(365);
export const StoredTermExceptionV1 = z
  .discriminatedUnion('approvedBy', [
    z.object({
      approvedBy: z.literal('RISK'),
      exceptionId: EntityId,
      approved: z.literal(true),
      termDays: TermDays,
      decidedBy: EntityId.describe('the person with the risk role who recorded it'),
      reason: Text,
    }),
    z.object({
      approvedBy: z.literal('COMMITTEE'),
      exceptionId: EntityId,
      approved: z.boolean().describe('every member approved'),
      termDays: TermDays,
      votes: z.array(z.object({ member: CommitteeMember, approve: z.boolean(), reason: Text })),
    }),
  ])
  .describe(
    "A recorded exception to the tier's payment term: payment terms of up to termDays calendar days.",
  );
export type StoredTermExceptionV1 = z.infer<typeof StoredTermExceptionV1>;

export const TermExceptionRequest = z
  .object({
    exceptionId: EntityId.describe('the id a signature names it by'),
    termDays: TermDays.describe('payment terms of up to this many calendar days'),
    reason: Text,
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
  exposure: TotalMinorUnits.describe(
    'open receivables + signed, unbilled contract value (exact at any size, every digit also above 2^53)',
  ),
  available: TotalMinorUnits.describe('limit + exception - exposure (negative: already over)'),
  currency: CurrencyCode,
  paymentTermDays: z.number().int().describe("the longest payment term the customer's tier allows, in days"),
});
export type CreditCheckResult = z.infer<typeof CreditCheckResult>;

export const CreditReservationResult = CreditCheckResult.extend({
  reservationId: EntityId,
  reserved: z
    .boolean()
    .describe(
      'the amount now counts as exposure, until the signed contract replaces it, it is released or it expires (nothing is reserved on prepayment)',
    ),
  expiresAt: z.string().optional().describe('when an unconfirmed reservation stops counting'),
  termException: StoredTermExceptionV1.optional().describe(
    'the term exception asked for (termExceptionId) as stored for this customer; absent: there is none',
  ),
});
export type CreditReservationResult = z.infer<typeof CreditReservationResult>;

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
  frozen: z
    .object({
      since: IsoDate,
      reason: z.string(),
      requestedBy: z.string().optional().describe('collections, or the person who froze it'),
      cases: z
        .array(z.string())
        .describe(
          'the collection cases whose requests hold the freeze: it is lifted when the last one withdraws',
        ),
    })
    .nullable(),
  exposure: z
    .object({
      openReceivables: TotalMinorUnits.describe('in the limit currency, other currencies converted'),
      unbilledContracts: TotalMinorUnits.describe(
        'signed (or reserved at signing), not yet invoiced contract value, in the limit currency',
      ),
      total: TotalMinorUnits,
      byCurrency: z
        .array(
          z.object({
            currency: CurrencyCode,
            openReceivables: TotalMinorUnits,
            unbilledContracts: TotalMinorUnits,
          }),
        )
        .describe('each currency in its own minor units'),
      unconverted: z
        .array(CurrencyCode)
        .describe('currencies with exposure and no configured rate: not in the totals'),
    })
    .describe('exposure totals, exact at any size (every digit, also above 2^53)'),
  version: z.number().int(),
});
export type CustomerCreditView = z.infer<typeof CustomerCreditView>;
