import type { InvoiceIssuedV1, InvoicePaidV1 } from '@ar/contracts';
import { type IncomingEvent, reactionMetadata } from '@ar/messaging';
import type { PoolClient } from 'pg';
import type { ContractHandler } from '../contract/handler';

/** Invoicing says a milestone's invoice was issued or paid: the contract keeps track (suspension, completion). */
export async function onMilestoneInvoice(
  client: PoolClient,
  event: IncomingEvent,
  contracts: ContractHandler,
) {
  let update:
    | {
        contractId: string;
        milestoneId: string;
        invoiceId: string;
        status: 'INVOICED' | 'PAID';
        date: string;
      }
    | undefined;
  if (event.type === 'InvoiceIssued') {
    const d = event.data as InvoiceIssuedV1;
    if (!d.contractId || !d.milestoneId) return;
    await client.query(
      'insert into milestone_invoices (invoice_id, contract_id, milestone_id) values ($1, $2, $3) on conflict do nothing',
      [d.invoiceId, d.contractId, d.milestoneId],
    );
    update = {
      contractId: d.contractId,
      milestoneId: d.milestoneId,
      invoiceId: d.invoiceId,
      status: 'INVOICED',
      date: d.issueDate,
    };
  } else if (event.type === 'InvoicePaid') {
    const d = event.data as InvoicePaidV1;
    const { rows } = await client.query<{ contract_id: string; milestone_id: string }>(
      'select contract_id, milestone_id from milestone_invoices where invoice_id = $1',
      [d.invoiceId],
    );
    if (!rows[0]) return;
    update = {
      contractId: rows[0].contract_id,
      milestoneId: rows[0].milestone_id,
      invoiceId: d.invoiceId,
      status: 'PAID',
      date: d.paidDate,
    };
  }
  if (!update) return;
  const { contractId, ...data } = update;
  const { state } = await contracts.load(contractId, client);
  if (state.status === 'NONE') return;
  await contracts.execute(
    contractId,
    { type: 'RecordMilestoneInvoice', data },
    {
      tx: client,
      metadata: reactionMetadata(event),
    },
  );
}
