import { parseStreamName } from '@ar/kernel';
import type { Migration, OrderedEvent, Projection } from '@ar/postgres';
import type { Pool } from 'pg';
import { DELIVERY_STATUS } from '../delivery/decider';

export const worklistMigrations: Migration[] = [
  {
    id: 'collections-worklist-001',
    sql: `
      create table worklist (
        invoice_id text primary key,
        customer_id text not null,
        currency text not null,
        open_amount bigint not null,
        due_date date not null,
        owner_role text not null,
        strategy text,
        debtor_type text,
        last_action text,
        next_step text,
        status text not null
      );
      create index worklist_open on worklist (status, owner_role);
      create table delivered_messages (
        message_id text primary key,
        invoice_id text not null,
        customer_id text not null,
        kind text not null,
        channel text not null,
        text text not null,
        sent_date date not null
      );
    `,
  },
  {
    // The instant each message went out: the archive says when it was sent, not only which day.
    id: 'collections-worklist-002',
    sql: 'alter table delivered_messages add column sent_at timestamptz',
  },
  {
    // What a person must see to before the case goes on, e.g. a message that could not be delivered.
    id: 'collections-worklist-003',
    sql: 'alter table worklist add column if not exists attention text',
  },
];

type D = Record<string, unknown> & { invoiceId: string };

/** The people's worklist of open cases: owner, strategy, last action, open amount. */
export const worklistProjection: Projection = {
  name: 'worklist',
  tables: ['worklist'],
  async apply(client, events: OrderedEvent[]) {
    for (const e of events) {
      const d = e.data as D;
      switch (e.type) {
        case 'CaseOpened':
          await client.query(
            `insert into worklist (invoice_id, customer_id, currency, open_amount, due_date, owner_role, status)
             values ($1, $2, $3, $4, $5, 'SALES', 'OPEN') on conflict (invoice_id) do nothing`,
            [d.invoiceId, d.customerId, d.currency, d.amount, d.dueDate],
          );
          break;
        case 'CaseEscalated':
          await client.query('update worklist set owner_role = $2 where invoice_id = $1', [
            d.invoiceId,
            d.ownerRole,
          ]);
          break;
        case 'CaseEscalationWithdrawn':
          // Value dating: the owner goes back to the highest rung still reached.
          if (d.ownerRole)
            await client.query('update worklist set owner_role = $2 where invoice_id = $1', [
              d.invoiceId,
              d.ownerRole,
            ]);
          break;
        case 'InvoicePaymentReallocated':
          // A payment re-split by value dating: the principal it cleared changes by the difference.
          await client.query(
            'update worklist set open_amount = greatest(open_amount - ($2::bigint - $3::bigint), 0) where invoice_id = $1',
            [parseStreamName(e.streamId).id, d.toPrincipal, d.previousToPrincipal],
          );
          break;
        case 'StrategyChosen':
          await client.query('update worklist set strategy = $2, debtor_type = $3 where invoice_id = $1', [
            d.invoiceId,
            d.strategy,
            d.debtorType,
          ]);
          break;
        case 'InvoicePaymentNoted':
          await client.query(
            'update worklist set open_amount = greatest(open_amount - $2, 0) where invoice_id = $1',
            [parseStreamName(e.streamId).id, d.toPrincipal],
          );
          break;
        case 'CollectionActionRecorded':
          await client.query('update worklist set last_action = $2, next_step = $3 where invoice_id = $1', [
            d.invoiceId,
            `${d.date} ${d.kind} by ${d.by}: ${d.note}`,
            d.nextStep ?? null,
          ]);
          break;
        case 'InvoiceCreditNoted':
          await client.query(
            'update worklist set open_amount = greatest(open_amount - $2, 0) where invoice_id = $1',
            [parseStreamName(e.streamId).id, d.amount],
          );
          break;
        case 'InstalmentPlanNoted':
          // Under a plan kept, the case needs nobody; a broken plan puts it back on the worklist,
          // due from the missed instalment and owned again from the first rung.
          await client.query(
            `update worklist set status = 'PLAN' where invoice_id = $1 and status = 'OPEN'`,
            [d.invoiceId],
          );
          break;
        case 'InstalmentPlanBroken':
          await client.query(
            `update worklist set status = 'OPEN', due_date = $2 where invoice_id = $1 and status = 'PLAN'`,
            [d.invoiceId, d.dueDate],
          );
          break;
        case 'InstalmentPlanBrokenWithdrawn':
        case 'InstalmentPlanResumed':
          // Value dating: the instalment was met after all; or the customer caught up in time
          // (#14 item 2): the case needs nobody again.
          await client.query(
            `update worklist set status = 'PLAN' where invoice_id = $1 and status = 'OPEN'`,
            [d.invoiceId],
          );
          break;
        case 'CaseClosed':
          await client.query(`update worklist set status = 'CLOSED' where invoice_id = $1`, [d.invoiceId]);
          break;
        case 'MessageDeliveryFailed':
          // A message that did not reach the customer needs a person (issue 18).
          await client.query('update worklist set attention = $2 where invoice_id = $1', [
            d.invoiceId,
            `${d.kind} ${d.messageId} not delivered (${d.reason}): ${d.answer}`,
          ]);
          break;
        case 'MessageDeliveryDeferred':
          // Still retried after DELIVERY_MAX_ATTEMPTS tries (#18 F8): a person is told, retrying goes on.
          if (d.attention)
            await client.query('update worklist set attention = $2 where invoice_id = $1', [
              d.invoiceId,
              `${d.kind} ${d.messageId} deferred (still retrying after ${d.attempt} attempts): ${d.answer}`,
            ]);
          break;
        case 'MessageDelivered':
          await client.query('update worklist set attention = null where invoice_id = $1', [d.invoiceId]);
          break;
      }
    }
  },
};

