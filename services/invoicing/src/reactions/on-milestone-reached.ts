import { type MilestoneReachedV1, MilestoneReachedV1 as Schema } from '@ar/contracts';
import { type IncomingEvent, reactionMetadata } from '@ar/messaging';
import type { PoolClient } from 'pg';
import type { InvoicingConfig } from '../config';
import type { InvoiceHandler } from '../invoice/handler';

/** One invoice per milestone, with an id derived from it, so a redelivery issues nothing new. */
export const milestoneInvoiceId = (m: Pick<MilestoneReachedV1, 'contractId' | 'milestoneId'>) =>
  `${m.contractId}:${m.milestoneId}`.slice(0, 64);

/**
 * When contract says a billing milestone was reached, invoicing issues its invoice: the amount
 * the milestone releases, due on the date its payment term gives, under the contract's clauses.
 */
export async function onMilestoneReached(
  client: PoolClient,
  event: IncomingEvent,
  invoices: InvoiceHandler,
  config: InvoicingConfig,
) {
  if (event.type !== 'MilestoneReached') return;
  const milestone = Schema.parse(event.data);
  await invoices.execute(
    milestoneInvoiceId(milestone),
    {
      type: 'IssueInvoice',
      data: {
        invoiceId: milestoneInvoiceId(milestone),
        customerId: milestone.customerId,
        amount: milestone.amount,
        currency: milestone.currency,
        issueDate: milestone.reachedDate,
        dueDate: milestone.dueDate,
        contractId: milestone.contractId,
        milestoneId: milestone.milestoneId,
        lateFeeTerms: milestone.lateFeeTerms ?? config.defaultLateFeeTerms,
        ...(milestone.discountTerms ? { discountTerms: milestone.discountTerms } : {}),
      },
    },
    {
      tx: client,
      metadata: reactionMetadata(event),
    },
  );
}
