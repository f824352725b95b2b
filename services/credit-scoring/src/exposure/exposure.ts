import type { Migration } from '@ar/postgres';
import type { Pool, PoolClient } from 'pg';
import type { Exposure } from '../credit-check/credit-check';

export const exposureMigrations: Migration[] = [
  {
    id: 'credit-exposure-001',
    sql: `
      create table customer_exposure (
        customer_id text not null,
        currency text not null,
        open_receivables bigint not null default 0,
        unbilled_contracts bigint not null default 0,
        primary key (customer_id, currency)
      );
    `,
  },
];

type Change = { customerId: string; currency: string; open: number; unbilled: number };
type Data = Record<string, unknown> & { customerId: string; currency: string };

/**
 * How other services' events move a customer's exposure (DOMAIN.md §1): open receivables (the
 * principal of issued, unsettled invoices) plus signed contract value not yet invoiced. An
 * invoice for a contract's milestone moves that amount from unbilled to open. Fees are not exposure.
 */
export function exposureChange(type: string, d: Data): Change | undefined {
  const change = (open: number, unbilled = 0) => ({
    customerId: d.customerId,
    currency: d.currency,
    open,
    unbilled,
  });
  switch (type) {
    case 'ContractSigned':
      return change(0, d.value as number);
    case 'InvoiceIssued':
      return change(d.amount as number, d.contractId ? -(d.amount as number) : 0);
    case 'PaymentAllocated':
      return change(-(d.toPrincipal as number));
    case 'DiscountTaken':
    case 'CreditNoteIssued':
      return change(-(d.amount as number));
    case 'InvoiceWrittenOff':
      return change(-(d.principal as number));
    default:
      return undefined;
  }
}

export async function applyExposureChange(client: PoolClient, type: string, data: object): Promise<void> {
  const change = exposureChange(type, data as Data);
  if (!change || (change.open === 0 && change.unbilled === 0)) return;
  await client.query(
    `insert into customer_exposure (customer_id, currency, open_receivables, unbilled_contracts)
     values ($1, $2, greatest($3::bigint, 0), greatest($4::bigint, 0))
     on conflict (customer_id, currency) do update set
       open_receivables = greatest(customer_exposure.open_receivables + $3, 0),
       unbilled_contracts = greatest(customer_exposure.unbilled_contracts + $4, 0)`,
    [change.customerId, change.currency, change.open, change.unbilled],
  );
}

export async function exposureOf(
  db: Pool | PoolClient,
  customerId: string,
  currency: string,
): Promise<Exposure> {
  const { rows } = await db.query<{ open_receivables: string; unbilled_contracts: string }>(
    'select open_receivables, unbilled_contracts from customer_exposure where customer_id = $1 and currency = $2',
    [customerId, currency],
  );
  return {
    openReceivables: Number(rows[0]?.open_receivables ?? 0),
    unbilledContracts: Number(rows[0]?.unbilled_contracts ?? 0),
  };
}
