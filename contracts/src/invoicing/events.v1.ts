import { z } from 'zod';
import { CurrencyCode, EntityId, IsoDate, PositiveMinorUnits } from '../primitives';

/** Public events of the invoicing service on `ar.invoicing.events.v1`. */
export const InvoiceIssuedV1 = z
  .object({
    invoiceId: EntityId,
    customerId: EntityId,
    amount: PositiveMinorUnits.describe('gross amount in minor units'),
    currency: CurrencyCode,
    issueDate: IsoDate,
    dueDate: IsoDate,
    contractId: EntityId.optional(),
    milestoneId: EntityId.optional(),
  })
  .describe(
    'An invoice was issued to a customer; it is receivable from the issue date and due on the due date.',
  );
export type InvoiceIssuedV1 = z.infer<typeof InvoiceIssuedV1>;

export const InvoicingEventsV1 = {
  InvoiceIssued: InvoiceIssuedV1,
} as const;
