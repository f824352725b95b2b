import { z } from 'zod';
import { DiscountTermsV1, LateFeeTermsV1 } from '../invoicing/terms.v1';
import { CurrencyCode, EntityId, IsoDate, PositiveMinorUnits } from '../primitives';

/** Public events of the contract service on `ar.contract.events.v1`. */

export const MilestoneTrigger = z
  .enum(['SIGNING', 'DELIVERY', 'ACCEPTANCE', 'DATE', 'AFTER_ACCEPTANCE'])
  .describe(
    'what releases the payment: signing, delivery, acceptance, a fixed date, or days after acceptance (warranty)',
  );
export type MilestoneTrigger = z.infer<typeof MilestoneTrigger>;

export const PaymentTermV1 = z
  .object({
    days: z.number().int().min(0).max(365),
    basis: z.enum(['WORKING', 'CALENDAR']).describe('working days follow the business calendar'),
  })
  .strict()
  .describe('e.g. "within 3 working days of acceptance"');
export type PaymentTermV1 = z.infer<typeof PaymentTermV1>;

export const MilestoneV1 = z.object({
  milestoneId: EntityId,
  name: z.string().trim().min(1).max(200),
  shareBp: z.number().int().min(1).max(10_000).describe('share of the contract value, basis points'),
  amount: PositiveMinorUnits.describe('the share in minor units; the amounts add up to the value exactly'),
  trigger: MilestoneTrigger,
  date: IsoDate.optional().describe('for DATE: the day'),
  afterDays: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('for AFTER_ACCEPTANCE: calendar days after acceptance'),
  term: PaymentTermV1,
});
export type MilestoneV1 = z.infer<typeof MilestoneV1>;

export const ContractClausesV1 = z.object({
  lateFee: LateFeeTermsV1,
  disputeVenue: z.string(),
  serviceSuspensionDays: z
    .number()
    .int()
    .min(1)
    .describe('after-sales service suspended this many days after an acceptance left unpaid'),
  prepayment: z.boolean().describe('cash before delivery'),
  retentionOfTitle: z.boolean(),
  creditEnhancement: z.enum(['NONE', 'GUARANTEE']),
  discount: DiscountTermsV1.optional(),
});
export type ContractClausesV1 = z.infer<typeof ContractClausesV1>;

const ContractRef = { contractId: EntityId, customerId: EntityId };

export const ContractDraftedV1 = z
  .object({
    ...ContractRef,
    title: z.string(),
    value: PositiveMinorUnits,
    currency: CurrencyCode,
    tier: z
      .enum(['STRATEGIC', 'COOPERATIVE', 'CAUTIOUS'])
      .describe("the customer's credit tier the clauses were chosen for"),
    milestones: z.array(MilestoneV1).min(1),
    clauses: ContractClausesV1,
    draftedDate: IsoDate,
  })
  .describe("A contract was drafted with its payment schedule and the clause library's terms for the tier.");
export type ContractDraftedV1 = z.infer<typeof ContractDraftedV1>;

export const DeliverableRecordedV1 = z
  .object({ ...ContractRef, kind: z.enum(['DELIVERY', 'ACCEPTANCE']), date: IsoDate })
  .describe('The goods were delivered, or the customer accepted them.');
export type DeliverableRecordedV1 = z.infer<typeof DeliverableRecordedV1>;

export const ContractTermsTightenedV1 = z
  .object({
    ...ContractRef,
    milestones: z.array(
      z.object({ milestoneId: EntityId, termBefore: PaymentTermV1, termAfter: PaymentTermV1 }),
    ),
    prepayment: z.boolean(),
    cause: z.string().describe('the credit event that tightened the terms'),
    date: IsoDate,
  })
  .describe('Dynamic clause: the terms of milestones not yet reached were tightened after a credit warning.');
export type ContractTermsTightenedV1 = z.infer<typeof ContractTermsTightenedV1>;

export const ServiceSuspendedV1 = z
  .object({
    ...ContractRef,
    milestoneId: EntityId,
    invoiceId: EntityId,
    acceptedDate: IsoDate,
    dueDate: IsoDate.optional().describe("the acceptance invoice's due date"),
    date: IsoDate.describe('the day the suspension takes effect'),
    reason: z.string().optional().describe('which rule fired, on which facts'),
  })
  .describe(
    "Service-suspension clause: after-sales service suspended, an accepted milestone's invoice due and still unpaid at the end of the clause's last day (a payment that day prevents it).",
  );
export type ServiceSuspendedV1 = z.infer<typeof ServiceSuspendedV1>;

export const ServiceResumedV1 = z
  .object({
    ...ContractRef,
    date: IsoDate,
    reason: z.string(),
    withdrawn: z
      .boolean()
      .optional()
      .describe('the payment (by its value date) came before the suspension: it should not have happened'),
  })
  .describe('After-sales service resumed: what suspended it was paid.');
