import { z } from 'zod';
import { CurrencyCode, EntityId, IsoDate, NonNegativeMinorUnits, PositiveMinorUnits } from '../primitives';
import { AppliedInstalmentV1, FeeWaiverV1, PlanFees, PlanGuaranteeV1 } from './plan.v1';
import { DiscountTermsV1, LateFeeTermsV1 } from './terms.v1';

/** Public events of the invoicing service on `ar.invoicing.events.v1`. Amounts in minor units. */

const InvoiceRef = { invoiceId: EntityId, customerId: EntityId };

export const InstalmentV1 = z.object({ dueDate: IsoDate, amount: PositiveMinorUnits });
export type InstalmentV1 = z.infer<typeof InstalmentV1>;

export const InvoiceIssuedV1 = z
  .object({
    ...InvoiceRef,
    amount: PositiveMinorUnits.describe('gross amount in minor units'),
    currency: CurrencyCode,
    issueDate: IsoDate,
    dueDate: IsoDate,
    contractId: EntityId.optional(),
    milestoneId: EntityId.optional(),
    lateFeeTerms: LateFeeTermsV1.optional().describe('the late-payment clause; none means no late fees'),
    discountTerms: DiscountTermsV1.optional(),
    prepayment: z
      .literal(true)
      .optional()
      .describe(
        'cash before delivery (款到发货): money asked before anything is shipped - no credit extended, so not a receivable (not in exposure, aging, overdue rate or DSO)',
      ),
  })
  .describe(
    'An invoice was issued to a customer; it is receivable from the issue date and due on the due date.',
  );
export type InvoiceIssuedV1 = z.infer<typeof InvoiceIssuedV1>;

export const PaymentChannel = z.enum(['BANK_TRANSFER', 'ONLINE', 'THIRD_PARTY_PLATFORM']);

export const PaymentReceivedV1 = z
  .object({
    paymentId: EntityId,
    customerId: EntityId.optional().describe('absent while the payer is not identified'),
    amount: PositiveMinorUnits,
    currency: CurrencyCode,
    channel: PaymentChannel,
    reference: z.string().max(140).optional().describe("the payer's reference, e.g. an invoice number"),
    receivedDate: IsoDate,
  })
  .describe('Money arrived. Without a customer it is unidentified and waits to be matched.');
export type PaymentReceivedV1 = z.infer<typeof PaymentReceivedV1>;

export const PaymentMatchedV1 = z
  .object({
    paymentId: EntityId,
    customerId: EntityId,
    matchedBy: z.enum(['REFERENCE', 'PERSON']),
  })
  .describe('An unidentified payment was matched to its customer (cash application).');
export type PaymentMatchedV1 = z.infer<typeof PaymentMatchedV1>;

export const PaymentAllocatedV1 = z
  .object({
    ...InvoiceRef,
    paymentId: EntityId,
    currency: CurrencyCode,
    amount: PositiveMinorUnits,
    toPenalty: NonNegativeMinorUnits,
    toInterest: NonNegativeMinorUnits,
    toPrincipal: NonNegativeMinorUnits,
    paymentDate: IsoDate,
  })
  .describe('Part of a payment cleared an invoice: penalty first, then interest, then principal.');
export type PaymentAllocatedV1 = z.infer<typeof PaymentAllocatedV1>;

export const PaymentAppliedV1 = z
  .object({
    paymentId: EntityId,
    customerId: EntityId,
    currency: CurrencyCode,
    allocations: z.array(z.object({ invoiceId: EntityId, amount: PositiveMinorUnits })),
    creditHeld: NonNegativeMinorUnits.describe("what no open invoice took: held as the customer's credit"),
  })
  .describe('A payment was applied in full: to invoices, and any over-payment held as credit.');
export type PaymentAppliedV1 = z.infer<typeof PaymentAppliedV1>;

export const DiscountTakenV1 = z
  .object({ ...InvoiceRef, currency: CurrencyCode, amount: PositiveMinorUnits, paymentDate: IsoDate })
  .describe('The early-payment discount was granted: the invoice was settled within the discount period.');
export type DiscountTakenV1 = z.infer<typeof DiscountTakenV1>;

export const InvoicePaidV1 = z
  .object({
    ...InvoiceRef,
    currency: CurrencyCode,
    paidDate: IsoDate,
    dueDate: IsoDate,
    daysLate: z.number().int().describe('paid date minus due date; negative when paid early'),
    cause: z
      .lazy(() => ValueDatedCause)
      .optional()
      .describe(
        'present on an InvoicePaid that corrects an earlier one: a payment dated before the paid date, recorded later, paid the invoice on this earlier day (value dating); the latest InvoicePaid of an invoice is the one that holds',
      ),
  })
  .describe('Nothing is owed on the invoice any more.');