/**
 * The message archive (`delivered_messages`): each message a case decided (`ReminderSent`) with its
 * text, channel and the day and instant it was generated, and what its delivery (`delivery/`) made
 * of it - the status, and the instant and business day it was really sent, null until it is (#14
 * item 8: a message deferred by the contact limit or a quiet day is not archived as sent).
 */
export const messageDispatch: Projection = {
  name: 'message-dispatch',
  tables: ['delivered_messages'],
  async apply(client, events: OrderedEvent[]) {
    for (const e of events) {
      const d = e.data as D;
      if (e.type === 'ReminderSent') {
        // Decided and queued, not yet sent (#14 item 8): its delivery says when it goes.
        await client.query(
          `insert into delivered_messages (message_id, invoice_id, customer_id, kind, channel, text, sent_date, sent_at, status)
           values ($1, $2, $3, $4, $5, $6, $7, $8, 'QUEUED') on conflict do nothing`,
          [d.messageId, d.invoiceId, d.customerId, d.kind, d.channel, d.text, d.sentDate, d.sentAt ?? null],
        );
        continue;
      }
      const status = (DELIVERY_STATUS as Record<string, string | undefined>)[e.type];
      if (!status) continue;
      // The day it was really sent is the business day of its instant (formatted with the business offset).
      const at = e.type === 'MessageDelivered' ? String(d.at) : null;
      await client.query(
        `update delivered_messages set status = $2,
                delivered_at = coalesce($3::timestamptz, delivered_at), delivered_on = coalesce($4::date, delivered_on)
          where message_id = $1 and status is distinct from 'DELIVERED'`,
        [d.messageId, status, at, at?.slice(0, 10) ?? null],
      );
    }
  },
};

const RISK: Record<string, number> = { CAUTIOUS: 3, COOPERATIVE: 2, STRATEGIC: 1 };

/** Open cases ranked by amount x days overdue x risk (tier: CAUTIOUS 3, COOPERATIVE 2, STRATEGIC 1). */
export async function worklistAsOf(pool: Pool, today: string, ownerRole?: string) {
  const { rows } = await pool.query(
    `select w.invoice_id as "invoiceId", w.customer_id as "customerId", w.currency,
            w.open_amount::bigint::float8 as "openAmount", to_char(w.due_date, 'YYYY-MM-DD') as "dueDate",
            ($1::date - w.due_date) as "daysOverdue", w.owner_role as "ownerRole", w.strategy,
            w.debtor_type as "debtorType", coalesce(c.tier, 'COOPERATIVE') as tier,
            w.last_action as "lastAction", w.next_step as "nextStep", w.attention
       from worklist w left join customers c using (customer_id)
      where w.status = 'OPEN' and ($2::text is null or w.owner_role = $2)`,
    [today, ownerRole ?? null],
  );
  return rows
    .map((r) => ({ ...r, priority: r.openAmount * Math.max(r.daysOverdue, 0) * (RISK[r.tier] ?? 2) }))
    .sort((a, b) => b.priority - a.priority);
}
