import { z } from 'zod';

/** Basis points: 1 bp = 0.01%. 0.1% a day = 10 bp; 2% = 200 bp. */
export const BasisPoints = z.number().int().min(0).max(10_000);

/**
 * The contract's late-payment clause as the invoice carries it (DOMAIN.md §2, defaults):
 * interest of 0.1% of the unpaid amount per day from day 16 overdue, a one-off 2% penalty on day 31.
 */
export const LateFeeTermsV1 = z
  .object({
    interestFromDay: z.number().int().min(1).describe('first overdue day that bears interest'),
    dailyInterestBp: BasisPoints.describe('interest per overdue day, in basis points of the unpaid amount'),
    penaltyDay: z.number().int().min(1).describe('overdue day on which the one-off penalty is charged'),
    penaltyBp: BasisPoints.describe('one-off penalty, in basis points of the unpaid amount'),
  })
  .strict();
export type LateFeeTermsV1 = z.infer<typeof LateFeeTermsV1>;

export const DEFAULT_LATE_FEE_TERMS: LateFeeTermsV1 = {
  interestFromDay: 16,
  dailyInterestBp: 10,
  penaltyDay: 31,
  penaltyBp: 200,
};

/** Early-payment discount, e.g. 2/10 net 30: 2% off when settled within 10 days of issue. */
export const DiscountTermsV1 = z
  .object({
    rateBp: BasisPoints.describe('discount in basis points of the invoice amount'),
    withinDays: z.number().int().min(0).describe('calendar days after the issue date, inclusive'),
  })
  .strict();
export type DiscountTermsV1 = z.infer<typeof DiscountTermsV1>;