export type InvoicePaidV1 = z.infer<typeof InvoicePaidV1>;

export const PaymentOverdueV1 = z
  .object({
    ...InvoiceRef,
    currency: CurrencyCode,
    threshold: z.number().int().min(1).describe('the overdue-day threshold crossed (1, 16, 31, 61, 91)'),
    daysOverdue: z.number().int().min(1),
    overdueDate: IsoDate.describe('the day the threshold was reached'),
    dueDate: IsoDate.describe('due date of the earliest unpaid amount'),
    overdueAmount: PositiveMinorUnits.describe('principal due and unpaid on that day'),
    openAmount: PositiveMinorUnits.describe('everything still owed: principal and fees'),
    disputed: z.boolean().describe('a disputed invoice stays in aging but out of dunning'),
  })
  .describe('An invoice crossed an overdue threshold; emitted once per threshold.');
export type PaymentOverdueV1 = z.infer<typeof PaymentOverdueV1>;

export const LateFeeChargedV1 = z
  .object({
    ...InvoiceRef,
    currency: CurrencyCode,
    kind: z.enum(['INTEREST', 'PENALTY']),
    forDate: IsoDate.describe('the overdue day the fee is for'),
    daysOverdue: z.number().int().min(1),
    base: PositiveMinorUnits.describe('the unpaid principal the rate applies to'),
    rateBp: z.number().int(),
    amount: PositiveMinorUnits.describe('base x rate, rounded half-up to the minor unit'),
  })
  .describe("A late fee under the contract's late-payment clause: one event per day of interest.");
export type LateFeeChargedV1 = z.infer<typeof LateFeeChargedV1>;

/** Why a correcting event was needed: a fact dated before days already assessed (value dating). */
const ValueDatedCause = z
  .object({
    kind: z.enum(['PAYMENT', 'CREDIT_NOTE', 'INSTALMENT_PLAN']),
    id: EntityId.describe('the payment, credit note or instalment plan'),
    date: IsoDate.describe(
      'its value date: when the money arrived, the credit note took effect, or the plan was agreed',
    ),
  })
  .describe('the fact that, dated earlier than it was recorded, changed what was owed');

export const LateFeeReversedV1 = z
  .object({
    ...InvoiceRef,
    currency: CurrencyCode,
    kind: z.enum(['INTEREST', 'PENALTY']),
    forDate: IsoDate.describe('the overdue day of the fee reversed'),
    amount: PositiveMinorUnits.describe('the amount of the LateFeeCharged reversed, in full'),
    cause: ValueDatedCause,
  })
  .describe(
    'A late fee charged earlier was not due after all (a payment or credit note counts from its own date): it is reversed in full; a fee that was due in a smaller amount is charged again by a new LateFeeCharged.',
  );
export type LateFeeReversedV1 = z.infer<typeof LateFeeReversedV1>;

export const PaymentOverdueWithdrawnV1 = z
  .object({
    ...InvoiceRef,
    threshold: z.number().int().min(1),
    overdueDate: IsoDate.describe('the day the withdrawn PaymentOverdue said the threshold was reached'),
    cause: ValueDatedCause,
  })
  .describe(
    'A PaymentOverdue that should not have happened: counted from its value date, the payment or credit note left nothing overdue that day. Escalations, credit points and freezes that followed from it are to be undone.',
  );
export type PaymentOverdueWithdrawnV1 = z.infer<typeof PaymentOverdueWithdrawnV1>;

export const PaymentReallocatedV1 = z
  .object({
    ...InvoiceRef,
    paymentId: EntityId,
    currency: CurrencyCode,
    amount: PositiveMinorUnits,
    paymentDate: IsoDate,
    toPenalty: NonNegativeMinorUnits,
    toInterest: NonNegativeMinorUnits,
    toPrincipal: NonNegativeMinorUnits,
    previous: z.object({
      toPenalty: NonNegativeMinorUnits,
      toInterest: NonNegativeMinorUnits,
      toPrincipal: NonNegativeMinorUnits,
    }),
    released: NonNegativeMinorUnits.optional().describe(
      "what of `amount` the invoice no longer takes, back to the payment as the customer's credit (PaymentAllocationReleased): an earlier-dated payment, recorded later, paid what this one had paid. The new split adds up to `amount` less this",
    ),
    cause: ValueDatedCause,
  })
  .describe(
    "An earlier PaymentAllocated's split corrected: an earlier-dated payment or credit note, recorded later, left less in fees on this payment's date, so more of it went to principal - or left less owed on it at all, so part or all of it was released.",
  );
