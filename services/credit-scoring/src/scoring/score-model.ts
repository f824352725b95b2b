import type { CreditTier, ScoreFactorV1 } from '@ar/contracts';
import { daysBetween, type IsoDate } from '@ar/kernel';
import type { CreditPolicy } from '../policy/credit-policy';

/** What the score is computed from: the customer's credit file as it stands. */
export interface ScoringInputs {
  industry: string;
  annualRevenue: number;
  headcount: number;
  creditPoints: number;
  financials: { currentRatio: number; debtRatio: number; receivablesTurnover: number } | undefined;
  openLawsuits: number;
  enforcementRecords: number;
  registrationChanges: IsoDate[];
  keyPersonnelChanges: IsoDate[];
}

export interface Score {
  score: number;
  factors: ScoreFactorV1[];
}

const clamp = (n: number, min: number, max: number) => Math.min(max, Math.max(min, n));

/**
 * The credit score, 0-1000, transparent by construction (DOMAIN.md §1): three weighted
 * dimensions (industry risk, company scale, credit history with us), then additive
 * adjustments for financial indicators and legal, registration and personnel signals. Every
 * contribution is a factor, so the factors add up to the score (before the 0-1000 clamp, which
 * is a factor of its own when it bites).
 */
export function scoreCustomer(inputs: ScoringInputs, on: IsoDate, policy: CreditPolicy): Score {
  const { weights, adjustments: a } = policy;
  const factors: ScoreFactorV1[] = [];
  const add = (factor: string, points: number, detail: string) => {
    if (points !== 0) factors.push({ factor, points: Math.round(points * 100) / 100, detail });
  };

  const industry = policy.industryRisk[inputs.industry] ?? 0;
  add(
    'industry',
    industry * weights.industry,
    `${inputs.industry} risk ${industry} x weight ${weights.industry}`,
  );

  const band = policy.revenueBands.find((b) => inputs.annualRevenue >= b.from) ?? { score: 0, from: 0 };
  const bonus = inputs.headcount >= policy.headcountBonus.from ? policy.headcountBonus.points : 0;
  const scale = clamp(band.score + bonus, 0, 1000);
  add(
    'scale',
    scale * weights.scale,
    `revenue band from ${band.from}: ${band.score}${bonus ? ` + ${bonus} for ${inputs.headcount} staff` : ''} x weight ${weights.scale}`,
  );

  const history = clamp(policy.historyBase + inputs.creditPoints, 0, 1000);
  add(
    'credit-history',
    history * weights.history,
    `base ${policy.historyBase} ${inputs.creditPoints >= 0 ? '+' : '-'} ${Math.abs(inputs.creditPoints)} credit points = ${history} x weight ${weights.history}`,
  );

  const f = inputs.financials;
  if (f) {
    if (f.currentRatio < 1)
      add('current-ratio', a.currentRatioBelow1, `current ratio ${f.currentRatio} below 1`);
    if (f.currentRatio >= 2)
      add('current-ratio', a.currentRatioAtLeast2, `current ratio ${f.currentRatio} of 2 or more`);
    if (f.debtRatio > 0.7) add('debt-ratio', a.debtRatioAbove70, `debt ratio ${f.debtRatio} above 0.7`);
    if (f.receivablesTurnover < 4) {
      add(
        'receivables-turnover',
        a.receivablesTurnoverBelow4,
        `receivables turnover ${f.receivablesTurnover} below 4`,
      );
    }
  }
  add('open-lawsuits', inputs.openLawsuits * a.perOpenLawsuit, `${inputs.openLawsuits} open lawsuit(s)`);
  add(
    'enforcement-records',
    inputs.enforcementRecords * a.perEnforcementRecord,
    `${inputs.enforcementRecords} enforcement record(s)`,
  );
  const recent = (dates: IsoDate[]) =>
    dates.filter((d) => daysBetween(d, on) >= 0 && daysBetween(d, on) <= a.recentChangeDays).length;
  const registration = recent(inputs.registrationChanges);
  add(
    'registration-changes',
    registration * a.perRecentRegistrationChange,
    `${registration} registration change(s) in ${a.recentChangeDays} days`,
  );
  const personnel = recent(inputs.keyPersonnelChanges);
  add(
    'key-personnel-changes',
    personnel * a.perRecentKeyPersonnelChange,
    `${personnel} key-personnel change(s) in ${a.recentChangeDays} days`,
  );

  const raw = Math.round(factors.reduce((sum, x) => sum + x.points, 0));
  const score = clamp(raw, 0, 1000);
  if (score !== raw) add('bounds', score - raw, 'scores are kept within 0-1000');
  return { score, factors };
}

/** The tier a score and a customer's value to us earn, before any person's override. */
export function tierFor(score: number, expectedAnnualValue: number, policy: CreditPolicy): CreditTier {
  const { strategic, cooperative } = policy.tiers;
  if (score >= strategic.minScore && expectedAnnualValue >= strategic.minAnnualValue) return 'STRATEGIC';
  if (score >= cooperative.minScore) return 'COOPERATIVE';
  return 'CAUTIOUS';
}

/** The lowest score a tier keeps: falling below it is an early warning. */
export function tierThreshold(tier: CreditTier, policy: CreditPolicy): number {
  if (tier === 'STRATEGIC') return policy.tiers.strategic.minScore;
  if (tier === 'COOPERATIVE') return policy.tiers.cooperative.minScore;
  return 0;
}
