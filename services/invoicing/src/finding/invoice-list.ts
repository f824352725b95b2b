import type { InvoiceIssuedV1 } from '@ar/contracts';
import type { Migration, OrderedEvent, Projection } from '@ar/postgres';
import type { PoolClient } from 'pg';
import { type OverduePolicy, payableBy } from '../invoice/overdue';
import {
  earliestUnpaidDueDate,
  evolveInvoice,
  type InvoiceEvent,
  type InvoiceState,
  initialInvoiceState,
  isIssued,
} from '../invoice/state';

/**
 * The invoices people search (`GET /invoices`): one row an invoice with what the list filters
 * on. An invoice on a plan follows the plan (#14 item 5): `due_date` is the due date it answers
 * to - the earliest instalment not yet paid in full (the invoice's own due date without a plan),
 * the last one once none is unpaid - and `next_due_date` the day that one is payable by (an
 * instalment on a weekend or holiday: the next working day), what days overdue count from, as
 * the overdue clock counts them. Both come from the invoice's own state (`state.ts`), so the
 * list allocates payments exactly as the invoice does.
 */
export const invoiceListMigrations: Migration[] = [
  {
    id: 'invoicing-invoice-list-001',
    sql: `
      create table invoice_list (
        invoice_id text primary key,
        customer_id text not null,
        status text not null,
        amount bigint not null,
        currency text not null,
        issue_date date not null,
        due_date date not null,
        next_due_date date not null,
        disputed boolean not null default false
      );
      -- The list is read in (due date, id) order: each filter has an index in that order.
      create index invoice_list_by_due on invoice_list (due_date, invoice_id);
      create index invoice_list_by_customer on invoice_list (customer_id, due_date, invoice_id);
      create index invoice_list_by_status on invoice_list (status, due_date, invoice_id);
      create index invoice_list_overdue on invoice_list (next_due_date) where status = 'OPEN';
    `,
  },
  {
    // A prepayment invoice is never overdue (the overdue clock does not run on it): the list says so.
    id: 'invoicing-invoice-list-002',
    sql: `
      alter table invoice_list add column prepayment boolean not null default false;
      update invoice_list l set prepayment = true
        from events e
       where e.event_type = 'InvoiceIssued' and e.data->>'prepayment' = 'true'
         and l.invoice_id = e.data->>'invoiceId';
    `,
  },
  {
    // Whether the invoice was ever on an instalment plan: only then can a payment or credit note
    // move its due dates (`REDUCES_PRINCIPAL`), so only then is its stream read for them.
    id: 'invoicing-invoice-list-003',
    sql: `
      alter table invoice_list add column on_plan boolean not null default false;
      update invoice_list l set on_plan = true
        from events e
       where e.event_type = 'InstalmentPlanApplied' and l.invoice_id = e.data->>'invoiceId';
    `,
  },
];

const STATUS_OF: Record<string, string> = {
  InvoicePaid: 'PAID',
  InvoiceFullyCredited: 'CREDITED',
  InvoiceWrittenOff: 'WRITTEN_OFF',
};

const INVOICE_STREAM = 'invoice-';

/**
 * Which events can move an invoice's due dates (`due_date`, `next_due_date`, from `dueDatesOf`):
 * they follow the schedule (the invoice's due date, or a plan's instalments: `InstalmentPlanApplied`,
 * `InstalmentPlanRevised`), the reductions of principal counted against it (`PaymentAllocated`,
 * `PaymentReallocated`, `DiscountTaken`, `CreditNoteIssued`) and, for the day payable by, whether
 * the invoice has a plan. Without a plan the schedule is the invoice's own due date, whatever is
 * paid: `due_date` and `next_due_date` are its due date (as the row is inserted), so a reduction
 * moves them only on an invoice on a plan. Every other event (overdue, fees, disputes, status...)
 * leaves them as they are.
 */
const MOVES_SCHEDULE = new Set(['InstalmentPlanApplied', 'InstalmentPlanRevised']);
const REDUCES_PRINCIPAL = new Set([
  'PaymentAllocated',
  'PaymentReallocated',
  'DiscountTaken',
  'CreditNoteIssued',
]);

/** An invoice stream whose due dates an event of the page may have moved. */
interface Touched {
  invoiceId: string;
  /** Its last event in the page. */
  upTo: number;
  /** A plan applied or revised in the page: read whatever the row says. */
  planInPage: boolean;
}

/**
 * The invoice state after its event #`upTo` of each stream touched that is on a plan (by the
 * page or as its row says), folded from its events: one statement.
 */
async function invoiceStatesAt(
  client: PoolClient,
  touched: Map<string, Touched>,
): Promise<Map<string, InvoiceState>> {
  const { rows } = await client.query<{
    stream_id: string;
    event_type: InvoiceEvent['type'];
    data: InvoiceEvent['data'];
  }>(
    `select e.stream_id, e.event_type, e.data
       from unnest($1::text[], $2::int[], $3::text[], $4::boolean[]) t(stream_id, up_to, invoice_id, plan_in_page)
       join events e on e.stream_id = t.stream_id and e.stream_position <= t.up_to
      where t.plan_in_page
         or exists (select 1 from invoice_list l where l.invoice_id = t.invoice_id and l.on_plan)
      order by e.stream_id, e.stream_position`,
    [
      [...touched.keys()],
      [...touched.values()].map((t) => t.upTo),
      [...touched.values()].map((t) => t.invoiceId),
      [...touched.values()].map((t) => t.planInPage),
    ],
  );
  const states = new Map<string, InvoiceState>();
  for (const row of rows)
    states.set(
      row.stream_id,
      evolveInvoice(states.get(row.stream_id) ?? initialInvoiceState(), {
        type: row.event_type,
        data: row.data,
      } as InvoiceEvent),
    );
  return states;
}