export type PaymentReallocatedV1 = z.infer<typeof PaymentReallocatedV1>;

export const PaymentAllocationReleasedV1 = z
  .object({
    paymentId: EntityId,
    customerId: EntityId,
    currency: CurrencyCode,
    invoiceId: EntityId,
    amount: PositiveMinorUnits.describe("what the invoice gave back: now held as the customer's credit"),
    cause: ValueDatedCause,
  })
  .describe(
    "Part or all of a payment applied to an invoice went back to the customer's credit: a payment dated earlier, recorded later, paid what this one had paid (the invoice's PaymentReallocated with `released`).",
  );
export type PaymentAllocationReleasedV1 = z.infer<typeof PaymentAllocationReleasedV1>;

export const InstalmentPlanAppliedV1 = z
  .object({
    ...InvoiceRef,
    planId: EntityId,
    instalments: z.array(AppliedInstalmentV1).min(1),
    agreedDate: IsoDate.optional().describe(
      'the business date the plan was agreed and takes effect (absent on plans applied before it was recorded)',
    ),
    fees: z
      .object({ mode: PlanFees, interest: NonNegativeMinorUnits, penalty: NonNegativeMinorUnits })
      .optional()
      .describe('the fees open on the agreement date: included in the instalments, or waived'),
    guarantee: PlanGuaranteeV1.optional(),
  })
  .describe(
    "What is open on the agreement date is now due in these instalments (each instalment's principal ages from its own date); the overdue clock restarts.",
  );
export type InstalmentPlanAppliedV1 = z.infer<typeof InstalmentPlanAppliedV1>;

export const InstalmentPlanRevisedV1 = z
  .object({
    ...InvoiceRef,
    planId: EntityId,
    instalments: z
      .array(AppliedInstalmentV1)
      .describe(
        'the plan as it covers what was really open on its agreement date; empty: the invoice was settled before the plan was agreed, which is void',
      ),
    fees: z
      .object({ mode: PlanFees, interest: NonNegativeMinorUnits, penalty: NonNegativeMinorUnits })
      .describe('the fees really open on the agreement date: included in the instalments, or waived'),
    previous: z.object({
      instalments: z.array(AppliedInstalmentV1),
      fees: z.object({ mode: PlanFees, interest: NonNegativeMinorUnits, penalty: NonNegativeMinorUnits }),
    }),
    cause: ValueDatedCause,
  })
  .describe(
    'An instalment plan corrected by value dating: a payment or credit note dated before the plan, recorded after it, shows less was open on the agreement date than the plan was agreed on. The surplus comes off the last instalments (the plan ends sooner; the instalments before are unchanged); waived fees become those really open. History is not edited.',
  );
export type InstalmentPlanRevisedV1 = z.infer<typeof InstalmentPlanRevisedV1>;

export const InstalmentPlanRefusedV1 = z
  .object({
    ...InvoiceRef,
    currency: CurrencyCode,
    planId: EntityId,
    agreedDate: IsoDate.describe('the business date the plan was agreed'),
    code: z
      .string()
      .describe('why: PLAN_DOES_NOT_MATCH_OPEN_AMOUNT, INVOICE_NOT_OPEN, INSTALMENT_BEFORE_AGREEMENT, ...'),
    reason: z.string().describe('the refusal as a person reads it, amounts with their currency'),
    planned: NonNegativeMinorUnits.describe('what the instalments add up to'),
    fees: PlanFees.describe('fees included in the plan, or waived'),
    open: z
      .object({
        principal: NonNegativeMinorUnits,
        interest: NonNegativeMinorUnits,
        penalty: NonNegativeMinorUnits,
        total: NonNegativeMinorUnits,
      })
      .describe(
        'what invoicing counts open on the agreement date: what a plan must cover (the principal alone with fees waived)',
      ),
  })
  .describe(
    'An instalment plan agreed in collections that invoicing could not apply (it counts otherwise: fees charged that collections had not yet heard of, an invoice settled meanwhile): why, and what is open. The invoice goes on under its own due dates; collections notes the refusal on the case, which goes on being chased.',
  );
export type InstalmentPlanRefusedV1 = z.infer<typeof InstalmentPlanRefusedV1>;

