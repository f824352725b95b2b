import type { CreditTier, StoredTermExceptionV1 } from '@ar/contracts';
import { DependencyUnavailable, RuleViolation, StateConflict } from '@ar/kernel';

/** Credit-scoring's answer at signing: approved (and the value reserved), or why not. */
export interface CreditReservation {
  approved: boolean;
  reasons: string[];
  /** The longest payment term the customer's tier allows, in days. */
  paymentTermDays: number;
  /** The customer's tier at signing. */
  tier: CreditTier;
  /** The term exception the signature names, as credit-scoring keeps it for the customer (absent: none). */
  termException?: StoredTermExceptionV1 | undefined;
}

/**
 * What the contract service asks of credit-scoring: the customer's tier; at signing, to reserve
 * the contract's value against the customer's credit (keyed by the contract id, so asking again
 * is the same reservation); and to release it when the signing did not happen after all.
 */
export interface CreditPort {
  tierOf(customerId: string): Promise<CreditTier>;
  reserve(request: {
    customerId: string;
    contractId: string;
    amount: number;
    currency: string;
    prepayment: boolean;
    /** A term exception the signature names: credit-scoring answers it as stored. */
    termExceptionId?: string | undefined;
  }): Promise<CreditReservation>;
  release(customerId: string, contractId: string): Promise<void>;
}

/** A 503 whose `detail` (where, and what failed) the error handler logs and never answers. */
function unavailable(code: string, message: string, detail: string): DependencyUnavailable {
  return Object.assign(new DependencyUnavailable(code, message), { detail });
}

function describeFailure(error: unknown): string {
  const e = error as { message?: string; cause?: { code?: string; message?: string } };
  return [e.message, e.cause?.message].filter(Boolean).join(': ');
}

/**
 * Credit-scoring over its REST API (`CREDIT_SCORING_URL`). A customer credit-scoring does not
 * know cannot be contracted with; an unreachable credit service is a 503, never a blind signature.
 */
export function httpCreditPort(baseUrl: string, serviceToken: () => Promise<string | undefined>): CreditPort {
  // biome-ignore lint/suspicious/noExplicitAny: JSON from another service, read field by field below
  async function call(path: string, init?: RequestInit): Promise<any> {
    let response: Response;
    // The contract service calls as itself (service:contract), never with the person's token.
    const token = await serviceToken();
    try {
      response = await fetch(`${baseUrl}${path}`, {
        ...init,
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        signal: AbortSignal.timeout(5_000),
      });
    } catch (error) {
      // The caller learns what is unavailable; where it is (an internal address) goes to the log only.
      throw unavailable(
        'CREDIT_SCORING_UNAVAILABLE',
        'credit-scoring did not answer the credit check; try again shortly',
        `${init?.method ?? 'GET'} ${baseUrl}${path}: ${describeFailure(error)}`,
      );
    }
    if (response.status === 404) {
      throw new RuleViolation(
        'CUSTOMER_UNKNOWN_TO_CREDIT',
        'credit-scoring does not know this customer: register it there first',
        'customerId',
      );
    }
    if (response.status === 401 || response.status === 403) {
      throw new DependencyUnavailable(
        'CREDIT_SCORING_REFUSED_SERVICE',
        `credit-scoring refused the contract service's token (${response.status}): give it a client with the service:contract role (OIDC_CLIENT_ID/OIDC_CLIENT_SECRET)`,
      );
    }
    if (response.status === 409 || response.status === 422) {
      // Credit-scoring refused (the reservation's id held for another amount, a currency without a
      // rate): the caller's to resolve, not an outage to retry - the same status, in its words.
      const body = (await response.json().catch(() => ({}))) as { error?: unknown; message?: unknown };
      const Refusal = response.status === 409 ? StateConflict : RuleViolation;
      throw new Refusal(
        typeof body.error === 'string' ? body.error : 'CREDIT_SCORING_REFUSED',
        `credit-scoring refused: ${typeof body.message === 'string' ? body.message : `answered ${response.status}`}`,
      );
    }
    if (!response.ok) {
      throw unavailable(
        'CREDIT_SCORING_FAILED',
        `credit-scoring failed the credit check (${response.status}); try again shortly`,
        `${init?.method ?? 'GET'} ${baseUrl}${path} answered ${response.status}`,
      );
    }
    return response.json();
  }
  return {
    async tierOf(customerId) {
      return (await call(`/customers/${encodeURIComponent(customerId)}/credit`)).tier;
    },
    async reserve({ customerId, contractId, amount, currency, prepayment, termExceptionId }) {
      const result = await call(`/customers/${encodeURIComponent(customerId)}/credit-reservations`, {
        method: 'POST',
        body: JSON.stringify({
          reservationId: contractId,
          amount,
          currency,
          purpose: 'CONTRACT',
          prepayment,
          ...(termExceptionId ? { termExceptionId } : {}),
        }),
      });
      return {
        approved: result.approved,
        reasons: (result.reasons as { message: string }[]).map((r) => r.message),
        paymentTermDays: result.paymentTermDays,
        tier: result.tier,
        ...(result.termException ? { termException: result.termException as StoredTermExceptionV1 } : {}),
      };
    },
    async release(customerId, contractId) {
      await call(
        `/customers/${encodeURIComponent(customerId)}/credit-reservations/${encodeURIComponent(contractId)}/release`,
        { method: 'POST', body: '{}' },
      );
    },
  };
}
