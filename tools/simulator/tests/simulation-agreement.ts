import { publicEventsOf } from '@ar/contracts';
import pg from 'pg';
import type { Deployment, ServiceName } from '../src/deployment';
import type { PlatformClient } from '../src/platform-client';

const PRODUCERS: ServiceName[] = ['credit-scoring', 'contract', 'invoicing', 'collections'];

export interface Agreement {
  invoices: number;
  /**
   * Invoices whose open principal in reporting differs from invoicing's own state; a prepayment
   * invoice is no receivable, so reporting must hold none of it (null).
   */
  openAmountMismatches: { invoiceId: string; invoicing: number; reporting: number | null }[];
  overdueInvoices: number;
  /** Overdue invoices with no open collection case. */
  overdueWithoutCase: string[];
  /** Per producing service: public events it stored, and how many of them reporting holds. */
  eventsPublished: Record<string, { stored: number; inReporting: number }>;
  /** Event ids reporting holds more than once (must be none). */
  duplicateEventsInReporting: number;
}

/**
 * Whether the services' read models agree after a run: each invoice's open amount in
 * reporting equals invoicing's own answer; each overdue invoice has a collection case; every
 * public event each service stored reached reporting, and none twice.
 */
export async function checkAgreement(
  platform: PlatformClient,
  deployment: Deployment,
  today: string,
): Promise<Agreement> {
  const db = new pg.Client({ connectionString: deployment.databaseUrl });
  await db.connect();
  try {
    const schema = (s: ServiceName) => `"${deployment.schemaOf(s)}"`;
    const { rows: issued } = await db.query<{ invoice_id: string; prepayment: boolean }>(
      `select data->>'invoiceId' as invoice_id, coalesce((data->>'prepayment')::boolean, false) as prepayment
         from ${schema('invoicing')}.events where event_type = 'InvoiceIssued' order by 1`,
    );
    const { rows: reported } = await db.query<{ invoice_id: string; open: string }>(
      `select invoice_id, (amount - settled)::text as open from ${schema('reporting')}.aging_invoices`,
    );
    const reportingOpen = new Map(reported.map((r) => [r.invoice_id, Number(r.open)]));
    const agreement: Agreement = {
      invoices: issued.length,
      openAmountMismatches: [],
      overdueInvoices: 0,
      overdueWithoutCase: [],
      eventsPublished: {},
      duplicateEventsInReporting: 0,
    };
    for (const { invoice_id: invoiceId, prepayment } of issued) {
      const { body } = await platform.call<{ status: string; dueDate: string; open: { principal: number } }>(
        'invoicing',
        'GET',
        `/invoices/${invoiceId}`,
      );
      const inReporting = reportingOpen.get(invoiceId) ?? null;
      if (inReporting !== (prepayment ? null : body.open.principal)) {
        agreement.openAmountMismatches.push({
          invoiceId,
          invoicing: body.open.principal,
          reporting: inReporting,
        });
      }
      if (body.status === 'OPEN' && body.open.principal > 0 && body.dueDate < today) {
        agreement.overdueInvoices++;
        const found = await platform.call<{ status: string }>('collections', 'GET', `/cases/${invoiceId}`);
        if (found.status !== 200 || found.body.status === 'CLOSED')
          agreement.overdueWithoutCase.push(invoiceId);
      }
    }
    for (const producer of PRODUCERS) {
      const types = [...publicEventsOf(producer).keys()];
      const { rows } = await db.query<{ stored: string; in_reporting: string }>(
        `select count(*)::text as stored,
                count(*) filter (where exists (select 1 from ${schema('reporting')}.events r where r.event_id = p.event_id))::text as in_reporting
           from ${schema(producer)}.events p where p.event_type = any($1)`,
        [types],
      );
      agreement.eventsPublished[producer] = {
        stored: Number(rows[0]!.stored),
        inReporting: Number(rows[0]!.in_reporting),
      };
    }
    const { rows: duplicates } = await db.query<{ n: string }>(
      `select (count(*) - count(distinct event_id))::text as n from ${schema('reporting')}.events`,
    );
    agreement.duplicateEventsInReporting = Number(duplicates[0]!.n);
    return agreement;
  } finally {
    await db.end();
  }
}