/**
 * A page of events as few statements: the invoices issued in one insert, each invoice's last
 * status and dispute flag of the page in one update each, and the due dates of the invoices whose
 * due dates an event of the page may have moved (`MOVES_SCHEDULE`, `REDUCES_PRINCIPAL`) in one
 * read of their streams and one update - the same rows as applying the events one by one, since
 * an invoice's events come in its stream's order (issued first).
 */
export const invoiceListProjection = (policy: OverduePolicy): Projection => ({
  name: 'invoice-list',
  tables: ['invoice_list'],
  async apply(client, events: OrderedEvent[]) {
    const issued = new Map<string, InvoiceIssuedV1>();
    const status = new Map<string, string>();
    const disputed = new Map<string, boolean>();
    const touched = new Map<string, Touched>();
    for (const event of events) {
      const invoiceId = (event.data as { invoiceId?: string }).invoiceId;
      if (event.streamId.startsWith(INVOICE_STREAM) && invoiceId) {
        const before = touched.get(event.streamId);
        const planned = MOVES_SCHEDULE.has(event.type);
        if (before) before.upTo = event.streamPosition;
        if (before && planned) before.planInPage = true;
        if (!before && (planned || REDUCES_PRINCIPAL.has(event.type)))
          touched.set(event.streamId, { invoiceId, upTo: event.streamPosition, planInPage: planned });
      }
      if (event.type === 'InvoiceIssued') {
        const i = event.data as InvoiceIssuedV1;
        if (!issued.has(i.invoiceId)) issued.set(i.invoiceId, i);
      } else if (STATUS_OF[event.type]) {
        status.set(invoiceId!, STATUS_OF[event.type]!);
      } else if (event.type === 'InvoiceDisputed' || event.type === 'InvoiceDisputeResolved') {
        disputed.set(invoiceId!, event.type === 'InvoiceDisputed');
      }
    }
    await insertIssued(client, [...issued.values()]);
    await setStatuses(client, status);
    await setDisputed(client, disputed);
    await setDueDates(client, touched, policy);
  },
});

/** The invoices issued, as rows of the list (one already there is left as it is). */
async function insertIssued(client: PoolClient, rows: InvoiceIssuedV1[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `insert into invoice_list (invoice_id, customer_id, status, amount, currency, issue_date, due_date, next_due_date, prepayment)
     select invoice_id, customer_id, 'OPEN', amount, currency, issue_date, due_date, due_date, prepayment
       from unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::date[], $6::date[], $7::boolean[])
              t(invoice_id, customer_id, amount, currency, issue_date, due_date, prepayment)
     on conflict (invoice_id) do nothing`,
    [
      rows.map((i) => i.invoiceId),
      rows.map((i) => i.customerId),
      rows.map((i) => i.amount),
      rows.map((i) => i.currency),
      rows.map((i) => i.issueDate),
      rows.map((i) => i.dueDate),
      rows.map((i) => i.prepayment === true),
    ],
  );
}

/** Each invoice's status (the map's value). */
async function setStatuses(client: PoolClient, status: Map<string, string>): Promise<void> {
  if (status.size === 0) return;
  await client.query(
    `update invoice_list l set status = t.status
       from unnest($1::text[], $2::text[]) t(invoice_id, status) where l.invoice_id = t.invoice_id`,
    [[...status.keys()], [...status.values()]],
  );
}

/** Whether each invoice is in dispute (the map's value). */
async function setDisputed(client: PoolClient, disputed: Map<string, boolean>): Promise<void> {
  if (disputed.size === 0) return;
  await client.query(
    `update invoice_list l set disputed = t.disputed
       from unnest($1::text[], $2::boolean[]) t(invoice_id, disputed) where l.invoice_id = t.invoice_id`,
    [[...disputed.keys()], [...disputed.values()]],
  );
}

/** The due dates of each invoice stream touched that is on a plan, from its state after its last event of the page. */
async function setDueDates(
  client: PoolClient,
  touched: Map<string, Touched>,
  policy: OverduePolicy,
): Promise<void> {
  if (touched.size === 0) return;
  const dueDates = new Map<string, { dueDate: string; payableBy: string; onPlan: boolean }>();
  for (const state of (await invoiceStatesAt(client, touched)).values()) {
    const due = dueDatesOf(state, policy);
    if (due) dueDates.set(due.invoiceId, due);
  }
  if (dueDates.size === 0) return;
  await client.query(
    `update invoice_list l set due_date = t.due_date, next_due_date = t.next_due_date, on_plan = t.on_plan
       from unnest($1::text[], $2::date[], $3::date[], $4::boolean[]) t(invoice_id, due_date, next_due_date, on_plan)
      where l.invoice_id = t.invoice_id`,
    [
      [...dueDates.keys()],
      [...dueDates.values()].map((d) => d.dueDate),
      [...dueDates.values()].map((d) => d.payableBy),
      [...dueDates.values()].map((d) => d.onPlan),
    ],
  );
}

/** The due date an invoice answers to and the day it is payable by, from its state (none before it is issued). */
function dueDatesOf(
  state: InvoiceState,
  policy: OverduePolicy,
): { invoiceId: string; dueDate: string; payableBy: string; onPlan: boolean } | undefined {
  if (!isIssued(state)) return undefined;
  const answersTo = earliestUnpaidDueDate(state) ?? state.schedule.at(-1)?.dueDate;
  if (!answersTo) return undefined;
  return {
    invoiceId: state.issued.invoiceId,
    dueDate: answersTo,
    payableBy: payableBy(state, policy)(answersTo),
    onPlan: state.plan !== undefined,
  };
}
