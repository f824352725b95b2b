import type { CreditScoreDroppedV1, CreditTierChangedV1 } from '@ar/contracts';
import { type IncomingEvent, reactionMetadata } from '@ar/messaging';
import type { PoolClient } from 'pg';
import { type ContractHandler, signedContracts } from '../contract/handler';

/**
 * Dynamic clauses (DOMAIN.md §2): an early warning tightens the terms of the customer's
 * milestones not yet reached (terms halved); a move to the CAUTIOUS tier asks prepayment.
 */
export async function onCreditEvent(client: PoolClient, event: IncomingEvent, contracts: ContractHandler) {
  let tighten: { customerId: string; cause: string; prepayment: boolean; date: string } | undefined;
  if (event.type === 'CreditScoreDropped') {
    const d = event.data as CreditScoreDroppedV1;
    tighten = {
      customerId: d.customerId,
      cause: `credit score dropped from ${d.previousScore} to ${d.score} (${d.rule})`,
      prepayment: false,
      date: d.date,
    };
  } else if (event.type === 'CreditTierChanged' && (event.data as CreditTierChangedV1).tier === 'CAUTIOUS') {
    const d = event.data as CreditTierChangedV1;
    if (!d.previousTier) return; // drafted CAUTIOUS from the start: the clause library did it
    tighten = {
      customerId: d.customerId,
      cause: `credit tier now CAUTIOUS (${d.reason})`,
      prepayment: true,
      date: d.date,
    };
  }
  if (!tighten) return;
  for (const contractId of await signedContracts(client, tighten.customerId)) {
    await contracts.execute(
      contractId,
      {
        type: 'TightenTerms',
        data: { cause: tighten.cause, prepayment: tighten.prepayment, date: tighten.date },
      },
      {
        tx: client,
        metadata: reactionMetadata(event),
      },
    );
  }
}
