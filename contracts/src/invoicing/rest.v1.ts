import { z } from 'zod';
import { CurrencyCode, EntityId, IsoDate, PositiveMinorUnits } from '../primitives';

export const IssueInvoiceRequest = z
  .object({
    invoiceId: EntityId.optional().describe(
      'client-chosen id, makes retries idempotent; generated when absent',
    ),
    customerId: EntityId,
    amount: PositiveMinorUnits,
    currency: CurrencyCode,
    issueDate: IsoDate,
    dueDate: IsoDate,
  })
  .strict();
export type IssueInvoiceRequest = z.infer<typeof IssueInvoiceRequest>;

export const InvoiceView = z.object({
  invoiceId: EntityId,
  customerId: EntityId,
  amount: z.number().int(),
  currency: CurrencyCode,
  issueDate: IsoDate,
  dueDate: IsoDate,
  status: z.enum(['ISSUED']),
  version: z.number().int(),
});
