import { z } from 'zod';
import { DiscountTermsV1, LateFeeTermsV1 } from '../invoicing/terms.v1';
import { CurrencyCode, EntityId, IsoDate, PositiveMinorUnits } from '../primitives';

/** Public events of the contract service on `ar.contract.events.v1`. */

export const MilestoneReachedV1 = z
  .object({
    contractId: EntityId,
    milestoneId: EntityId,
    customerId: EntityId,
    amount: PositiveMinorUnits.describe("the milestone's share of the contract value, in minor units"),
    currency: CurrencyCode,
    reachedDate: IsoDate.describe('the day the trigger happened (signing, delivery, acceptance, a date)'),
    dueDate: IsoDate.describe("reached date plus the milestone's payment term, on the business calendar"),
    lateFeeTerms: LateFeeTermsV1.optional(),
    discountTerms: DiscountTermsV1.optional(),
  })
  .describe("A billing milestone was reached: the amount it releases is due on the term's date.");
export type MilestoneReachedV1 = z.infer<typeof MilestoneReachedV1>;

export const ContractSignedV1 = z
  .object({
    contractId: EntityId,
    customerId: EntityId,
    value: PositiveMinorUnits.describe('total contract value, minor units'),
    currency: CurrencyCode,
    signedDate: IsoDate,
  })
  .describe('A contract was signed: its value is exposure (signed, not yet billed) until invoiced.');
export type ContractSignedV1 = z.infer<typeof ContractSignedV1>;

export const ContractEventsV1 = {
  ContractSigned: ContractSignedV1,
  MilestoneReached: MilestoneReachedV1,
} as const;
