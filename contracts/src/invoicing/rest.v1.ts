import { z } from 'zod';
import { CurrencyCode, EntityId, IsoDate, MinorUnits, PositiveAmount } from '../primitives';
import { InstalmentPlanAppliedV1, InstalmentV1, PaymentChannel } from './events.v1';
import { PlanTermsRequest, WAIVER_MESSAGE, waiverIsRecorded } from './plan.v1';
import { DiscountTermsV1, LateFeeTermsV1 } from './terms.v1';

const Text = z.string().trim().min(1, 'must not be empty').max(500);
const OptionalDate = IsoDate.optional().describe('business date; today when absent');

export const IssueInvoiceRequest = z
  .object({
    invoiceId: EntityId.optional().describe(
      'client-chosen id, makes retries idempotent; generated when absent',
    ),
    customerId: EntityId,
    amount: PositiveAmount,
    currency: CurrencyCode,
    issueDate: IsoDate,
    dueDate: IsoDate,
    contractId: EntityId.optional(),
    milestoneId: EntityId.optional(),
    lateFeeTerms: LateFeeTermsV1.nullable()
      .optional()
      .describe("the late-payment clause; absent: the tenant's default clause; null: no late fees"),
    discountTerms: DiscountTermsV1.optional(),
    prepayment: z
      .literal(true)
      .optional()
      .describe(
        'cash before delivery (款到发货): asked before shipping, not credit - not a receivable in exposure or the reports',
      ),
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
  status: z.enum(['OPEN', 'PAID', 'CREDITED', 'WRITTEN_OFF']),
  schedule: z.array(InstalmentV1),
  open: z.object({
    principal: z.number().int(),
    interest: z.number().int(),
    penalty: z.number().int(),
    total: z.number().int(),
  }),
  overdueThresholdsReached: z.array(z.number().int()),
  disputed: z.boolean(),
  factorId: EntityId.optional(),
  lateFeeTerms: LateFeeTermsV1.optional(),
  discountTerms: DiscountTermsV1.optional(),
  plan: InstalmentPlanAppliedV1.pick({
    planId: true,
    instalments: true,
    agreedDate: true,
    fees: true,
    guarantee: true,
  })
    .optional()
    .describe('the instalment plan in force: what the customer pays on each date'),
  version: z.number().int(),
});
export type InvoiceView = z.infer<typeof InvoiceView>;

export const InstalmentPlanRequest = z
  .object({ ...PlanTermsRequest, date: OptionalDate.describe('the agreement date; today when absent') })
  .strict()
  .refine(waiverIsRecorded, WAIVER_MESSAGE);
export const CreditNoteRequest = z
  .object({ creditNoteId: EntityId, amount: PositiveAmount, reason: Text, issueDate: OptionalDate })
  .strict();
export const DisputeRequest = z.object({ reason: Text, date: OptionalDate }).strict();
export const DisputeResolutionRequest = z.object({ resolution: Text, date: OptionalDate }).strict();
export const WriteOffRequest = z.object({ reason: Text, date: OptionalDate }).strict();
export const FactoringRequest = z
  .object({ factorId: EntityId, withRecourse: z.boolean().default(true), date: OptionalDate })
  .strict();
export const FactorAdvanceRequest = z
  .object({ factorId: EntityId, amount: PositiveAmount, date: OptionalDate })
  .strict();

export const RemittanceLine = z
  .object({ invoiceId: EntityId, amount: PositiveAmount.optional() })
  .strict()
  .describe('what the payer says the money is for; without an amount, as much as the invoice needs');

export const ReceivePaymentRequest = z
  .object({
    paymentId: EntityId.optional().describe(
      'client-chosen id, makes retries idempotent; generated when absent',
    ),
    customerId: EntityId.optional().describe(
      'absent when the payer is not known: matched by reference, or later',
    ),
    amount: PositiveAmount,
    currency: CurrencyCode,
    channel: PaymentChannel,
    reference: z.string().trim().max(140).optional(),
    receivedDate: OptionalDate,
    remittance: z.array(RemittanceLine).max(500).optional(),
  })
  .strict();
export type ReceivePaymentRequest = z.infer<typeof ReceivePaymentRequest>;

export const MatchPaymentRequest = z
  .object({ customerId: EntityId, remittance: z.array(RemittanceLine).max(500).optional() })
  .strict();

export const PaymentView = z.object({
  paymentId: EntityId,
  status: z.enum(['UNIDENTIFIED', 'IDENTIFIED', 'APPLIED']),
  customerId: EntityId.optional(),
  amount: z.number().int(),
  currency: CurrencyCode,
  channel: PaymentChannel,
  reference: z.string().optional(),
  receivedDate: IsoDate,
  allocations: z
    .array(z.object({ invoiceId: EntityId, amount: z.number().int() }))
    .describe('what each invoice holds of the payment now (less what value dating released)'),
  creditHeld: MinorUnits.describe(
    "the customer's credit from this payment: what no open invoice took, and what an invoice gave back when a payment dated earlier, matched later, paid it (value dating)",
  ),
  version: z.number().int(),
});
export type PaymentView = z.infer<typeof PaymentView>;

export const CustomerAccountView = z.object({
  customerId: EntityId,
  openInvoices: z.array(z.object({ invoiceId: EntityId, currency: CurrencyCode })),
  credit: z
    .array(z.object({ currency: CurrencyCode, amount: MinorUnits }))
    .describe(
      'credit held per currency: over-payments, and payments given back by value dating (see PaymentView.creditHeld)',
    ),
});
