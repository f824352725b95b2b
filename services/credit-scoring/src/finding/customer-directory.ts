import type {
  CreditScoreDroppedV1,
  CreditScoredV1,
  CreditTierChangedV1,
  CustomerRegisteredV1,
} from '@ar/contracts';
import { parseStreamName } from '@ar/kernel';
import type { Migration, OrderedEvent, Projection } from '@ar/postgres';

/**
 * What people search in credit-scoring and what was only in the events before (#15 item 9):
 * the customers with their tier, score and freeze; each customer's scores over time; the early
 * warnings (`CreditScoreDropped`). Rows of one customer are numbered by the position of their
 * event in the customer's stream: the history's keyset.
 */
export const customerDirectoryMigrations: Migration[] = [
  {
    id: 'credit-scoring-customer-directory-001',
    sql: `
      create table customer_list (
        customer_id text primary key,
        name text not null,
        industry text not null,
        region text not null,
        sales_owner text not null,
        registered_on date not null,
        tier text,
        score integer,
        frozen boolean not null default false
      );
      -- The list is read in (name, id) order: each filter has an index in that order.
      create index customer_list_by_name on customer_list (name, customer_id);
      create index customer_list_by_tier on customer_list (tier, name, customer_id);
      create index customer_list_by_industry on customer_list (industry, name, customer_id);
      create index customer_list_by_region on customer_list (region, name, customer_id);
      create table score_history (
        customer_id text not null,
        position integer not null,
        date date not null,
        score integer not null,
        previous_score integer,
        cause text not null,
        primary key (customer_id, position)
      );
      create table early_warnings (
        customer_id text not null,
        position integer not null,
        date date not null,
        score integer not null,
        previous_score integer not null,
        tier text not null,
        rule text not null,
        causes jsonb not null,
        primary key (customer_id, position)
      );
    `,
  },
];

export const customerDirectoryProjection: Projection = {
  name: 'customer-directory',
  tables: ['customer_list', 'score_history', 'early_warnings'],
  async apply(client, events: OrderedEvent[]) {
    for (const event of events) {
      const customerId = parseStreamName(event.streamId).id;
      switch (event.type) {
        case 'CustomerRegistered': {
          const c = event.data as CustomerRegisteredV1;
          await client.query(
            `insert into customer_list (customer_id, name, industry, region, sales_owner, registered_on)
             values ($1, $2, $3, $4, $5, $6) on conflict (customer_id) do nothing`,
            [customerId, c.name, c.industry, c.region, c.salesOwner, c.registeredOn],
          );
          break;
        }
        case 'CreditScored': {
          const s = event.data as CreditScoredV1;
          await client.query('update customer_list set score = $2 where customer_id = $1', [
            customerId,
            s.score,
          ]);
          await client.query(
            `insert into score_history (customer_id, position, date, score, previous_score, cause)
             values ($1, $2, $3, $4, $5, $6) on conflict do nothing`,
            [customerId, event.streamPosition, s.date, s.score, s.previousScore ?? null, s.cause],
          );
          break;
        }
        case 'CreditScoreDropped': {
          const w = event.data as CreditScoreDroppedV1;
          await client.query(
            `insert into early_warnings (customer_id, position, date, score, previous_score, tier, rule, causes)
             values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing`,
            [
              customerId,
              event.streamPosition,
              w.date,
              w.score,
              w.previousScore,
              w.tier,
              w.rule,
              JSON.stringify(w.causes),
            ],
          );
          break;
        }
        case 'CreditTierChanged':
          await client.query('update customer_list set tier = $2 where customer_id = $1', [
            customerId,
            (event.data as CreditTierChangedV1).tier,
          ]);
          break;
        case 'CreditFrozen':
        case 'CreditUnfrozen':
          await client.query('update customer_list set frozen = $2 where customer_id = $1', [
            customerId,
            event.type === 'CreditFrozen',
          ]);
          break;
      }
    }
  },
};
