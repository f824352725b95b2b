import { InstalmentPlanAgreedV1 } from '@ar/contracts';
import { type IncomingEvent, reactionMetadata } from '@ar/messaging';
import type { PoolClient } from 'pg';
import type { InvoiceHandler } from '../invoice/handler';

/**
 * An instalment plan agreed in collections replaces the invoice's due date with its instalments;
 * one the invoice cannot take is refused as an event (`InstalmentPlanRefused`) collections hears,
 * never an error this consumer would stop on.
 */
export async function onInstalmentPlanAgreed(
  client: PoolClient,
  event: IncomingEvent,
  invoices: InvoiceHandler,
) {
  if (event.type !== 'InstalmentPlanAgreed') return;
  const plan = InstalmentPlanAgreedV1.parse(event.data);
  await invoices.execute(
    plan.invoiceId,
    {
      type: 'ApplyAgreedInstalmentPlan',
      data: {
        planId: plan.planId,
        instalments: plan.instalments,
        date: plan.date,
        fees: plan.fees ?? 'INCLUDED',
        feeWaiver: plan.feeWaiver,
        guarantee: plan.guarantee,
      },
    },
    {
      tx: client,
      metadata: reactionMetadata(event),
    },
  );
}
