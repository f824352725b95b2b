import { type MilestoneReachedV1, MilestoneReachedV1 as Schema } from '@ar/contracts';
import { digestId, MAX_ID_LENGTH } from '@ar/kernel';
import { type IncomingEvent, reactionMetadata } from '@ar/messaging';
import type { PoolClient } from 'pg';
import type { InvoicingConfig } from '../config';
import type { InvoiceHandler } from '../invoice/handler';
import { isIssued } from '../invoice/state';

type MilestoneRef = Pick<MilestoneReachedV1, 'contractId' | 'milestoneId'>;

/**
 * One invoice per milestone, with an id derived from it, so a redelivery issues nothing new.
 * `contract:milestone` when it fits in an id (64 characters) and the contract id has no colon
 * of its own, so it splits back one way only; otherwise `MS-` and 48 hex digits of the SHA-256
 * of both ids (never a colon, so never one of the readable ids). Cutting the readable form short
 * made two milestones of a UUID contract share one invoice, the second never billed.
 */
export function milestoneInvoiceId(m: MilestoneRef): string {
  const readable = `${m.contractId}:${m.milestoneId}`;
  if (readable.length <= MAX_ID_LENGTH && !m.contractId.includes(':')) return readable;
  return digestId('MS-', [m.contractId, m.milestoneId], 48);
}

/** The id milestones were billed under before: kept so a redelivery of an old milestone bills nothing. */
export const legacyMilestoneInvoiceId = (m: MilestoneRef) => `${m.contractId}:${m.milestoneId}`.slice(0, 64);

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
  const legacyId = legacyMilestoneInvoiceId(milestone);
  if (legacyId !== milestoneInvoiceId(milestone)) {
    const { state } = await invoices.load(legacyId, client);
    const billed =
      isIssued(state) &&
      state.issued.contractId === milestone.contractId &&
      state.issued.milestoneId === milestone.milestoneId;
    if (billed) return;
  }
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
        ...(milestone.prepayment ? { prepayment: true as const } : {}),
      },
    },
    {
      tx: client,
      metadata: reactionMetadata(event),
    },
  );
}
