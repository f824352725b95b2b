import type { InstalmentPlanAppliedV1, InvoiceIssuedV1 } from '@ar/contracts';
import type { Migration, OrderedEvent, Projection } from '@ar/postgres';

export const agingMigrations: Migration[] = [
  {
    id: 'aging-001',
    sql: `
      create table aging_invoices (
        invoice_id text primary key,
        customer_id text not null,
        currency text not null,
        amount bigint not null,
        issue_date date not null,
        due_date date not null
      );
      create index aging_invoices_due on aging_invoices (currency, issue_date, due_date);
    `,
  },
  {
    id: 'aging-002',
    sql: `
      create table aging_settlements (
        event_id uuid primary key,
        invoice_id text not null,
        settled_date date not null,
        amount bigint not null
      );
      create index aging_settlements_invoice on aging_settlements (invoice_id, settled_date);
    `,
  },
];

/**
 * Each invoice's settlements summed, with the date of the last one and the date it was settled
 * in full: for any date on or after the last settlement (every report "as of today") the
 * outstanding amount needs no look at the settlements at all. Recomputed from the settlements
 * by this statement (the migration's backfill, and bulk loads).
 */
export const RECOMPUTE_SETTLED_TOTALS = `
  update aging_invoices i
     set settled = s.total, last_settled_date = s.last,
         closed_date = case when s.total >= i.amount then s.last end
    from (select invoice_id, sum(amount) as total, max(settled_date) as last from aging_settlements group by 1) s
   where s.invoice_id = i.invoice_id`;

export const settledTotalsMigrations: Migration[] = [
  {
    id: 'aging-004',
    sql: `
      alter table aging_invoices add column settled bigint not null default 0,
        add column last_settled_date date, add column closed_date date;
      ${RECOMPUTE_SETTLED_TOTALS};
    `,
  },
  {
    // A report reads every invoice issued by its date - nearly all of them - so a sequential
    // scan is the fast plan; this index only lured the planner into a million random reads.
    id: 'aging-005',
    sql: 'drop index aging_invoices_due',
  },
];

export const dimensionMigrations: Migration[] = [
  {
    id: 'aging-003',
    sql: `
      create table customer_dimensions (
        customer_id text primary key,
        name text,
        industry text,
        region text,
        sales_owner text,
        tier text
      );
    `,
  },
];

/**
 * The attributes a customer is reported under, each with the business date it took effect, from
 * the events that set them: industry, region, sales owner and name at registration
 * (`registeredOn`), the tier at each `CreditTierChanged` (`date`). One row per event and attribute;
 * a report as of D reads each customer's latest value effective by D (`attributeAsOf` in
 * query.ts), so a downgrade today leaves last quarter's breakdowns as they were.
 */
export const attributeHistoryMigrations: Migration[] = [
  {
    id: 'aging-006',
    sql: `
      create table customer_attribute_history (
        event_id uuid not null,
        attribute text not null,
        customer_id text not null,
        effective_date date not null,
        value text,
        position bigint not null,
        primary key (event_id, attribute)
      );
      create index customer_attribute_history_as_of
        on customer_attribute_history (customer_id, attribute, effective_date, position);
      -- What reporting already holds: its own copy of every event.
      insert into customer_attribute_history (event_id, attribute, customer_id, effective_date, value, position)
      select e.event_id, a.attribute, e.data->>'customerId', (e.data->>'registeredOn')::date, e.data->>a.field, e.global_position
        from events e cross join (values ('name', 'name'), ('industry', 'industry'), ('region', 'region'),
                                         ('salesOwner', 'salesOwner')) a(attribute, field)
       where e.event_type = 'CustomerRegistered'
      union all
      select e.event_id, 'tier', e.data->>'customerId', (e.data->>'date')::date, e.data->>'tier', e.global_position
        from events e where e.event_type = 'CreditTierChanged';
    `,
  },
];

/** Each attribute an event sets, with the date it takes effect. */
function attributesSetBy(
  event: OrderedEvent,
): { customerId: string; date: string; values: Record<string, string> } | undefined {
  const d = event.data as Record<string, string>;
  if (event.type === 'CustomerRegistered') {
    return {
      customerId: d.customerId!,
      date: d.registeredOn!,
      values: { name: d.name!, industry: d.industry!, region: d.region!, salesOwner: d.salesOwner! },
    };
  }
  if (event.type === 'CreditTierChanged')
    return { customerId: d.customerId!, date: d.date!, values: { tier: d.tier! } };
  return undefined;
}

