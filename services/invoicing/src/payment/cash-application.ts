import { InvoicingEventsV1, type PaymentView, type ReceivePaymentRequest } from '@ar/contracts';
import { type EventMetadata, NotFound, retryOnConflict } from '@ar/kernel';
import { aggregate, type ServiceContext, StoredEventInvalid } from '@ar/platform';
import { inTransaction } from '@ar/postgres';
import type { PoolClient } from 'pg';
import { onItsDay, valueDateOn } from '../invoice/decider';
import type { InvoiceHandler } from '../invoice/handler';
import { type InvoiceEvent, isIssued } from '../invoice/state';
import { amountToSettleOn, takesPaymentWhenPaid } from '../invoice/value-dating';
import { feesWaivedAfter, findOpenInvoice, openInvoicesOf, paidAfter } from '../ledger/open-items';
import { planAllocation, type RemittanceLine } from './allocation';
import { type PaymentCommand, type PaymentState, paymentDecider } from './decider';

export function paymentView(state: PaymentState, version: number): PaymentView {
  if (state.status === 'NONE') throw new Error('no payment');
  const { received } = state;
  return {
    paymentId: received.paymentId,
    status: state.status,
    customerId: state.customerId,
    amount: received.amount,
    currency: received.currency,
    channel: received.channel,
    reference: received.reference,
    receivedDate: received.receivedDate,
    allocations: state.applied?.allocations ?? [],
    creditHeld: state.applied?.creditHeld ?? 0,
    version,
  };
}

/**
 * Cash application: a payment is received, identified and spread over the customer's open
 * invoices in ONE database transaction - every invoice's allocation and the payment's record
 * commit together or not at all, so a refused remittance line leaves no trace.
 */
