import { randomUUID } from 'node:crypto';
import { EntityId, InvoiceView, IssueInvoiceRequest } from '@ar/contracts';
import { handleCommand, NotFound, streamName } from '@ar/kernel';
import type { ServiceContext, ServiceHttpApp } from '@ar/platform';
import { z } from 'zod';
import { type InvoiceCommand, type InvoiceEvent, type InvoiceState, invoiceDecider } from './decider';

const invoiceStream = (invoiceId: string) => streamName('invoice', invoiceId);

function view(state: InvoiceState, version: number): z.infer<typeof InvoiceView> {
  if (state.status === 'NONE') throw new Error('no invoice');
  return { ...state.invoice, status: state.status, version };
}

/** REST for invoices: what internal systems call to bill a customer. */
export function invoiceRoutes(app: ServiceHttpApp, ctx: ServiceContext) {
  app.post(
    '/invoices',
    {
      schema: {
        summary: 'Issue an invoice',
        description:
          'Amount in integer minor units; dates as YYYY-MM-DD. Re-sending the same invoiceId and details is a no-op.',
        body: IssueInvoiceRequest,
        response: { 201: InvoiceView, 200: InvoiceView },
      },
    },
    async (request, reply) => {
      const invoiceId = request.body.invoiceId ?? randomUUID();
      const command: InvoiceCommand = { type: 'IssueInvoice', data: { ...request.body, invoiceId } };
      const result = await handleCommand(ctx.store, invoiceDecider, invoiceStream(invoiceId), command, {
        now: ctx.clock.now(),
        metadata: { correlationId: String(request.headers['x-correlation-id'] ?? request.id), actor: 'rest' },
      });
      reply.header('etag', `"${result.version}"`).header('location', `/invoices/${invoiceId}`);
      return reply.code(result.newEvents.length > 0 ? 201 : 200).send(view(result.state, result.version));
    },
  );

  app.get(
    '/invoices/:invoiceId',
    {
      schema: {
        summary: 'An invoice as it stands',
        params: z.object({ invoiceId: EntityId }),
        response: { 200: InvoiceView },
      },
    },
    async (request, reply) => {
      const { version, events } = await ctx.store.readStream<InvoiceEvent>(
        invoiceStream(request.params.invoiceId),
      );
      if (version === 0)
        throw new NotFound('INVOICE_NOT_FOUND', `no invoice ${request.params.invoiceId}`, 'invoiceId');
      const state = events.reduce(
        (s, e) => invoiceDecider.evolve(s, e as InvoiceEvent),
        invoiceDecider.initialState(),
      );
      return reply.header('etag', `"${version}"`).send(view(state, version));
    },
  );
}