/** The dimensions aging is broken down by, from credit-scoring's customer events: as they are now, and their history. */
async function applyCustomerDimensions(client: import('pg').PoolClient, event: OrderedEvent) {
  const d = event.data as Record<string, string>;
  if (event.type === 'CustomerRegistered') {
    await client.query(
      `insert into customer_dimensions (customer_id, name, industry, region, sales_owner)
       values ($1, $2, $3, $4, $5)
       on conflict (customer_id) do update set name = excluded.name, industry = excluded.industry,
         region = excluded.region, sales_owner = excluded.sales_owner`,
      [d.customerId, d.name, d.industry, d.region, d.salesOwner],
    );
  } else if (event.type === 'CreditTierChanged') {
    await client.query(
      `insert into customer_dimensions (customer_id, tier) values ($1, $2)
       on conflict (customer_id) do update set tier = excluded.tier`,
      [d.customerId, d.tier],
    );
  }
  const set = attributesSetBy(event);
  if (!set) return;
  for (const [attribute, value] of Object.entries(set.values)) {
    await client.query(
      `insert into customer_attribute_history (event_id, attribute, customer_id, effective_date, value, position)
       values ($1, $2, $3, $4, $5, $6) on conflict do nothing`,
      [event.eventId, attribute, set.customerId, set.date, value, String(event.globalPosition)],
    );
  }
}

/**
 * How a settlement lowered the principal: only `PAYMENT` is cash (the collection rate counts it);
 * a discount, a credit note or a write-off lowers what is owed without money arriving.
 */
export type SettlementKind = 'PAYMENT' | 'DISCOUNT' | 'CREDIT_NOTE' | 'WRITE_OFF';

export const settlementKindMigrations: Migration[] = [
  {
    id: 'aging-007',
    sql: `
      alter table aging_settlements add column kind text not null default 'PAYMENT';
      update aging_settlements s
         set kind = case e.event_type when 'DiscountTaken' then 'DISCOUNT' when 'CreditNoteIssued' then 'CREDIT_NOTE'
                                      when 'InvoiceWrittenOff' then 'WRITE_OFF' else 'PAYMENT' end
        from events e where e.event_id = s.event_id;
      -- Payments' corrected splits (value dating) recorded before aging read them.
      insert into aging_settlements (event_id, invoice_id, settled_date, amount, kind)
      select event_id, data->>'invoiceId', (data->>'paymentDate')::date,
             (data->>'toPrincipal')::bigint - (data->'previous'->>'toPrincipal')::bigint, 'PAYMENT'
        from events
       where event_type = 'PaymentReallocated'
         and (data->>'toPrincipal')::bigint <> (data->'previous'->>'toPrincipal')::bigint
      on conflict do nothing;
      ${RECOMPUTE_SETTLED_TOTALS};
    `,
  },
];

/**
 * Instalment plans (DOMAIN.md §3, issue 14 item 5): a plan replaces an invoice's due date with
 * several, from the day it was agreed. Each instalment's principal is kept with its due date, the
 * running total of the plan's principal up to it and the plan's whole principal, so a report as
 * of D splits what is open among the instalments of the plan in force on D (settlements since the
 * plan cover the earliest first, as invoicing counts them) and ages each from its own date.
 */
export const planMigrations: Migration[] = [
  {
    id: 'aging-008',
    sql: `
      create table aging_plan_instalments (
        event_id uuid not null,
        seq int not null,
        invoice_id text not null,
        agreed_date date not null,
        position bigint not null,
        due_date date not null,
        principal bigint not null,
        cumulative bigint not null,
        plan_total bigint not null,
        primary key (event_id, seq)
      );
      create index aging_plan_instalments_invoice on aging_plan_instalments (invoice_id, agreed_date, position);
      -- Plans reporting already holds: its own copy of every event.
      insert into aging_plan_instalments (event_id, seq, invoice_id, agreed_date, position, due_date, principal,
                                          cumulative, plan_total)
      select e.event_id, i.seq::int, e.data->>'invoiceId', coalesce((e.data->>'agreedDate')::date, e.recorded_at::date),
             e.global_position, (i.value->>'dueDate')::date, coalesce((i.value->>'principal')::bigint, (i.value->>'amount')::bigint),
             sum(coalesce((i.value->>'principal')::bigint, (i.value->>'amount')::bigint)) over (partition by e.event_id order by i.seq),
             sum(coalesce((i.value->>'principal')::bigint, (i.value->>'amount')::bigint)) over (partition by e.event_id)
        from events e cross join lateral jsonb_array_elements(e.data->'instalments') with ordinality i(value, seq)
       where e.event_type = 'InstalmentPlanApplied';
    `,
  },
];