export type ServiceResumedV1 = z.infer<typeof ServiceResumedV1>;

export const MilestoneInvoiceStatusV1 = z
  .object({
    ...ContractRef,
    milestoneId: EntityId,
    invoiceId: EntityId,
    status: z.enum(['INVOICED', 'PAID']),
    date: IsoDate,
  })
  .describe("A milestone's invoice was issued or paid (as invoicing reported it).");
export type MilestoneInvoiceStatusV1 = z.infer<typeof MilestoneInvoiceStatusV1>;

export const ContractCompletedV1 = z
  .object({ ...ContractRef, date: IsoDate })
  .describe('Every milestone was reached and paid.');
export type ContractCompletedV1 = z.infer<typeof ContractCompletedV1>;

export const ContractTerminatedV1 = z
  .object({
    ...ContractRef,
    reason: z.string().min(1),
    date: IsoDate,
    unbilledValue: z.number().int().min(0),
  })
  .describe('The contract was terminated; what was not yet billed will not be.');
export type ContractTerminatedV1 = z.infer<typeof ContractTerminatedV1>;

export const MilestoneReachedV1 = z
  .object({
    contractId: EntityId,
    milestoneId: EntityId,
    customerId: EntityId,
    amount: PositiveMinorUnits.describe("the milestone's share of the contract value, in minor units"),
    currency: CurrencyCode,
    reachedDate: IsoDate.describe('the day the trigger happened (signing, delivery, acceptance, a date)'),
    dueDate: IsoDate.describe("reached date plus the milestone's payment term, on the business calendar"),
    lateFeeTerms: LateFeeTermsV1.optional(),
    discountTerms: DiscountTermsV1.optional(),
    trigger: MilestoneTrigger.optional(),
    term: PaymentTermV1.optional(),
    prepayment: z
      .literal(true)
      .optional()
      .describe(
        'a prepayment contract (款到发货): the invoice asks for money before shipping, no credit extended',
      ),
  })
  .describe("A billing milestone was reached: the amount it releases is due on the term's date.");
export type MilestoneReachedV1 = z.infer<typeof MilestoneReachedV1>;

export const TermExceptionV1 = z
  .discriminatedUnion('approvedBy', [
    z.object({
      approvedBy: z.literal('RISK'),
      exceptionId: EntityId.optional().describe(
        'the decision as credit-scoring keeps it (absent on signatures before it did)',
      ),
      termDays: z.number().int().min(1).max(365),
      decidedBy: EntityId,
      reason: z.string().trim().min(1).max(500),
    }),
    z.object({
      approvedBy: z.literal('COMMITTEE'),
      exceptionId: EntityId.optional().describe(
        'the decision as credit-scoring keeps it (absent on signatures before it did)',
      ),
      termDays: z.number().int().min(1).max(365),
      votes: z
        .array(
          z.object({
            member: z.enum(['SALES', 'FINANCE', 'LEGAL']),
            approve: z.boolean(),
            reason: z.string().trim().min(1).max(500),
          }),
        )
        .length(3, 'the committee is sales, finance and legal: three votes'),
    }),
  ])
  .describe(
    "A recorded exception to the tier's payment term: payment terms of up to termDays calendar days, by the risk role or the joint credit committee (sales, finance, legal), as credit-scoring keeps it under exceptionId.",
  );
export type TermExceptionV1 = z.infer<typeof TermExceptionV1>;

export const ContractSignedV1 = z
  .object({
    contractId: EntityId,
    customerId: EntityId,
    value: PositiveMinorUnits.describe('total contract value, minor units'),
    currency: CurrencyCode,
    signedDate: IsoDate,
    termException: TermExceptionV1.optional().describe(
      "the exception that allowed a term longer than the customer's tier allows",
    ),
    prepayment: z
      .literal(true)
      .optional()
      .describe('on prepayment terms (款到发货): no credit extended, so its value is no exposure'),
  })
  .describe('A contract was signed: its value is exposure (signed, not yet billed) until invoiced.');
export type ContractSignedV1 = z.infer<typeof ContractSignedV1>;

export const ContractEventsV1 = {
  ContractDrafted: ContractDraftedV1,
  ContractSigned: ContractSignedV1,
  DeliverableRecorded: DeliverableRecordedV1,
  MilestoneReached: MilestoneReachedV1,
  MilestoneInvoiceStatus: MilestoneInvoiceStatusV1,
  ContractTermsTightened: ContractTermsTightenedV1,
  ServiceSuspended: ServiceSuspendedV1,
  ServiceResumed: ServiceResumedV1,
  ContractCompleted: ContractCompletedV1,
  ContractTerminated: ContractTerminatedV1,
} as const;
