import type { CreditTier } from '@ar/contracts';
import { DependencyUnavailable, RuleViolation } from '@ar/kernel';

/** What the contract service asks of credit-scoring: the customer's tier, and whether an amount fits. */
export interface CreditPort {
  tierOf(customerId: string): Promise<CreditTier>;
  check(
    customerId: string,
    amount: number,
    currency: string,
  ): Promise<{ approved: boolean; reasons: string[] }>;
}

/**
 * Credit-scoring over its REST API (`CREDIT_SCORING_URL`). A customer credit-scoring does not
 * know cannot be contracted with; an unreachable credit service is a 503, never a blind signature.
 */
export function httpCreditPort(baseUrl: string): CreditPort {
  // biome-ignore lint/suspicious/noExplicitAny: JSON from another service, read field by field below
  async function call(path: string, init?: RequestInit): Promise<any> {
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${path}`, {
        ...init,
        headers: { 'content-type': 'application/json' },
        signal: AbortSignal.timeout(5_000),
      });
    } catch (error) {
      throw new DependencyUnavailable(
        'CREDIT_SCORING_UNAVAILABLE',
        `credit-scoring at ${baseUrl} did not answer: ${(error as Error).message}`,
      );
    }
    if (response.status === 404) {
      throw new RuleViolation(
        'CUSTOMER_UNKNOWN_TO_CREDIT',
        'credit-scoring does not know this customer: register it there first',
        'customerId',
      );
    }
    if (!response.ok) {
      throw new DependencyUnavailable(
        'CREDIT_SCORING_FAILED',
        `credit-scoring answered ${response.status} on ${path}`,
      );
    }
    return response.json();
  }
  return {
    async tierOf(customerId) {
      return (await call(`/customers/${encodeURIComponent(customerId)}/credit`)).tier;
    },
    async check(customerId, amount, currency) {
      const result = await call(`/customers/${encodeURIComponent(customerId)}/credit-checks`, {
        method: 'POST',
        body: JSON.stringify({ amount, currency, purpose: 'CONTRACT' }),
      });
      return {
        approved: result.approved,
        reasons: (result.reasons as { message: string }[]).map((r) => r.message),
      };
    },
  };
}
