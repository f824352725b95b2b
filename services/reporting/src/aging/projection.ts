import type { InstalmentPlanAppliedV1, InstalmentPlanRevisedV1, InvoiceIssuedV1 } from '@ar/contracts';
import type { BusinessCalendar } from '@ar/kernel';
import type { Migration, OrderedEvent, Projection } from '@ar/postgres';
import { cellScopesOf, moveCells, RECOMPUTE_AGING_CELLS_SQL } from './cells';

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

/**
 * The dimensions aging is broken down by, from credit-scoring's customer events: as they are now
 * (each customer's latest registration and latest tier in the batch, one statement each - they
 * set different columns) and their history (every attribute each event set, one statement).
 */
async function applyCustomerDimensions(client: import('pg').PoolClient, events: OrderedEvent[]) {
  const registered = new Map<string, Record<string, string>>();
  const tiers = new Map<string, string>();
  const history: {
    eventId: string;
    attribute: string;
    customerId: string;
    date: string;
    value: string;
    position: string;
  }[] = [];
  for (const event of events) {
    const d = event.data as Record<string, string>;
    if (event.type === 'CustomerRegistered') registered.set(d.customerId!, d);
    else if (event.type === 'CreditTierChanged') tiers.set(d.customerId!, d.tier!);
    const set = attributesSetBy(event);
    if (!set) continue;
    for (const [attribute, value] of Object.entries(set.values))
      history.push({
        eventId: event.eventId,
        attribute,
        customerId: set.customerId,
        date: set.date,
        value,
        position: String(event.globalPosition),
      });
  }
  if (registered.size > 0) {
    const rows = [...registered.values()];
    await client.query({
      text: `insert into customer_dimensions (customer_id, name, industry, region, sales_owner)
             select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
             on conflict (customer_id) do update set name = excluded.name, industry = excluded.industry,
               region = excluded.region, sales_owner = excluded.sales_owner`,
      values: [
        rows.map((d) => d.customerId),
        rows.map((d) => d.name),
        rows.map((d) => d.industry),
        rows.map((d) => d.region),
        rows.map((d) => d.salesOwner),
      ],
    });
  }
  if (tiers.size > 0) {
    await client.query({
      text: `insert into customer_dimensions (customer_id, tier)
             select * from unnest($1::text[], $2::text[])
             on conflict (customer_id) do update set tier = excluded.tier`,
      values: [[...tiers.keys()], [...tiers.values()]],
    });
  }
  if (history.length > 0) {
    await client.query({
      text: `insert into customer_attribute_history (event_id, attribute, customer_id, effective_date, value, position)
             select * from unnest($1::uuid[], $2::text[], $3::text[], $4::date[], $5::text[], $6::bigint[])
             on conflict do nothing`,
      values: [
        history.map((h) => h.eventId),
        history.map((h) => h.attribute),
        history.map((h) => h.customerId),
        history.map((h) => h.date),
        history.map((h) => h.value),
        history.map((h) => h.position),
      ],
    });
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

/**
 * A plan's revisions (issue 14 items 1, 4): invoicing's `InstalmentPlanRevised` (a payment dated
 * before the plan, recorded after it) replaces the plan's instalments from its agreement date - a
 * row set of its own, under the plan's agreement date and the revision's later position, so a
 * report as of any date from the agreement on reads the plan as revised (payments count by
 * value date there too). An empty revision voids the plan: one marker row, `seq` 0, and the
 * invoice ages from its own due date again. Each instalment ages from the day it is payable by
 * (`payable_date`: its date, or the next working day of the business calendar, as invoicing's
 * overdue clock counts it). Rows held before this migration get theirs from the weekends only (a
 * calendar with holidays: rebuild the aging once), and the revisions reporting already holds.
 */
export const planRevisionMigrations: Migration[] = [
  {
    id: 'aging-009',
    sql: `
      alter table aging_plan_instalments add column plan_id text, add column payable_date date;
      update aging_plan_instalments k
         set plan_id = e.data->>'planId',
             payable_date = k.due_date + case extract(isodow from k.due_date) when 6 then 2 when 7 then 1 else 0 end
        from events e where e.event_id = k.event_id;
      insert into aging_plan_instalments (event_id, seq, invoice_id, agreed_date, position, due_date, principal,
                                          cumulative, plan_total, plan_id, payable_date)
      select e.event_id, coalesce(i.seq, 0)::int, e.data->>'invoiceId', a.agreed_date, e.global_position,
             coalesce((i.value->>'dueDate')::date, a.agreed_date),
             coalesce((i.value->>'principal')::bigint, (i.value->>'amount')::bigint, 0),
             coalesce(sum(coalesce((i.value->>'principal')::bigint, (i.value->>'amount')::bigint))
                        over (partition by e.event_id order by i.seq), 0),
             coalesce(sum(coalesce((i.value->>'principal')::bigint, (i.value->>'amount')::bigint))
                        over (partition by e.event_id), 0),
             e.data->>'planId',
             coalesce((i.value->>'dueDate')::date, a.agreed_date)
               + case extract(isodow from coalesce((i.value->>'dueDate')::date, a.agreed_date))
                   when 6 then 2 when 7 then 1 else 0 end
        from events e
        join lateral (select min(k.agreed_date) as agreed_date from aging_plan_instalments k
                       where k.invoice_id = e.data->>'invoiceId' and k.plan_id = e.data->>'planId') a
          on a.agreed_date is not null
        left join lateral jsonb_array_elements(e.data->'instalments') with ordinality i(value, seq) on true
       where e.event_type = 'InstalmentPlanRevised'
      on conflict do nothing;
    `,
  },
];

async function insertInstalments(
  client: import('pg').PoolClient,
  calendar: BusinessCalendar,
  event: OrderedEvent,
  plan: { invoiceId: string; planId: string; agreedDate: string },
  instalments: { dueDate: string; amount: number; principal?: number | undefined }[],
) {
  const principals = instalments.map((i) => i.principal ?? i.amount);
  const total = principals.reduce((s, p) => s + p, 0);
  // A void plan (no instalments): its marker row, which no report ages.
  const rows =
    instalments.length === 0
      ? [{ seq: 0, dueDate: plan.agreedDate, principal: 0, cumulative: 0 }]
      : instalments.map((instalment, n) => ({
          seq: n + 1,
          dueDate: instalment.dueDate,
          principal: principals[n]!,
          cumulative: principals.slice(0, n + 1).reduce((s, p) => s + p, 0),
        }));
  for (const row of rows) {
    await client.query(
      `insert into aging_plan_instalments (event_id, seq, invoice_id, agreed_date, position, due_date, principal,
                                           cumulative, plan_total, plan_id, payable_date)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) on conflict do nothing`,
      [
        event.eventId,
        row.seq,
        plan.invoiceId,
        plan.agreedDate,
        String(event.globalPosition),
        row.dueDate,
        row.principal,
        row.cumulative,
        total,
        plan.planId,
        calendar.workingDayOnOrAfter(row.dueDate),
      ],
    );
  }
}

async function applyPlan(client: import('pg').PoolClient, calendar: BusinessCalendar, event: OrderedEvent) {
  if (event.type === 'InstalmentPlanApplied') {
    const plan = event.data as InstalmentPlanAppliedV1;
    const agreedDate = plan.agreedDate ?? event.recordedAt.toISOString().slice(0, 10);
    await insertInstalments(client, calendar, event, { ...plan, agreedDate }, plan.instalments);
  } else if (event.type === 'InstalmentPlanRevised') {
    const revised = event.data as InstalmentPlanRevisedV1;
    // The revision takes effect from the plan's agreement date (the revision carries its plan's id only).
    const { rows } = await client.query<{ agreed_date: string }>(
      `select to_char(min(agreed_date), 'YYYY-MM-DD') as agreed_date from aging_plan_instalments
        where invoice_id = $1 and plan_id = $2`,
      [revised.invoiceId, revised.planId],
    );
    const agreedDate = rows[0]?.agreed_date;
    if (!agreedDate) return; // a plan reporting never held: nothing to revise
    await insertInstalments(client, calendar, event, { ...revised, agreedDate }, revised.instalments);
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
export const agingProjection = (calendar: BusinessCalendar): Projection => ({
  name: 'aging',
  tables: [
    'aging_invoices',
    'aging_settlements',
    'customer_dimensions',
    'customer_attribute_history',
    'aging_plan_instalments',
    'aging_cells',
    'aging_sales_days',
    'aging_cell_totals',
    'aging_customer_dues',
    'aging_customer_books',
    'aging_collected_days',
  ],
  async apply(client, events) {
    // The cells (cells.ts) follow the rows: the part of what the batch changes out before it, back after it.
    const scopes = cellScopesOf(events);
    await moveCells(client, scopes, -1);
    await applyRows(client, calendar, events);
    await moveCells(client, scopes, 1);
  },
  // A rebuild makes the rows a page at a time and the cells once, from every row: moving each
  // page's invoices out of the cells and back was two thirds of a page's time (#17 goal 4a).
  rebuild: {
    apply: (client, events) => applyRows(client, calendar, events),
    async finish(client) {
      await client.query(RECOMPUTE_AGING_CELLS_SQL());
    },
  },
});

/** The rows a batch of events changes: plans (few, a revision reads its plan's rows) one by one, in order; the rest a page at a time. */
async function applyRows(
  client: import('pg').PoolClient,
  calendar: BusinessCalendar,
  events: OrderedEvent[],
) {
  await applyCustomerDimensions(client, events);
  for (const event of events) await applyPlan(client, calendar, event);
  await applySettlements(client, events);
  await applyInvoicesIssued(client, events);
}

/**
 * Each settlement of the batch recorded once (by its event id), and added to its invoice's totals
 * when the invoice is already held - three statements per batch, whatever its size. The totals
 * after a batch are the same in whatever order its settlements come: sums, and the latest date.
 */
async function applySettlements(client: import('pg').PoolClient, events: OrderedEvent[]) {
  const settlements = events.flatMap((event) => {
    const settlement = settlementOf(event);
    // A reallocation may lower a payment's principal too (a negative difference).
    return settlement && settlement.amount !== 0 ? [{ eventId: event.eventId, ...settlement }] : [];
  });
  if (settlements.length === 0) return;
  await client.query({
    text: `with recorded as (
             insert into aging_settlements (event_id, invoice_id, settled_date, amount, kind)
             select * from unnest($1::uuid[], $2::text[], $3::date[], $4::bigint[], $5::text[])
             on conflict do nothing
             returning invoice_id, settled_date, amount),
           per_invoice as (
             select invoice_id, sum(amount) as amount, max(settled_date) as last from recorded group by 1)
           update aging_invoices i
              set settled = i.settled + s.amount, last_settled_date = greatest(i.last_settled_date, s.last),
                  closed_date = case when i.settled + s.amount >= i.amount then greatest(i.last_settled_date, s.last) end
             from per_invoice s
            where s.invoice_id = i.invoice_id
              -- by the key, not a hash of the whole book: see NAMED_INVOICES (cells.ts)
              and i.invoice_id = any(array(select invoice_id from per_invoice))`,
    values: [
      settlements.map((s) => s.eventId),
      settlements.map((s) => s.invoiceId),
      settlements.map((s) => s.date),
      settlements.map((s) => s.amount),
      settlements.map((s) => s.kind),
    ],
  });
}

/**
 * The batch's invoices, each counted in with the settlements already recorded for it (they may
 * arrive first: another topic, another partition), and each day's credit sales - one statement.
 * Money asked before shipping (款到发货) is not credit extended, so not a receivable (#14): no
 * figure counts it (its settlements, kept, match no invoice here).
 */
async function applyInvoicesIssued(client: import('pg').PoolClient, events: OrderedEvent[]) {
  const invoices = events.flatMap((event) =>
    event.type === 'InvoiceIssued' && !(event.data as InvoiceIssuedV1).prepayment
      ? [event.data as InvoiceIssuedV1]
      : [],
  );
  if (invoices.length === 0) return;
  await client.query({
    text: `with issued as (
             insert into aging_invoices (invoice_id, customer_id, currency, amount, issue_date, due_date,
                                         settled, last_settled_date, closed_date)
             select i.invoice_id, i.customer_id, i.currency, i.amount, i.issue_date, i.due_date,
                    coalesce(s.amount, 0), s.last, case when coalesce(s.amount, 0) >= i.amount then s.last end
               from unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::date[], $6::date[])
                    as i (invoice_id, customer_id, currency, amount, issue_date, due_date)
               left join lateral (select sum(amount) as amount, max(settled_date) as last
                                    from aging_settlements where invoice_id = i.invoice_id) s on true
             on conflict (invoice_id) do nothing
             returning currency, issue_date, amount)
           insert into aging_sales_days (currency, issue_date, amount)
           select currency, issue_date, sum(amount) from issued group by 1, 2
           on conflict (currency, issue_date) do update set amount = aging_sales_days.amount + excluded.amount`,
    values: [
      invoices.map((i) => i.invoiceId),
      invoices.map((i) => i.customerId),
      invoices.map((i) => i.currency),
      invoices.map((i) => i.amount),
      invoices.map((i) => i.issueDate),
      invoices.map((i) => i.dueDate),
    ],
  });
}
