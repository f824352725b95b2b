import {
  type ContractClausesV1,
  type CreditTier,
  DEFAULT_LATE_FEE_TERMS,
  type DiscountTermsV1,
  type MilestoneV1,
} from '@ar/contracts';

/**
 * The clause library (DOMAIN.md §2): the terms a contract gets for the customer's credit tier.
 * STRATEGIC: flexible terms as negotiated, plus a guarantee (credit enhancement).
 * COOPERATIVE: the standard terms as negotiated.
 * CAUTIOUS: prepayment - every milestone falls due on signing, before anything is delivered -
 * and retention of title until paid.
 * Every tier gets the late-payment clause, the dispute venue and the service-suspension clause.
 */
export interface ClausePolicy {
  lateFee: ContractClausesV1['lateFee'];
  disputeVenue: string;
  serviceSuspensionDays: number;
}

export const DEFAULT_CLAUSE_POLICY: ClausePolicy = {
  lateFee: DEFAULT_LATE_FEE_TERMS,
  disputeVenue: "the people's court where the seller is domiciled",
  serviceSuspensionDays: 10,
};

export function applyClauseLibrary(
  tier: CreditTier,
  milestones: MilestoneV1[],
  policy: ClausePolicy,
  discount?: DiscountTermsV1,
): { clauses: ContractClausesV1; milestones: MilestoneV1[] } {
  const clauses: ContractClausesV1 = {
    lateFee: policy.lateFee,
    disputeVenue: policy.disputeVenue,
    serviceSuspensionDays: policy.serviceSuspensionDays,
    prepayment: tier === 'CAUTIOUS',
    retentionOfTitle: tier === 'CAUTIOUS',
    creditEnhancement: tier === 'STRATEGIC' ? 'GUARANTEE' : 'NONE',
    ...(discount ? { discount } : {}),
  };
  if (tier !== 'CAUTIOUS') return { clauses, milestones };
  return {
    clauses,
    milestones: milestones.map(({ date: _d, afterDays: _a, ...m }) => ({
      ...m,
      trigger: 'SIGNING',
      term: { days: 0, basis: 'WORKING' },
    })),
  };
}
