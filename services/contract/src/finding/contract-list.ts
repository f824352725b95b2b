import type { ContractDraftedV1, ContractSignedV1, ServiceSuspendedV1 } from '@ar/contracts';
import type { Migration, OrderedEvent, Projection } from '@ar/postgres';

/**
 * The contracts people search (`GET /contracts`): one row a contract with its status and whether
 * after-sales service is suspended now (since when). Each suspension's dates are on
 * `GET /contracts/:id` (`suspensions`).
 */
export const contractListMigrations: Migration[] = [
  {
    id: 'contract-list-001',
    sql: `
      create table contract_list (
        contract_id text primary key,
        customer_id text not null,
        title text not null,
        value bigint not null,
        currency text not null,
        status text not null,
        drafted_date date not null,
        signed_date date,
        suspended_since date
      );
      -- The list is read in (drafted date, id) order: each filter has an index in that order.
      create index contract_list_by_drafted on contract_list (drafted_date, contract_id);
      create index contract_list_by_customer on contract_list (customer_id, drafted_date, contract_id);
      create index contract_list_by_status on contract_list (status, drafted_date, contract_id);
      create index contract_list_suspended on contract_list (drafted_date, contract_id) where suspended_since is not null;
    `,
  },
];

const STATUS_OF: Record<string, string> = {
  ContractCompleted: 'COMPLETED',
  ContractTerminated: 'TERMINATED',
};

export const contractListProjection: Projection = {
  name: 'contract-list',
  tables: ['contract_list'],
  async apply(client, events: OrderedEvent[]) {
    for (const event of events) {
      const contractId = (event.data as { contractId: string }).contractId;
      if (event.type === 'ContractDrafted') {
        const c = event.data as ContractDraftedV1;
        await client.query(
          `insert into contract_list (contract_id, customer_id, title, value, currency, status, drafted_date)
           values ($1, $2, $3, $4, $5, 'DRAFT', $6) on conflict (contract_id) do nothing`,
          [c.contractId, c.customerId, c.title, c.value, c.currency, c.draftedDate],
        );
      } else if (event.type === 'ContractSigned') {
        const s = event.data as ContractSignedV1;
        await client.query(
          `update contract_list set status = 'SIGNED', signed_date = $2, value = $3 where contract_id = $1`,
          [contractId, s.signedDate, s.value],
        );
      } else if (STATUS_OF[event.type]) {
        await client.query('update contract_list set status = $2 where contract_id = $1', [
          contractId,
          STATUS_OF[event.type],
        ]);
      } else if (event.type === 'ServiceSuspended') {
        await client.query(
          'update contract_list set suspended_since = coalesce(suspended_since, $2) where contract_id = $1',
          [contractId, (event.data as ServiceSuspendedV1).date],
        );
      } else if (event.type === 'ServiceResumed') {
        await client.query('update contract_list set suspended_since = null where contract_id = $1', [
          contractId,
        ]);
      }
    }
  },
};
