import { z } from 'zod';
import { PlanGuaranteeV1, PlanTermsRequest, WAIVER_MESSAGE, waiverIsRecorded } from '../invoicing/plan.v1';
import { LateFeeTermsV1 } from '../invoicing/terms.v1';
import { CurrencyCode, EntityId, IsoDate, openObject, PositiveAmount } from '../primitives';
import {
  Channel,
  ContactLanguage,
  ContactPersonV1,
  DebtorType,
  MessageKind,
  OwnerRole,
  Weekday,
} from './events.v1';

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
export const OptInRequest = z
  .object({ channel: Channel, reason: z.string().trim().max(1000).optional() })
  .strict()
  .describe('The customer agreed again to be contacted by this channel (why, optionally: recorded with who)');

/*
 * What collections answers (the response schemas of its routes). Objects are open (`openObject`):
 * the fields named are always there as described, and a field added later reaches the clients.
 */
const Minor = z.number().int().describe('minor units');
const Id = z.string().describe('an id');

/** What collections knows of the invoice behind a case (from invoicing's events). */
export const CaseInvoiceView = openObject({
  invoiceId: Id,
  customerId: Id,
  customerName: z.string().describe("the customer's name as known now"),
  contractId: Id.optional().describe('the contract it was issued under, when invoicing names one'),
  amount: Minor,
  currency: CurrencyCode,
  dueDate: IsoDate,
  lateFeeTerms: LateFeeTermsV1.optional(),
  prepayment: z.literal(true).optional().describe('a prepayment invoice: nothing to collect'),
});

const InstalmentView = openObject({ dueDate: IsoDate, amount: Minor });
export const CasePlanView = openObject({
  planId: Id,
  agreedDate: IsoDate,
  instalments: z.array(InstalmentView),
  guarantee: PlanGuaranteeV1.optional(),
  received: z.array(openObject({ date: IsoDate, amount: Minor })).describe('paid or credited under it'),
  broken: openObject({ dueDate: IsoDate, detectedDate: IsoDate })
    .optional()
    .describe('the instalment missed, once the plan is broken'),
}).describe('the instalment plan the case is under');

/** What became of a message a case decided (#14 item 8): a `ReminderSent` is not yet a message sent. */
const MessageDeliveryView = openObject({
  status: z
    .enum(['QUEUED', 'DEFERRED', 'DELIVERED', 'FAILED', 'CANCELLED'])
    .describe('QUEUED or DEFERRED: not sent yet; DELIVERED: sent; FAILED, CANCELLED: not sent'),
  deliveredAt: z.iso
    .datetime({ offset: true })
    .optional()
    .describe("the instant the channel's server took it, with the business offset; absent until it is sent"),
  deliveredOn: IsoDate.optional().describe('the business day it was sent; absent until it is'),
  reason: z
    .string()
    .optional()
    .describe(
      'why it is not sent (yet): CONTACT_LIMIT, QUIET_DAY, TEMPORARY_FAILURE (deferred); PERMANENT_FAILURE, NO_CONTACT, OPTED_OUT (failed); CASE_SETTLED, RUNG_WITHDRAWN (cancelled)',
    ),
  notBefore: IsoDate.optional().describe(
    'deferred by a quiet day or the contact limit: the first day it may go',
  ),
});

export const CaseView = openObject({
  caseId: Id,
  status: z.enum(['TRACKING', 'OPEN', 'CLOSED', 'SETTLED']),
  invoice: CaseInvoiceView,
  openPrincipal: Minor,
  open: openObject({ principal: Minor, fees: Minor, total: Minor }).describe(
    'what a plan agreed today must cover: principal after payments and credit notes, and fees',
  ),
  plan: CasePlanView.nullable(),
  disputed: z.boolean(),
  rungsReached: z.array(z.number().int()).describe('the ladder rungs reached (days overdue)'),
  debtorType: DebtorType.nullable(),
  promises: z.array(
    openObject({
      promiseId: Id,
      date: IsoDate,
      amount: Minor,
      paidBefore: Minor,
      status: z.enum(['OPEN', 'KEPT', 'BROKEN']),
    }),
  ),
  lastAction: openObject({
    kind: z.enum(['CALL', 'VISIT', 'EMAIL', 'NOTE']),
    by: Id,
    note: z.string(),
    nextStep: z.string().optional(),
    date: IsoDate,
  }).nullable(),
  history: z
    .array(
      openObject({
        type: z.string().describe("the event's type; its data beside it"),
        delivery: MessageDeliveryView.optional().describe(
          'on a `ReminderSent` (the message decided and queued, `sentDate`/`sentAt` the day and instant it was generated): what became of it - sent only when `status` is DELIVERED, on `deliveredOn` at `deliveredAt`',
        ),
      }),
    )
    .describe(
      'the case history, oldest first: each message with its text as decided and what became of it (`delivery`), or why it was stopped (`MessageBlocked`)',
    ),
  version: z.number().int().describe("the case stream's version"),
});

