import type { CreditTier } from '@ar/contracts';
import { z } from 'zod';

/**
 * Every number of the credit rules (DOMAIN.md §1), as the tenant's configuration. These are the
 * defaults; `CREDIT_POLICY_JSON` overrides any top-level key.
 */
export interface CreditPolicy {
  /** The currency limits are kept in. */
  currency: string;
  /**
   * Exchange rates into `currency`, as exact decimals: `{ "USD": "7.2" }` means 1 USD = 7.2 CNY.
   * Exposure and requests in a currency with no rate are refused, naming the currency.
   */
  fxRates: Record<string, string>;
  /**
   * How long a credit reservation made at signing holds the contract's value before the
   * contract's ContractSigned arrives (or it is released); after that it no longer counts.
   */
  reservationExpirySeconds: number;
  /** Risk of each industry, 0 (worst) - 1000 (best); the codes a customer may have. */
  industryRisk: Record<string, number>;
  /** Annual revenue (minor units) from which a scale score applies, highest first. */
  revenueBands: { from: number; score: number }[];
  /** Headcount from which points are added to the scale score. */
  headcountBonus: { from: number; points: number };
  /** Where the credit-history dimension starts before any behaviour. */
  historyBase: number;
  weights: { industry: number; scale: number; history: number };
  /** Adjustments from financial indicators and legal, registration and personnel signals. */
  adjustments: {
    currentRatioBelow1: number;
    currentRatioAtLeast2: number;
    debtRatioAbove70: number;
    receivablesTurnoverBelow4: number;
    perOpenLawsuit: number;
    perEnforcementRecord: number;
    /** Per registration / key-personnel change within `recentChangeDays` of the scoring day. */
    perRecentRegistrationChange: number;
    perRecentKeyPersonnelChange: number;
    recentChangeDays: number;
  };
  /** Credit points of payment behaviour. Overdue points are per threshold crossed. */
  points: {
    paidEarly: number;
    paidOnTime: number;
    overdueByThreshold: Record<string, number>;
    promiseBroken: number;
    writtenOff: number;
  };
  tiers: {
    /** STRATEGIC: low risk and high value. */
    strategic: { minScore: number; minAnnualValue: number };
    cooperative: { minScore: number };
  };
  terms: Record<CreditTier, { paymentTermDays: number; limit: number }>;
  earlyWarning: {
    /** A drop of MORE than this many points, from one score to the next, is an early warning. */
    maxDrop: number;
    /** Whether the tier and limit follow the score at an early warning (default yes). */
    reTier: boolean;
  };
}

export const DEFAULT_CREDIT_POLICY: CreditPolicy = {
  currency: 'CNY',
  fxRates: {},
  reservationExpirySeconds: 3600,
  industryRisk: {
    AGRICULTURE: 500,
    CONSTRUCTION: 400,
    EDUCATION: 700,
    ENERGY: 600,
    FINANCE: 650,
    GOVERNMENT: 800,
    HEALTHCARE: 700,
    LOGISTICS: 550,
    MANUFACTURING: 600,
    REAL_ESTATE: 350,
    RETAIL: 550,
    TECHNOLOGY: 650,
  },
  revenueBands: [
    { from: 100_000_000_000, score: 900 }, // 1 billion
    { from: 10_000_000_000, score: 700 }, // 100 million
    { from: 1_000_000_000, score: 500 }, // 10 million
    { from: 0, score: 300 },
  ],
  headcountBonus: { from: 1000, points: 50 },
  historyBase: 700,
  weights: { industry: 0.3, scale: 0.3, history: 0.4 },
  adjustments: {
    currentRatioBelow1: -50,
    currentRatioAtLeast2: 30,
    debtRatioAbove70: -60,
    receivablesTurnoverBelow4: -20,
    perOpenLawsuit: -40,
    perEnforcementRecord: -100,
    perRecentRegistrationChange: -10,
    perRecentKeyPersonnelChange: -20,
    recentChangeDays: 365,
  },
  points: {
    paidEarly: 10,
    paidOnTime: 5,
    overdueByThreshold: { '1': -20, '16': -60, '31': -120, '61': -200, '91': -300 },
    promiseBroken: -80,
    writtenOff: -300,
  },
  tiers: {
    strategic: { minScore: 750, minAnnualValue: 500_000_000 }, // 5 million a year
    cooperative: { minScore: 550 },
  },
  terms: {
    STRATEGIC: { paymentTermDays: 30, limit: 500_000_000 },
    COOPERATIVE: { paymentTermDays: 15, limit: 100_000_000 },
    CAUTIOUS: { paymentTermDays: 0, limit: 0 },
  },
  earlyWarning: { maxDrop: 100, reTier: true },
};

const Overrides = z.record(z.string(), z.unknown());
const FxRates = z.record(
  z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code'),
  z.string().regex(/^\d{1,9}(\.\d{1,9})?$/, 'a decimal rate as a string, e.g. "7.2"'),
);

export function loadCreditPolicy(env: NodeJS.ProcessEnv = process.env): CreditPolicy {
  const raw = env.CREDIT_POLICY_JSON;
  if (!raw) return DEFAULT_CREDIT_POLICY;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new Error(`CREDIT_POLICY_JSON: not JSON: ${(error as Error).message}`);
  }
  const overrides = Overrides.parse(parsed);
  const unknown = Object.keys(overrides).filter((k) => !(k in DEFAULT_CREDIT_POLICY));
  if (unknown.length > 0) throw new Error(`CREDIT_POLICY_JSON: unknown keys ${unknown.join(', ')}`);
  const policy = { ...DEFAULT_CREDIT_POLICY, ...(overrides as Partial<CreditPolicy>) };
  const rates = FxRates.safeParse(policy.fxRates);
  if (!rates.success) {
    throw new Error(
      `CREDIT_POLICY_JSON: fxRates: ${rates.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
    );
  }
  return policy;
}