async function applyPlan(client: import('pg').PoolClient, event: OrderedEvent) {
  if (event.type !== 'InstalmentPlanApplied') return;
  const plan = event.data as InstalmentPlanAppliedV1;
  const agreed = plan.agreedDate ?? event.recordedAt.toISOString().slice(0, 10);
  const principals = plan.instalments.map((i) => i.principal ?? i.amount);
  const total = principals.reduce((s, p) => s + p, 0);
  let cumulative = 0;
  for (const [n, instalment] of plan.instalments.entries()) {
    cumulative += principals[n]!;
    await client.query(
      `insert into aging_plan_instalments (event_id, seq, invoice_id, agreed_date, position, due_date, principal,
                                           cumulative, plan_total)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict do nothing`,
      [
        event.eventId,
        n + 1,
        plan.invoiceId,
        agreed,
        String(event.globalPosition),
        instalment.dueDate,
        principals[n],
        cumulative,
        total,
      ],
    );
  }
}

/**
 * What changes an invoice's settled principal, from which business date, and how. A
 * `PaymentReallocated` (value dating: an earlier-dated fact, recorded later, left less in fees on a
 * payment's date) is the difference between its split's principal and the one it corrects, so
 * the payment's principal sums to its latest split, in whatever order the two arrive.
 */
function settlementOf(
  event: OrderedEvent,
): { invoiceId: string; date: string; amount: number; kind: SettlementKind } | undefined {
  const d = event.data as Record<string, unknown> & { invoiceId: string };
  switch (event.type) {
    case 'PaymentAllocated':
      return {
        invoiceId: d.invoiceId,
        date: d.paymentDate as string,
        amount: d.toPrincipal as number,
        kind: 'PAYMENT',
      };
    case 'PaymentReallocated': {
      const previous = d.previous as { toPrincipal: number };
      return {
        invoiceId: d.invoiceId,
        date: d.paymentDate as string,
        amount: (d.toPrincipal as number) - previous.toPrincipal,
        kind: 'PAYMENT',
      };
    }
    case 'DiscountTaken':
      return {
        invoiceId: d.invoiceId,
        date: d.paymentDate as string,
        amount: d.amount as number,
        kind: 'DISCOUNT',
      };
    case 'CreditNoteIssued':
      return {
        invoiceId: d.invoiceId,
        date: d.issueDate as string,
        amount: d.amount as number,
        kind: 'CREDIT_NOTE',
      };
    case 'InvoiceWrittenOff':
      return {
        invoiceId: d.invoiceId,
        date: d.writtenOffDate as string,
        amount: d.principal as number,
        kind: 'WRITE_OFF',
      };
    default:
      return undefined;
  }
}

/**
 * The facts aging needs, per invoice, with their business dates: its amount and due date, and
 * each settlement of principal (payment, discount, credit note, write-off) with its date. The
 * aging "as of D" is then one indexed query (issued by D, less what was settled by D, bucketed by
 * D - due date), not a replay of events per request; a later payment leaves a past date's
 * figures as they were.
 */
export const agingProjection: Projection = {
  name: 'aging',
  tables: [
    'aging_invoices',
    'aging_settlements',
    'customer_dimensions',
    'customer_attribute_history',
    'aging_plan_instalments',
  ],
  async apply(client, events) {
    for (const event of events) {
      await applyCustomerDimensions(client, event);
      await applyPlan(client, event);
      const settlement = settlementOf(event);
      // A reallocation may lower a payment's principal too (a negative difference).
      if (settlement && settlement.amount !== 0) {
        const recorded = await client.query(
          `insert into aging_settlements (event_id, invoice_id, settled_date, amount, kind)
           values ($1, $2, $3, $4, $5) on conflict do nothing`,
          [event.eventId, settlement.invoiceId, settlement.date, settlement.amount, settlement.kind],
        );
        if (recorded.rowCount === 1) {
          await client.query(
            `update aging_invoices
                set settled = settled + $2, last_settled_date = greatest(last_settled_date, $3::date),
                    closed_date = case when settled + $2 >= amount then greatest(last_settled_date, $3::date) end
              where invoice_id = $1`,
            [settlement.invoiceId, settlement.amount, settlement.date],
          );
        }
      }
      if (event.type !== 'InvoiceIssued') continue;
      const invoice = event.data as InvoiceIssuedV1;
      // Settlements may have arrived first (another topic, another partition): count them in.
      await client.query(
        `insert into aging_invoices (invoice_id, customer_id, currency, amount, issue_date, due_date,
                                     settled, last_settled_date, closed_date)
         select $1, $2, $3, $4::bigint, $5::date, $6::date, coalesce(sum(s.amount), 0), max(s.settled_date),
                case when coalesce(sum(s.amount), 0) >= $4::bigint then max(s.settled_date) end
           from aging_settlements s where s.invoice_id = $1
         on conflict (invoice_id) do nothing`,
        [
          invoice.invoiceId,
          invoice.customerId,
          invoice.currency,
          invoice.amount,
          invoice.issueDate,
          invoice.dueDate,
        ],
      );
    }
  },
};
