import { NotFound, parseStreamName } from '@ar/kernel';
import { aggregate, type ServiceContext } from '@ar/platform';
import type { InlineProjection, Migration } from '@ar/postgres';
import type { Pool, PoolClient } from 'pg';
import { caseDecider, DEFAULT_COLLECTION_RULES } from './decider';
import { isTracked, type TrackedInvoice } from './state';

export const caseMigrations: Migration[] = [
  {
    id: 'collections-lookup-001',
    sql: `
      create table cases (
        invoice_id text primary key,
        customer_id text not null,
        status text not null,
        due_date date not null
      );
      create index cases_active on cases (status, due_date);
      create table customers (
        customer_id text primary key,
        name text,
        tier text
      );
    `,
  },
];

/** Which cases are live and when their invoices fall due: what the day run visits. */
/** The lookup status a case event leaves, if it changes it. */
function statusAfter(event: { type: string; data: object }): 'OPEN' | 'CLOSED' | 'SETTLED' | undefined {
  if (event.type === 'CaseOpened') return 'OPEN';
  if (event.type === 'CaseClosed') return 'CLOSED';
  if (event.type === 'InvoiceSettledElsewhere') return 'SETTLED';
  if (event.type === 'InvoicePaymentNoted' && (event.data as { paidInFull: boolean }).paidInFull)
    return 'SETTLED';
  return undefined;
}

export const casesLookup: InlineProjection = {
  name: 'cases',
  async apply(client, streamId, events) {
    const invoiceId = parseStreamName(streamId).id;
    for (const e of events) {
      if (e.type === 'InvoiceTracked') {
        const d = e.data as TrackedInvoice;
        await client.query(
          `insert into cases (invoice_id, customer_id, status, due_date) values ($1, $2, 'TRACKING', $3) on conflict do nothing`,
          [d.invoiceId, d.customerId, d.dueDate],
        );
        continue;
      }
      const status = statusAfter(e);
      if (status) {
        await client.query(`update cases set status = $2 where invoice_id = $1 and status <> 'CLOSED'`, [
          invoiceId,
          status,
        ]);
      }
    }
  },
};

/** Cases the day run must look at on `day`: live, and due within the reminder window. */
export async function liveCases(
  db: Pool | PoolClient,
  day: string,
  beforeDue: number,
): Promise<{ invoiceId: string; tier: string | null; name: string | null }[]> {
  const { rows } = await db.query<{ invoice_id: string; tier: string | null; name: string | null }>(
    `select c.invoice_id, cu.tier, cu.name from cases c left join customers cu using (customer_id)
      where c.status in ('TRACKING', 'OPEN') and c.due_date - $2::int <= $1::date order by c.invoice_id`,
    [day, beforeDue],
  );
  return rows.map((r) => ({ invoiceId: r.invoice_id, tier: r.tier, name: r.name }));
}

export function caseHandler(ctx: ServiceContext) {
  return aggregate(ctx, {
    category: 'case',
    // Working days and business time as the service is configured (BUSINESS_HOLIDAYS, BUSINESS_TIME_ZONE).
    decider: caseDecider({ ...DEFAULT_COLLECTION_RULES, calendar: ctx.calendar, time: ctx.clock.time }),
    exists: isTracked,
    notFound: (id) => new NotFound('CASE_NOT_FOUND', `no case for invoice ${id}`, 'caseId'),
  });
}
export type CaseHandler = ReturnType<typeof caseHandler>;
