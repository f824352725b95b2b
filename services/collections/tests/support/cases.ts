import { DEFAULT_LATE_FEE_TERMS } from '@ar/contracts';
import type { ServiceContext } from '@ar/platform';
import { caseHandler } from '../../src/case/handler';

/**
 * Collections hears of a customer's 10,000.00 CNY invoice under the default late-payment clause,
 * as invoicing's `InvoiceIssued` tells it (the tests that drive a case without invoicing).
 */
export async function trackInvoice(
  ctx: ServiceContext,
  invoice: { invoiceId: string; customerId: string; dueDate: string },
): Promise<void> {
  const { invoiceId, customerId, dueDate } = invoice;
  await caseHandler(ctx).execute(
    invoiceId,
    {
      type: 'TrackInvoice',
      data: {
        invoiceId,
        customerId,
        customerName: `Customer ${customerId}`,
        amount: 1_000_000,
        currency: 'CNY',
        dueDate,
        lateFeeTerms: DEFAULT_LATE_FEE_TERMS,
      },
    },
    { metadata: { correlationId: `test:${invoiceId}`, actor: 'test' } },
  );
}
