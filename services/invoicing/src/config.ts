import { DEFAULT_LATE_FEE_TERMS, type LateFeeTermsV1 } from '@ar/contracts';
import { loadConfig } from '@ar/platform';
import { z } from 'zod';
import type { OverduePolicy } from './invoice/overdue';

const Days = z.coerce.number().int().min(1);
const Bp = z.coerce.number().int().min(0).max(10_000);

/**
 * The tenant's invoicing defaults (DOMAIN.md §3), each overridable by env. The late-fee clause
 * here applies to invoices issued without one of their own.
 */
const InvoicingEnv = z.object({
  OVERDUE_THRESHOLDS: z
    .string()
    .default('1,16,31,61,91')
    .transform((s) => s.split(',').map((d) => Number(d.trim())))
    .pipe(z.array(z.number().int().min(1, 'thresholds are days overdue, 1 or more')).min(1)),
  LATE_FEE_INTEREST_FROM_DAY: Days.default(DEFAULT_LATE_FEE_TERMS.interestFromDay),
  LATE_FEE_DAILY_INTEREST_BP: Bp.default(DEFAULT_LATE_FEE_TERMS.dailyInterestBp),
  LATE_FEE_PENALTY_DAY: Days.default(DEFAULT_LATE_FEE_TERMS.penaltyDay),
  LATE_FEE_PENALTY_BP: Bp.default(DEFAULT_LATE_FEE_TERMS.penaltyBp),
});

export interface InvoicingConfig {
  overduePolicy: OverduePolicy;
  defaultLateFeeTerms: LateFeeTermsV1;
}

export function loadInvoicingConfig(env: NodeJS.ProcessEnv = process.env): InvoicingConfig {
  const c = loadConfig(InvoicingEnv, env);
  return {
    overduePolicy: { overdueThresholds: c.OVERDUE_THRESHOLDS },
    defaultLateFeeTerms: {
      interestFromDay: c.LATE_FEE_INTEREST_FROM_DAY,
      dailyInterestBp: c.LATE_FEE_DAILY_INTEREST_BP,
      penaltyDay: c.LATE_FEE_PENALTY_DAY,
      penaltyBp: c.LATE_FEE_PENALTY_BP,
    },
  };
}
