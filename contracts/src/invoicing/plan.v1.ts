import { z } from 'zod';
import { EntityId, IsoDate, NonNegativeMinorUnits, PositiveAmount, PositiveMinorUnits } from '../primitives';

/**
 * An instalment plan's terms (DOMAIN.md §3, the source's 还款计划 + 担保: "repayment plan plus
 * guarantee"): agreed in collections, applied by invoicing. A plan covers everything open on the
 * day it is agreed - fees included - unless the fees are waived by a recorded decision.
 */

export const PlanFees = z
  .enum(['INCLUDED', 'WAIVED'])
  .describe(
    'INCLUDED: the instalments add up to principal + interest + penalty open on the agreement date (fees are cleared first, art. 561); WAIVED: the open fees are waived (a recorded LateFeesWaived) and the instalments add up to the principal',
  );
export type PlanFees = z.infer<typeof PlanFees>;

export const FeeWaiverV1 = z
  .object({
    decidedBy: EntityId.describe('who agreed to waive the fees'),
    reason: z.string().trim().min(1, 'must not be empty').max(500),
  })
  .strict()
  .describe('The recorded decision to waive the open late fees');
export type FeeWaiverV1 = z.infer<typeof FeeWaiverV1>;

export const GuaranteeKind = z.enum(['PERSONAL', 'CORPORATE', 'BANK', 'COLLATERAL']);
export const PlanGuaranteeV1 = z
  .object({
    guarantor: z.string().trim().min(1, 'must not be empty').max(200).describe('who guarantees (担保人)'),
    kind: GuaranteeKind.describe(
      'personal guarantee, a company guarantee, a bank guarantee (保函), or collateral (抵押/质押)',
    ),
    amount: PositiveMinorUnits.describe("the amount guaranteed, in minor units of the invoice's currency"),
  })
  .strict()
  .describe('A guarantee given for the plan');
export type PlanGuaranteeV1 = z.infer<typeof PlanGuaranteeV1>;

/** A guarantee as a person gives it: its amount no larger than any amount the platform takes. */
export const PlanGuaranteeRequest = PlanGuaranteeV1.extend({
  amount: PositiveAmount.describe("the amount guaranteed, in minor units of the invoice's currency"),
});

/** One agreed instalment: what the customer pays on its date. */
export const PlanInstalmentRequest = z.object({ dueDate: IsoDate, amount: PositiveAmount }).strict();

/** The terms a person gives when agreeing a plan (in collections, or on the invoice directly). */
export const PlanTermsRequest = {
  planId: EntityId,
  instalments: z.array(PlanInstalmentRequest).min(1).max(120),
  fees: PlanFees.default('INCLUDED'),
  feeWaiver: FeeWaiverV1.optional().describe('required when fees are WAIVED'),
  guarantee: PlanGuaranteeRequest.optional(),
};

/** A waiver needs its recorded decision; a decision without a waiver is a mistake. */
export function waiverIsRecorded(plan: { fees: PlanFees; feeWaiver?: FeeWaiverV1 | undefined }): boolean {
  return plan.fees === 'WAIVED' ? plan.feeWaiver !== undefined : plan.feeWaiver === undefined;
}
export const WAIVER_MESSAGE = {
  message: 'fees WAIVED needs feeWaiver {decidedBy, reason}; feeWaiver only with fees WAIVED',
  path: ['feeWaiver'],
};

/** An instalment as invoicing applied it: its amount and, of that, the principal. */
export const AppliedInstalmentV1 = z.object({
  dueDate: IsoDate,
  amount: PositiveMinorUnits.describe('what the customer pays on the date'),
  principal: NonNegativeMinorUnits.optional().describe(
    'of the amount, principal: fees open when the plan was agreed are cleared first (art. 561), so the first instalments carry them. Absent on plans applied before fees could be included: the whole amount',
  ),
});
export type AppliedInstalmentV1 = z.infer<typeof AppliedInstalmentV1>;
