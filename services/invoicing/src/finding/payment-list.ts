import type { PaymentAppliedV1, PaymentMatchedV1, PaymentReceivedV1 } from '@ar/contracts';
import { applyStatements, type InlineProjection, type InlineStatement, type Migration } from '@ar/postgres';

/**
 * The payments people search (`GET /payments`), kept in the append's own transaction like the
 * open items it replaces in that list (a payment just received is listed at once, as before).
 * The migration fills it from the payments already stored.
 */
export const paymentListMigrations: Migration[] = [
  {
    id: 'invoicing-payment-list-001',
    sql: `
      create table payment_list (
        payment_id text primary key,
        customer_id text,
        status text not null,
        amount bigint not null,
        currency text not null,
        channel text not null,
        reference text,
        received_date date not null
      );
      -- The list is read in (received date, id) order: each filter has an index in that order.
      create index payment_list_by_received on payment_list (received_date, payment_id);
      create index payment_list_by_customer on payment_list (customer_id, received_date, payment_id);
      create index payment_list_by_status on payment_list (status, received_date, payment_id);
      insert into payment_list (payment_id, customer_id, status, amount, currency, channel, reference, received_date)
        select data->>'paymentId', data->>'customerId',
               case when data ? 'customerId' then 'IDENTIFIED' else 'UNIDENTIFIED' end,
               (data->>'amount')::bigint, data->>'currency', data->>'channel', data->>'reference',
               (data->>'receivedDate')::date
          from events where event_type = 'PaymentReceived'
        on conflict do nothing;
      update payment_list l set customer_id = e.data->>'customerId', status = 'IDENTIFIED'
        from events e where e.event_type = 'PaymentMatched' and e.data->>'paymentId' = l.payment_id;
      update payment_list l set customer_id = e.data->>'customerId', status = 'APPLIED'
        from events e where e.event_type = 'PaymentApplied' and e.data->>'paymentId' = l.payment_id;
    `,
  },
];

/** The events the list is written from. */
const LISTED = new Set(['PaymentReceived', 'PaymentMatched', 'PaymentApplied']);

export const paymentListProjection: InlineProjection = {
  name: 'payment-list',
  apply: (client, streamId, events) =>
    applyStatements(client, paymentListProjection.statements!(streamId, events)),
  /** Appends stored together without a payment's events (invoices issued): nothing to write. */
  batchStatements: (appends) =>
    appends.some((a) => a.events.some((e) => LISTED.has(e.type))) ? undefined : [],
  statements(_streamId, events) {
    const out: InlineStatement[] = [];
    for (const event of events) {
      if (event.type === 'PaymentReceived') {
        const p = event.data as PaymentReceivedV1;
        out.push({
          text: `insert into payment_list (payment_id, customer_id, status, amount, currency, channel, reference, received_date)
           values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing`,
          values: [
            p.paymentId,
            p.customerId ?? null,
            p.customerId ? 'IDENTIFIED' : 'UNIDENTIFIED',
            p.amount,
            p.currency,
            p.channel,
            p.reference ?? null,
            p.receivedDate,
          ],
        });
      } else if (event.type === 'PaymentMatched' || event.type === 'PaymentApplied') {
        const p = event.data as PaymentMatchedV1 | PaymentAppliedV1;
        out.push({
          text: 'update payment_list set customer_id = $2, status = $3 where payment_id = $1',
          values: [p.paymentId, p.customerId, event.type === 'PaymentMatched' ? 'IDENTIFIED' : 'APPLIED'],
        });
      }
    }
    return out;
  },
};