/** What a message is: a rung of the ladder (MessageKind), or PLAN_AGREEMENT (an instalment plan's confirmation). */
const MessageKindSent = z.string().describe(`${MessageKind.options.join(', ')} or PLAN_AGREEMENT`);

/** A message of a case as its channel answered. */
export const DeliveryView = openObject({
  messageId: Id,
  kind: MessageKindSent,
  channel: Channel,
  status: z.string().describe('QUEUED, DELIVERED, DEFERRED, FAILED or CANCELLED'),
  to: z.string().nullable().describe('the address it goes to (none known: null)'),
  attempts: z.number().int(),
  lastAnswer: z.string().nullable().describe("the channel's last answer"),
  letter: z.string().nullable().describe('the formal letter it carries, if any'),
  language: ContactLanguage.nullable(),
  signature: z.string().nullable().describe("the letter's detached Ed25519 signature, base64"),
});

export const CaseDetailView = CaseView.extend({
  deliveries: z.array(DeliveryView).describe("each message's delivery (queued, delivered, deferred, failed)"),
});

export const WorklistView = openObject({
  asOf: IsoDate,
  cases: z
    .array(
      openObject({
        invoiceId: Id,
        customerId: Id,
        currency: CurrencyCode,
        openAmount: Minor,
        dueDate: IsoDate,
        daysOverdue: z.number().int(),
        ownerRole: OwnerRole,
        strategy: z
          .string()
          .nullable()
          .describe('CONSULTATIVE, PROCESS or PROTECTIVE; null before one is chosen'),
        debtorType: DebtorType.nullable(),
        tier: z.string().describe("the customer's credit tier (COOPERATIVE when unknown)"),
        lastAction: z.string().nullable(),
        nextStep: z.string().nullable(),
        attention: z.string().nullable().describe('what a person must see to before the case goes on'),
        priority: z
          .number()
          .describe('open amount x days overdue x risk (CAUTIOUS 3, COOPERATIVE 2, STRATEGIC 1)'),
      }),
    )
    .describe('open cases, highest priority first'),
  undelivered: z
    .array(
      openObject({
        messageId: Id,
        invoiceId: Id,
        customerId: Id,
        kind: MessageKindSent,
        channel: Channel,
        status: z.string(),
        attempts: z.number().int(),
        lastAnswer: z.string().nullable(),
      }),
    )
    .describe(
      'messages that did not reach the customer (bounced, no contact, opted out): a person takes them',
    ),
});

export const ScreeningView = z.discriminatedUnion('outcome', [
  openObject({ outcome: z.literal('SEND') }),
  openObject({
    outcome: z.literal('BLOCKED'),
    rule: z.string().describe('the rule, e.g. prohibited-wording:threat'),
    matched: z.string(),
  }),
  openObject({
    outcome: z.literal('DEFERRED'),
    rule: z.string().describe('contact-hours, frequency-per-day or frequency-per-week'),
    matched: z.string(),
    until: z.string().describe('the business date (YYYY-MM-DD) it may go out'),
  }),
]);

/**
 * A contact person as recorded. The address is the one the request took (ContactPersonV1's
 * z.email()), not re-checked on the way out: a JSON Schema `email` format is stricter than zod's
 * (a local part over 64 characters), and what was recorded is what is answered.
 */
const ContactPersonView = openObject({
  name: z.string(),
  email: z.string().optional().describe('the e-mail address, as recorded'),
  phone: z.string().optional(),
  role: z.string().describe('e.g. accounts payable, finance director'),
});

export const ContactPreferencesView = openObject({
  customerId: Id,
  contacts: z.array(ContactPersonView),
  channel: Channel,
  language: ContactLanguage,
  quietDays: z.array(z.string()).describe('weekdays (MONDAY...) and dates (YYYY-MM-DD) without messages'),
  optedOut: z
    .array(openObject({ channel: Channel, date: IsoDate, recordedBy: z.string() }))
    .describe('each channel the customer opted out of, with the day and who recorded it'),
  version: z.number().int(),
});
