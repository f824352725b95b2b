import { z } from 'zod';
import { DiscountTermsV1 } from '../invoicing/terms.v1';
import { CurrencyCode, EntityId, IsoDate, PositiveAmount } from '../primitives';
import { ContractDraftedV1, MilestoneTrigger, MilestoneV1, PaymentTermV1 } from './events.v1';

export const MilestoneRequest = z
  .object({
    milestoneId: EntityId,
    name: z.string().trim().min(1).max(200),
    percent: z.number().gt(0).max(100).multipleOf(0.01, 'at most two decimals, e.g. 33.33'),
    trigger: MilestoneTrigger,
    date: IsoDate.optional(),
    afterDays: z.number().int().min(0).max(3650).optional(),
    term: PaymentTermV1,
  })
  .strict();

export const DraftContractRequest = z
  .object({
    contractId: EntityId.optional().describe(
      'client-chosen id, makes retries idempotent; generated when absent',
    ),
    customerId: EntityId,
    title: z.string().trim().min(1).max(200),
    value: PositiveAmount,
    currency: CurrencyCode,
    milestones: z.array(MilestoneRequest).min(1).max(50),
    discount: DiscountTermsV1.optional(),
  })
  .strict();

export const DeliverableRequest = z
  .object({ date: IsoDate.optional().describe('today when absent') })
  .strict();
export const SignContractRequest = z
  .object({
    date: IsoDate.optional().describe('today when absent'),
    termException: z
      .object({
        exceptionId: EntityId.describe(
          "the term exception credit-scoring keeps for this customer: recorded by the risk role (POST /customers/:id/term-exceptions) or decided by the credit committee's votes with termDays",
        ),
      })
      .strict()
      .optional()
      .describe(
        'needed when a milestone term is longer than the customer tier allows: a stored decision, by its id',
      ),
  })
  .strict();
export const TerminationRequest = z
  .object({ reason: z.string().trim().min(1).max(500), date: IsoDate.optional() })
  .strict();

export const ContractView = ContractDraftedV1.omit({ milestones: true }).extend({
  status: z.enum(['DRAFT', 'SIGNED', 'COMPLETED', 'TERMINATED']),
  milestones: z.array(
    MilestoneV1.extend({
      reachedDate: IsoDate.optional(),
      invoiceId: EntityId.optional(),
      paid: z.boolean(),
    }),
  ),
  signedDate: IsoDate.optional(),
  deliveredDate: IsoDate.optional(),
  acceptedDate: IsoDate.optional(),
  serviceSuspended: z.boolean(),
  suspensions: z
    .array(
      z.object({
        milestoneId: EntityId,
        invoiceId: EntityId,
        suspendedDate: IsoDate.describe('from this day after-sales service is suspended'),
        dueDate: IsoDate.optional(),
        reason: z.string().optional(),
        resumedDate: IsoDate.optional().describe('service resumed this day (absent: still suspended)'),
        withdrawn: z.boolean().describe('the payment had arrived before the suspension took effect'),
      }),
    )
    .describe('the service-suspension clause each time it applied: suspension and resumption dates'),
  version: z.number().int(),
});
export type ContractView = z.infer<typeof ContractView>;