export function cashApplication(ctx: ServiceContext, invoices: InvoiceHandler) {
  const payments = aggregate(ctx, {
    category: 'payment',
    decider: paymentDecider,
    exists: (state): state is Exclude<PaymentState, { status: 'NONE' }> => state.status !== 'NONE',
    notFound: (id) => new NotFound('PAYMENT_NOT_FOUND', `no payment ${id}`, 'paymentId'),
    // What the store holds must meet the public contract (an unreadable payment: 409, never 500).
    storedEvents: InvoicingEventsV1,
  });
  const payment = (tx: PoolClient, paymentId: string, command: PaymentCommand, metadata: EventMetadata) =>
    payments.execute(paymentId, command, { tx, metadata });

  /**
   * An open invoice to spread a payment over; one whose stored history cannot be read is left out
   * (and said so), so the customer's money still reaches the others - unless the remittance names
   * it: then the payment is refused with the 409 that names the stored event, nothing stored.
   */
  async function loadReadable(invoiceId: string, tx: PoolClient, remittance: RemittanceLine[] | undefined) {
    try {
      return (await invoices.load(invoiceId, tx)).state;
    } catch (error) {
      if (!(error instanceof StoredEventInvalid) || remittance?.some((l) => l.invoiceId === invoiceId))
        throw error;
      ctx.logger.error(
        { invoiceId, err: error },
        `cash application leaves ${invoiceId} out: ${error.message}`,
      );
      return undefined;
    }
  }

  async function applyToInvoices(
    tx: PoolClient,
    state: PaymentState,
    remittance: RemittanceLine[] | undefined,
    metadata: EventMetadata,
  ) {
    if (state.status !== 'IDENTIFIED' || !state.customerId) return;
    const { received } = state;
    const { customerId } = state;
    const date = received.receivedDate;
    const feesWaived = await feesWaivedAfter(tx, customerId, date);
    // Which invoices the money is offered, in order: paid invoices whose plan, agreed after the
    // money arrived, waived fees first (counted from its date it would have paid some of them);
    // then every invoice open on the money's date, oldest due first - those open now, and those
    // paid in full on a later day (`paidAfter`: it pays them on its date, the payments after it
    // keep what was still owed on theirs, the rest is released to them as credit).
    // Invoices issued after the money arrived come last (an advance on them, counted from their
    // issue date: `valueDateOn`).
    const issuedLater = (i: { issueDate: string }) => (i.issueDate > date ? 1 : 0);
    const openThen = [
      ...(await paidAfter(tx, customerId, date)).filter((p) => !feesWaived.includes(p.invoiceId)),
      ...(await openInvoicesOf(tx, customerId)),
    ].sort(
      (x, y) =>
        issuedLater(x) - issuedLater(y) ||
        x.dueDate.localeCompare(y.dueDate) ||
        x.invoiceId.localeCompare(y.invoiceId),
    );
    const allocatable = [];
    for (const invoiceId of [...feesWaived, ...openThen.map((i) => i.invoiceId)]) {
      const invoice = await loadReadable(invoiceId, tx, remittance);
      if (!invoice || !isIssued(invoice)) continue;
      const on = valueDateOn(invoice, date);
      if (invoice.status !== 'OPEN' && !takesPaymentWhenPaid(invoice, on)) continue;
      // Counted from the day the money arrived (value dating), not from today.
      allocatable.push({
        invoiceId,
        currency: invoice.issued.currency,
        toSettle: amountToSettleOn(invoice, on, invoices.policy, onItsDay(invoices.policy)),
      });
    }
    const plan = planAllocation(received, allocatable, remittance);
    for (const { invoiceId, amount } of plan.allocations) {
      const allocated = await invoices.execute(
        invoiceId,
        {
          type: 'AllocatePayment',
          data: {
            paymentId: received.paymentId,
            amount,
            currency: received.currency,
            paymentDate: received.receivedDate,
          },
        },
        { tx, metadata },
      );
      // Dated earlier, this payment paid what a later one had paid: that one's part is its credit again.
      for (const event of allocated.newEvents as InvoiceEvent[]) {
        if (event.type !== 'PaymentReallocated' || !event.data.released) continue;
        const { paymentId, released, cause } = event.data;
        await payment(
          tx,
          paymentId,
          { type: 'ReleaseAllocation', data: { invoiceId, amount: released, cause } },
          metadata,
        );
      }
    }
    await payment(tx, received.paymentId, { type: 'RecordApplication', data: plan }, metadata);
  }

  return {
    async receive(
      request: ReceivePaymentRequest & { paymentId: string; receivedDate: string },
      metadata: EventMetadata,
    ) {
      const { remittance, ...received } = request;
      return retryOnConflict(() =>
        inTransaction(ctx.pool, async (tx) => {
          let result = await payment(
            tx,
            received.paymentId,
            { type: 'ReceivePayment', data: received },
            metadata,
          );
          if (result.state.status === 'UNIDENTIFIED' && received.reference) {
            // Cash application by reference: the payer quoted an open invoice's number.
            const named = await findOpenInvoice(tx, received.reference);
            if (named) {
              result = await payment(
                tx,
                received.paymentId,
                { type: 'MatchPayment', data: { customerId: named.customerId, matchedBy: 'REFERENCE' } },
                metadata,
              );
            }
          }
          await applyToInvoices(tx, result.state, remittance, metadata);
          return { created: result.newEvents.length > 0, ...(await payments.load(received.paymentId, tx)) };
        }),
      );
    },

    /** A person identifies an unidentified payment's customer; it is then applied. */
    async match(
      paymentId: string,
      request: { customerId: string; remittance?: RemittanceLine[] | undefined },
      metadata: EventMetadata,
    ) {
      return retryOnConflict(() =>
        inTransaction(ctx.pool, async (tx) => {
          const result = await payment(
            tx,
            paymentId,
            { type: 'MatchPayment', data: { customerId: request.customerId, matchedBy: 'PERSON' } },
            metadata,
          );
          await applyToInvoices(tx, result.state, request.remittance, metadata);
          return payments.load(paymentId, tx);
        }),
      );
    },

    load: payments.load,
    mustExist: payments.mustExist,
  };
}
