import { z } from 'zod';
import { PlanTermsRequest, WAIVER_MESSAGE, waiverIsRecorded } from '../invoicing/plan.v1';
import { EntityId, IsoDate, PositiveAmount } from '../primitives';
import { Channel, ContactLanguage, ContactPersonV1, DebtorType, OwnerRole, Weekday } from './events.v1';

const Text = z.string().trim().min(1, 'must not be empty').max(1000);

export const PromiseRequest = z
  .object({ promiseId: EntityId, promisedDate: IsoDate, promisedAmount: PositiveAmount })
  .strict();
export const DebtorTypeRequest = z.object({ debtorType: DebtorType, by: EntityId, reason: Text }).strict();
export const CasePlanRequest = z
  .object(PlanTermsRequest)
  .strict()
  .refine(waiverIsRecorded, WAIVER_MESSAGE)
  .describe(
    "The instalments add up to what is open today (GET /cases/:id `open`): principal and fees, or the principal alone with fees WAIVED by a recorded decision; each instalment's date on or after today, in order",
  );
export const ActionRequest = z
  .object({
    kind: z.enum(['CALL', 'VISIT', 'EMAIL', 'NOTE']),
    by: EntityId,
    note: Text.describe('what was done, what the customer said'),
    nextStep: z.string().max(500).optional(),
  })
  .strict();
export const WorklistQuery = z.object({ ownerRole: OwnerRole.optional() });
export const ScreenRequest = z
  .object({
    text: Text,
    at: z.iso
      .datetime({ offset: true })
      .optional()
      .describe(
        'the instant it would go out, with Z or an offset (2026-03-10T09:30:00+08:00); now when absent',
      ),
  })
  .strict();

export const ContactPreferencesRequest = z
  .object({
    contacts: z.array(ContactPersonV1).max(20),
    channel: Channel.default('EMAIL'),
    language: ContactLanguage.default('zh'),
    quietDays: z
      .array(z.union([Weekday, IsoDate]))
      .max(400)
      .default([]),
  })
  .strict()
  .describe("The customer's contact persons and preferences; they replace the previous ones");
export const OptOutRequest = z
  .object({ channel: Channel, reason: z.string().trim().max(1000).optional() })
  .strict()
  .describe('The customer asked not to be contacted by this channel');
export const OptInRequest = z.object({ channel: Channel }).strict();
