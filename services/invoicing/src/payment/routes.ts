import { EntityId, MatchPaymentRequest, PaymentView, ReceivePaymentRequest } from '@ar/contracts';
import { happenedBy } from '@ar/kernel';
import {
  commandMetadata,
  IdempotencyKeyHeader,
  idOfCreated,
  READERS,
  replyCreated,
  type ServiceContext,
  type ServiceHttpApp,
} from '@ar/platform';
import { z } from 'zod';
import { type cashApplication, paymentView } from './cash-application';

type CashApplication = ReturnType<typeof cashApplication>;
const PaymentParams = z.object({ paymentId: EntityId });

/** REST for payments: what the bank feed, the online checkout and people call. */
export function paymentRoutes(app: ServiceHttpApp, ctx: ServiceContext, cash: CashApplication) {
  app.post(
    '/payments',
    {
      config: { roles: ['finance'] },
      schema: {
        summary: 'Record a payment and apply it',
        description:
          "Applied at once to the customer's open invoices: as the remittance says, else the invoice the reference names, one needing exactly this amount, then oldest due first; any over-payment is held as credit. Without a customer, a reference naming an open invoice identifies the payer; otherwise the payment waits, unidentified, to be matched. All or nothing: a refused remittance line stores nothing. Without a paymentId, send an Idempotency-Key: the same key again answers with the same payment, booked once.",
        tags: ['payments'],
        headers: IdempotencyKeyHeader,
        body: ReceivePaymentRequest,
        response: { 201: PaymentView },
      },
    },
    async (request, reply) => {
      const paymentId = idOfCreated(request, 'payment', request.body.paymentId);
      // Money cannot be received in the future (#14 item 2).
      const receivedDate = happenedBy(
        request.body.receivedDate,
        ctx.clock.today(),
        'receivedDate',
        'money received',
      );
      const result = await cash.receive(
        { ...request.body, paymentId, receivedDate },
        commandMetadata(request),
      );
      replyCreated(reply, `/payments/${paymentId}`, result.version);
      return paymentView(result.state, result.version);
    },
  );

  app.get(
    '/payments/:paymentId',
    {
      config: { roles: READERS },
      schema: {
        summary: 'A payment and where it went',
        tags: ['payments'],
        params: PaymentParams,
        response: { 200: PaymentView },
      },
    },
    async (request) => {
      const { state, version } = await cash.mustExist(request.params.paymentId);
      return paymentView(state, version);
    },
  );

  app.post(
    '/payments/:paymentId/match',
    {
      config: { roles: ['finance'] },
      schema: {
        summary: "Identify an unidentified payment's customer; it is then applied",
        tags: ['payments'],
        params: PaymentParams,
        body: MatchPaymentRequest,
        response: { 200: PaymentView },
      },
    },
    async (request) => {
      const { state, version } = await cash.match(
        request.params.paymentId,
        request.body,
        commandMetadata(request),
      );
      return paymentView(state, version);
    },
  );
}
