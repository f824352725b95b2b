import {
  CreditNoteRequest,
  DisputeRequest,
  DisputeResolutionRequest,
  EntityId,
  FactorAdvanceRequest,
  FactoringRequest,
  InstalmentPlanRequest,
  InvoiceView,
  IssueInvoiceRequest,
  WriteOffRequest,
} from '@ar/contracts';
import { happenedBy } from '@ar/kernel';
import {
  commandMetadata,
  IdempotencyKeyHeader,
  IfMatchHeaders,
  idOfCreated,
  ifMatchOf,
  READERS,
  type Role,
  replyCreated,
  type ServiceContext,
  type ServiceHttpApp,
} from '@ar/platform';
import { z } from 'zod';
import type { InvoicingConfig } from '../config';
import type { InvoiceCommand } from './decider';
import { type InvoiceHandler, invoiceView } from './handler';
import { invoiceAsOf } from './overdue';
import { isIssued } from './state';

const InvoiceParams = z.object({ invoiceId: EntityId });
/** REST for invoices: what internal systems call to bill a customer and to settle an invoice. */
export function invoiceRoutes(
  app: ServiceHttpApp,
  ctx: ServiceContext,
  invoices: InvoiceHandler,
  config: InvoicingConfig,
) {
  const today = () => ctx.clock.today();

  /**
   * The invoice as it stands today, a Sunday or a holiday included: fees accrue per calendar day
   * while the overdue clock runs on working days, so what is shown is brought up to today
   * (nothing is stored) - exactly what a payment received today must bring to settle it.
   */
  function respond(
    reply: { header(name: string, value: string): unknown },
    result: { version: number; state: Parameters<typeof invoiceView>[0] },
  ) {
    reply.header('etag', `"${result.version}"`);
    const state = isIssued(result.state)
      ? invoiceAsOf(result.state, today(), invoices.policy).invoice
      : result.state;
    return invoiceView(state, result.version);
  }

  app.post(
    '/invoices',
    {
      config: { roles: ['finance'] },
      schema: {
        summary: 'Issue an invoice',
        description:
          "Amount in integer minor units; dates as YYYY-MM-DD. Without lateFeeTerms the tenant's default late-payment clause applies. Re-sending the same invoiceId (or, without one, the same Idempotency-Key) and details changes nothing and answers as the first did (201); other details under it are a 409.",
        tags: ['invoices'],
        headers: IdempotencyKeyHeader,
        body: IssueInvoiceRequest,
        response: { 201: InvoiceView },
      },
    },
    async (request, reply) => {
      const { lateFeeTerms, ...body } = request.body;
      const invoiceId = idOfCreated(request, 'invoice', body.invoiceId);
      const terms = lateFeeTerms === undefined ? config.defaultLateFeeTerms : (lateFeeTerms ?? undefined);
      const data = { ...body, invoiceId, ...(terms ? { lateFeeTerms: terms } : {}) };
      const result = await invoices.execute(
        invoiceId,
        { type: 'IssueInvoice', data },
        { metadata: commandMetadata(request) },
      );
      replyCreated(reply, `/invoices/${invoiceId}`, result.version);
      return respond(reply, result);
    },
  );

  app.get(
    '/invoices/:invoiceId',
    {
      config: { roles: READERS },
      schema: {
        summary: 'An invoice as it stands: what is open of principal, interest and penalty',
        tags: ['invoices'],
        params: InvoiceParams,
        response: { 200: InvoiceView },
      },
    },
    async (request, reply) => respond(reply, await invoices.mustExist(request.params.invoiceId)),
  );

  /** One route per thing a person or system does to an invoice, all through the one handler. */
  /** Who may do each thing to it (the roles of packages/platform/src/auth/roles.ts). */
  const ACTION_ROLES = {
    'instalment-plans': ['finance'],
    'credit-notes': ['finance'],
    disputes: ['sales', 'finance', 'legal'],
    'dispute-resolutions': ['legal', 'finance'],
    'write-offs': ['finance'],
    factoring: ['finance'],
    'factor-advances': ['finance'],
  } as const satisfies Record<string, readonly Role[]>;

  function action<B extends z.ZodType>(
    path: keyof typeof ACTION_ROLES,
    summary: string,
    body: B,
    command: (b: z.infer<B>) => InvoiceCommand,
  ) {
    app.post(
      `/invoices/:invoiceId/${path}`,
      {
        config: { roles: ACTION_ROLES[path] },
        schema: {
          summary,
          tags: ['invoices'],
          params: InvoiceParams,
          headers: IfMatchHeaders,
          body,
          response: { 200: InvoiceView },
        },
      },
      async (request, reply) => {
        const { invoiceId } = request.params;
        const result = await invoices.execute(invoiceId, command(request.body as z.infer<B>), {
          metadata: commandMetadata(request),
          ifMatch: ifMatchOf(request),
        });
        return respond(reply, result);
      },
    );
  }

  action(
    'instalment-plans',
    'Replace the due date with instalments (agreed in collections): they add up to what is open on the agreement date, fees included, or the principal with fees WAIVED by a recorded decision',
    InstalmentPlanRequest,
    (b) => ({
      type: 'ApplyInstalmentPlan',
      data: { ...b, date: happenedBy(b.date, today(), 'date', 'a plan agreement') },
    }),
  );
  action('credit-notes', 'Issue a credit note against the invoice', CreditNoteRequest, (b) => ({
    type: 'IssueCreditNote',
    data: { ...b, issueDate: happenedBy(b.issueDate, today(), 'issueDate', 'a credit note') },
  }));
  action(
    'disputes',
    'Record that the customer disputes the invoice (held out of dunning)',
    DisputeRequest,
    (b) => ({
      type: 'DisputeInvoice',
      data: { reason: b.reason, date: happenedBy(b.date, today(), 'date', 'a dispute') },
    }),
  );
  action('dispute-resolutions', 'Close the dispute', DisputeResolutionRequest, (b) => ({
    type: 'ResolveDispute',
    data: { resolution: b.resolution, date: happenedBy(b.date, today(), 'date', 'a dispute resolution') },
  }));
  action('write-offs', 'Write the receivable off as uncollectable', WriteOffRequest, (b) => ({
    type: 'WriteOffInvoice',
    data: { reason: b.reason, date: happenedBy(b.date, today(), 'date', 'a write-off') },
  }));
  action('factoring', 'Assign the receivable to a bank or factor', FactoringRequest, (b) => ({
    type: 'AssignToFactor',
    data: {
      factorId: b.factorId,
      withRecourse: b.withRecourse,
      date: happenedBy(b.date, today(), 'date', 'an assignment to a factor'),
    },
  }));
  action('factor-advances', "Record the factor's advance on the receivable", FactorAdvanceRequest, (b) => ({
    type: 'RecordFactorAdvance',
    data: {
      factorId: b.factorId,
      amount: b.amount,
      date: happenedBy(b.date, today(), 'date', "a factor's advance"),
    },
  }));
}