export const LateFeesWaivedV1 = z
  .object({
    ...InvoiceRef,
    currency: CurrencyCode,
    interest: NonNegativeMinorUnits,
    penalty: NonNegativeMinorUnits,
    planId: EntityId.optional().describe('the instalment plan the waiver was agreed with'),
    waiver: FeeWaiverV1,
    date: IsoDate,
  })
  .describe('The late fees open on the date are waived by a recorded decision; they are no longer owed.');
export type LateFeesWaivedV1 = z.infer<typeof LateFeesWaivedV1>;

export const CreditNoteIssuedV1 = z
  .object({
    ...InvoiceRef,
    creditNoteId: EntityId,
    currency: CurrencyCode,
    amount: PositiveMinorUnits,
    reason: z.string().min(1),
    issueDate: IsoDate,
  })
  .describe("A credit note reduced the invoice's principal.");
export type CreditNoteIssuedV1 = z.infer<typeof CreditNoteIssuedV1>;

export const InvoiceFullyCreditedV1 = z
  .object({ ...InvoiceRef, creditNoteId: EntityId })
  .describe('Credit notes cancelled the whole invoice: nothing is owed on it.');
export type InvoiceFullyCreditedV1 = z.infer<typeof InvoiceFullyCreditedV1>;

export const InvoiceDisputedV1 = z
  .object({ ...InvoiceRef, reason: z.string().min(1), disputedDate: IsoDate })
  .describe('The customer disputes the invoice: it stays in aging, out of dunning, until resolved.');
export type InvoiceDisputedV1 = z.infer<typeof InvoiceDisputedV1>;

export const InvoiceDisputeResolvedV1 = z
  .object({ ...InvoiceRef, resolution: z.string().min(1), resolvedDate: IsoDate })
  .describe('The dispute is over (a credit note settles any part conceded).');
export type InvoiceDisputeResolvedV1 = z.infer<typeof InvoiceDisputeResolvedV1>;

export const InvoiceWrittenOffV1 = z
  .object({
    ...InvoiceRef,
    currency: CurrencyCode,
    principal: NonNegativeMinorUnits,
    fees: NonNegativeMinorUnits,
    reason: z.string().min(1),
    writtenOffDate: IsoDate,
  })
  .describe('The receivable is written off as uncollectable.');
export type InvoiceWrittenOffV1 = z.infer<typeof InvoiceWrittenOffV1>;

export const InvoiceAssignedToFactorV1 = z
  .object({ ...InvoiceRef, factorId: EntityId, withRecourse: z.boolean(), assignedDate: IsoDate })
  .describe('The receivable was assigned to a bank or factor; it still counts as open until paid.');
export type InvoiceAssignedToFactorV1 = z.infer<typeof InvoiceAssignedToFactorV1>;

export const FactorAdvanceReceivedV1 = z
  .object({
    ...InvoiceRef,
    factorId: EntityId,
    currency: CurrencyCode,
    amount: PositiveMinorUnits,
    receivedDate: IsoDate,
  })
  .describe("The factor's advance on an assigned receivable.");
export type FactorAdvanceReceivedV1 = z.infer<typeof FactorAdvanceReceivedV1>;

export const InvoicingEventsV1 = {
  InvoiceIssued: InvoiceIssuedV1,
  PaymentReceived: PaymentReceivedV1,
  PaymentMatched: PaymentMatchedV1,
  PaymentAllocated: PaymentAllocatedV1,
  PaymentApplied: PaymentAppliedV1,
  DiscountTaken: DiscountTakenV1,
  InvoicePaid: InvoicePaidV1,
  PaymentOverdue: PaymentOverdueV1,
  LateFeeCharged: LateFeeChargedV1,
  LateFeeReversed: LateFeeReversedV1,
  PaymentOverdueWithdrawn: PaymentOverdueWithdrawnV1,
  PaymentReallocated: PaymentReallocatedV1,
  PaymentAllocationReleased: PaymentAllocationReleasedV1,
  InstalmentPlanApplied: InstalmentPlanAppliedV1,
  InstalmentPlanRevised: InstalmentPlanRevisedV1,
  InstalmentPlanRefused: InstalmentPlanRefusedV1,
  LateFeesWaived: LateFeesWaivedV1,
  CreditNoteIssued: CreditNoteIssuedV1,
  InvoiceFullyCredited: InvoiceFullyCreditedV1,
  InvoiceDisputed: InvoiceDisputedV1,
  InvoiceDisputeResolved: InvoiceDisputeResolvedV1,
  InvoiceWrittenOff: InvoiceWrittenOffV1,
  InvoiceAssignedToFactor: InvoiceAssignedToFactorV1,
  FactorAdvanceReceived: FactorAdvanceReceivedV1,
} as const;
