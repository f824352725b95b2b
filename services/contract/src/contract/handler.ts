import type { ContractView } from '@ar/contracts';
import { NotFound } from '@ar/kernel';
import { aggregate, type ServiceContext } from '@ar/platform';
import type { InlineProjection, Migration } from '@ar/postgres';
import type { Pool, PoolClient } from 'pg';
import { DEFAULT_CLAUSE_POLICY } from '../clauses/clause-library';
import { contractDecider } from './decider';
import { type Contract, isDrafted } from './state';

export const contractMigrations: Migration[] = [
  {
    id: 'contract-lookup-001',
    sql: `
      create table contracts_by_customer (
        contract_id text primary key,
        customer_id text not null,
        status text not null
      );
      create index contracts_by_customer_customer on contracts_by_customer (customer_id, status);
      create table milestone_invoices (
        invoice_id text primary key,
        contract_id text not null,
        milestone_id text not null
      );
    `,
  },
];

const STATUS: Record<string, string> = {
  ContractDrafted: 'DRAFT',
  ContractSigned: 'SIGNED',
  ContractCompleted: 'COMPLETED',
  ContractTerminated: 'TERMINATED',
};

/** Which contracts a customer has, and in what state: for credit reactions and the daily run. */
export const contractsByCustomer: InlineProjection = {
  name: 'contracts-by-customer',
  async apply(client, _streamId, events) {
    for (const e of events) {
      const status = STATUS[e.type];
      if (!status) continue;
      const d = e.data as { contractId: string; customerId: string };
      await client.query(
        `insert into contracts_by_customer (contract_id, customer_id, status) values ($1, $2, $3)
         on conflict (contract_id) do update set status = excluded.status`,
        [d.contractId, d.customerId, status],
      );
    }
  },
};

export async function signedContracts(db: Pool | PoolClient, customerId?: string): Promise<string[]> {
  const { rows } = await db.query<{ contract_id: string }>(
    `select contract_id from contracts_by_customer
      where status = 'SIGNED' and ($1::text is null or customer_id = $1) order by contract_id`,
    [customerId ?? null],
  );
  return rows.map((r) => r.contract_id);
}

export function contractView(c: Contract, version: number): ContractView {
  const { milestones: _m, ...drafted } = c.drafted;
  return {
    ...drafted,
    status: c.status,
    milestones: c.milestones,
    signedDate: c.signedDate,
    deliveredDate: c.deliveredDate,
    acceptedDate: c.acceptedDate,
    serviceSuspended: c.suspended,
    suspensions: c.suspensions,
    version,
  };
}

export function contractHandler(ctx: ServiceContext) {
  return aggregate(ctx, {
    category: 'contract',
    decider: contractDecider({ calendar: ctx.calendar, clauses: DEFAULT_CLAUSE_POLICY }),
    exists: isDrafted,
    notFound: (id) => new NotFound('CONTRACT_NOT_FOUND', `no contract ${id}`, 'contractId'),
  });
}
export type ContractHandler = ReturnType<typeof contractHandler>;
