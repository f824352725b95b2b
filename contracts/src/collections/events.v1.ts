import { z } from 'zod';
import { FeeWaiverV1, PlanFees, PlanGuaranteeV1 } from '../invoicing/plan.v1';
import { CurrencyCode, EntityId, IsoDate } from '../primitives';

/** Public events of the collections service on `ar.collections.events.v1`. */

const CaseRef = { caseId: EntityId, invoiceId: EntityId, customerId: EntityId };
export const OwnerRole = z.enum(['SALES', 'FINANCE', 'LEGAL', 'MANAGEMENT']);
export type OwnerRole = z.infer<typeof OwnerRole>;
export const DebtorType = z.enum(['CASH_FLOW_DIFFICULTY', 'HABITUAL_DELAY', 'MALICIOUS_EVASION']);
export type DebtorType = z.infer<typeof DebtorType>;
export const CollectionStrategy = z.enum(['CONSULTATIVE', 'PROCESS', 'PROTECTIVE']);
export const MessageKind = z.enum([
  'REMINDER_BEFORE_DUE',
  'REMINDER_ON_DUE',
  'REMINDER_OVERDUE',
  'CUSTOMER_CARE',
  'DUNNING_LETTER',
  'LAWYERS_LETTER',
]);
export type MessageKind = z.infer<typeof MessageKind>;
export const Channel = z.enum(['EMAIL', 'SMS', 'LETTER']);

export const CaseOpenedV1 = z
  .object({
    ...CaseRef,
    amount: z.number().int(),
    currency: CurrencyCode,
    dueDate: IsoDate,
    openedDate: IsoDate,
  })
  .describe('A collection case was opened for an overdue invoice (one case per invoice).');
export type CaseOpenedV1 = z.infer<typeof CaseOpenedV1>;

export const ReminderSentV1 = z
  .object({
    ...CaseRef,
    messageId: EntityId,
    kind: MessageKind,
    channel: Channel,
    text: z.string().describe('the text of the message, archived as decided'),
    sentDate: IsoDate.describe(
      'the business day it was generated and queued for delivery, in the business time zone (not when it reached the customer: `MessageDelivered.at` on `message-<messageId>`)',
    ),
    sentAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe(
        'the instant it was generated and queued for delivery, with the business time zone offset (delivered: `MessageDelivered.at`)',
      ),
  })
  .describe(
    'A reminder or letter passed compliance screening and was queued for delivery by its channel. Whether and when it was sent is its delivery on `message-<messageId>`: `MessageDelivered` (sent, at when), `MessageDeliveryDeferred` (held: contact hours, the contact limit, a quiet day, the mail server), `MessageDeliveryFailed`, `MessageDeliveryCancelled`.',
  );
export type ReminderSentV1 = z.infer<typeof ReminderSentV1>;

export const MessageBlockedV1 = z
  .object({
    ...CaseRef,
    messageId: EntityId,
    kind: MessageKind,
    rule: z.string().describe('the compliance rule that blocked it'),
    matched: z.string().describe('what matched: the wording, the hour, the count'),
    outcome: z.enum(['BLOCKED', 'DEFERRED']),
    deferredTo: IsoDate.optional(),
    date: IsoDate,
  })
  .describe('Compliance stopped a message: blocked for its wording, or deferred (contact hours, frequency).');
export type MessageBlockedV1 = z.infer<typeof MessageBlockedV1>;

export const CaseEscalatedV1 = z
  .object({
    ...CaseRef,
    rung: z.number().int().describe('days overdue from which this rung applies (1, 16, 31, 91)'),
    ownerRole: OwnerRole,
    action: z.string(),
    rule: z.string().describe('the ladder rule, e.g. "16-30 days overdue: finance"'),
    daysOverdue: z.number().int(),
    date: IsoDate,
  })
  .describe('The case reached a rung of the escalation ladder; its owner and action change.');
export type CaseEscalatedV1 = z.infer<typeof CaseEscalatedV1>;

export const StrategyChosenV1 = z
  .object({
    ...CaseRef,
    strategy: CollectionStrategy,
    debtorType: DebtorType,
    nextActions: z.array(z.string()),
    reason: z.string(),
    date: IsoDate,
  })
  .describe('The collection strategy for the case, from the tier and the debtor type, and why.');
export type StrategyChosenV1 = z.infer<typeof StrategyChosenV1>;

export const CreditFreezeRequestedV1 = z
  .object({
    caseId: EntityId,
    customerId: EntityId,
    reason: z.string().min(1),
    daysOverdue: z.number().int(),
    date: IsoDate,
  })
  .describe(
    "Collections asks credit-scoring to freeze the customer's credit (16-30 days overdue by default).",
  );
export type CreditFreezeRequestedV1 = z.infer<typeof CreditFreezeRequestedV1>;

export const PromiseRecordedV1 = z
  .object({
    ...CaseRef,
    promiseId: EntityId,
    promisedDate: IsoDate,
    promisedAmount: z.number().int().positive(),
    date: IsoDate,
  })
  .describe('The customer promised to pay this amount by this date.');
export type PromiseRecordedV1 = z.infer<typeof PromiseRecordedV1>;

export const PromiseKeptV1 = z
  .object({ ...CaseRef, promiseId: EntityId, date: IsoDate })
  .describe('A promise to pay was kept.');
export type PromiseKeptV1 = z.infer<typeof PromiseKeptV1>;

export const PromiseBrokenV1 = z
  .object({
    caseId: EntityId,
    invoiceId: EntityId.optional(),
    customerId: EntityId,
    promiseId: EntityId,
    promisedDate: IsoDate,
    promisedAmount: z.number().int().positive(),
    detectedDate: IsoDate,
  })
  .describe('A promise to pay was not kept: detected on the day after the promised date.');
export type PromiseBrokenV1 = z.infer<typeof PromiseBrokenV1>;

export const InstalmentPlanAgreedV1 = z
  .object({
    ...CaseRef,
    planId: EntityId,
    instalments: z.array(z.object({ dueDate: IsoDate, amount: z.number().int().positive() })).min(1),
    fees: PlanFees.optional().describe('absent on plans agreed before fees could be included: INCLUDED'),
    feeWaiver: FeeWaiverV1.optional(),
    guarantee: PlanGuaranteeV1.optional(),
    date: IsoDate.describe('the business date it was agreed'),
  })
  .describe('An instalment plan was agreed with the customer; invoicing applies it to the invoice.');
export type InstalmentPlanAgreedV1 = z.infer<typeof InstalmentPlanAgreedV1>;

export const InstalmentPlanBrokenV1 = z
  .object({
    ...CaseRef,
    planId: EntityId,
    dueDate: IsoDate.describe('the instalment missed: not paid in full by this date'),
    due: z.number().int().describe('what the plan had due by that date, in minor units'),
    paid: z.number().int().describe('what was paid (or credited) since the plan, by that date'),
    missed: z.number().int().positive().describe('due - paid'),
    detectedDate: IsoDate.describe('the business day it was detected: the first one after the date'),
  })
  .describe('An instalment was missed: the plan is broken and the case is chased again from that date.');
export type InstalmentPlanBrokenV1 = z.infer<typeof InstalmentPlanBrokenV1>;

export const CollectionActionRecordedV1 = z
  .object({
    ...CaseRef,
    kind: z.enum(['CALL', 'VISIT', 'EMAIL', 'NOTE']),
    by: EntityId,
    note: z.string(),
    nextStep: z.string().optional(),
    date: IsoDate,
  })
  .describe('A person worked the case: a call made, what the customer said, the next step.');
export type CollectionActionRecordedV1 = z.infer<typeof CollectionActionRecordedV1>;

export const CaseClosedV1 = z
  .object({
    ...CaseRef,
    outcome: z
      .enum(['PAID', 'PAID_ON_TIME', 'PLAN_AGREED', 'HANDED_TO_LEGAL', 'WRITTEN_OFF', 'CREDITED'])
      .describe(
        'PAID_ON_TIME: the money arrived by the due date (value dating), so the case should never have opened',
      ),
    date: IsoDate,
  })
  .describe('The case is closed, with its outcome.');
export type CaseClosedV1 = z.infer<typeof CaseClosedV1>;

export const CaseEscalationWithdrawnV1 = z
  .object({
    ...CaseRef,
    rung: z.number().int().describe('the rung withdrawn (days overdue from which it applied)'),
    ownerRole: OwnerRole.optional().describe('who owns the case now: the highest rung still reached'),
    reason: z.string().min(1),
    overdueDate: IsoDate.optional().describe('the day the withdrawn threshold was said to be reached'),
    valueDate: IsoDate.optional().describe('the value date of the payment or credit note that withdrew it'),
    date: IsoDate,
  })
  .describe(
    'A CaseEscalated that should not have happened: the invoice was not that many days overdue after all (a payment counted from its value date). The escalation is withdrawn; history is not edited.',
  );
export type CaseEscalationWithdrawnV1 = z.infer<typeof CaseEscalationWithdrawnV1>;

export const CreditFreezeLiftRequestedV1 = z
  .object({
    caseId: EntityId,
    customerId: EntityId,
    reason: z.string().min(1),
    date: IsoDate,
  })
  .describe(
    'Collections withdraws its CreditFreezeRequested for this case: the rung that asked for it should not have been reached. Credit-scoring lifts the freeze if it was this case that froze the customer.',
  );
export type CreditFreezeLiftRequestedV1 = z.infer<typeof CreditFreezeLiftRequestedV1>;

/** How a customer may be reached (issue 18 item 3): contact persons, channel, language, quiet days. */
export const ContactLanguage = z.enum(['en', 'zh']);
export const Weekday = z.enum(['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY']);
export const ContactPersonV1 = z
  .object({
    name: z.string().trim().min(1).max(200),
    email: z.email().optional(),
    phone: z.string().trim().min(3).max(40).optional(),
    role: z.string().trim().min(1).max(100).describe('e.g. accounts payable, finance director'),
  })
  .strict();
export type ContactPersonV1 = z.infer<typeof ContactPersonV1>;

export const ContactPreferencesSetV1 = z
  .object({
    customerId: EntityId,
    contacts: z.array(ContactPersonV1).max(20),
    channel: Channel.describe('the channel messages go out by'),
    language: ContactLanguage.describe("the language of the customer's letters"),
    quietDays: z
      .array(z.union([Weekday, IsoDate]))
      .max(400)
      .describe('weekdays or dates on which the customer is not contacted: a message is deferred past them'),
    recordedBy: z.string().min(1).describe('who recorded them (the token subject)'),
    date: IsoDate,
  })
  .describe("A customer's contact persons and preferences were set (they replace the previous ones).");
export type ContactPreferencesSetV1 = z.infer<typeof ContactPreferencesSetV1>;

export const ChannelOptedOutV1 = z
  .object({
    customerId: EntityId,
    channel: Channel,
    reason: z.string().max(1000).optional(),
    recordedBy: z.string().min(1).describe('who recorded the request (the token subject)'),
    date: IsoDate,
  })
  .describe('The customer asked not to be contacted by this channel: nothing more goes out by it.');
export type ChannelOptedOutV1 = z.infer<typeof ChannelOptedOutV1>;

export const ChannelOptedInV1 = z
  .object({
    customerId: EntityId,
    channel: Channel,
    reason: z.string().max(1000).optional(),
    recordedBy: z.string().min(1).describe('who recorded the consent (the token subject)'),
    date: IsoDate,
  })
  .describe('The customer agreed again to be contacted by this channel.');
export type ChannelOptedInV1 = z.infer<typeof ChannelOptedInV1>;

/** A message's delivery (issue 18 item 1): queued, sent, deferred, failed - each an event on `message-<id>`. */
/** What a delivered message is: a reminder or letter of the ladder, or the repayment-plan agreement sent when a plan is agreed. */
export const DeliveredMessageKind = z.enum([...MessageKind.options, 'PLAN_AGREEMENT']);
export type DeliveredMessageKind = z.infer<typeof DeliveredMessageKind>;
const MessageRef = { messageId: EntityId, ...CaseRef, kind: DeliveredMessageKind, channel: Channel };
export const LetterDocumentV1 = z
  .object({
    letter: z.enum(['DUNNING_LETTER', 'LAWYERS_LETTER', 'PLAN_AGREEMENT']),
    language: ContactLanguage,
    sha256: z.string().describe('hex SHA-256 of the PDF bytes'),
    signature: z.string().describe('detached Ed25519 signature of the PDF bytes, base64'),
    keyId: z.string().describe('the signing key (GET /letters/signing-key)'),
  })
  .describe('the signed PDF attached to the message');

export const MessageQueuedV1 = z
  .object({
    ...MessageRef,
    to: z.string().optional().describe('the address it goes to (an email address), when the channel has one'),
    document: LetterDocumentV1.optional(),
    at: z.iso.datetime({ offset: true }),
  })
  .describe('A message that passed screening is queued for delivery by its channel.');
export type MessageQueuedV1 = z.infer<typeof MessageQueuedV1>;

export const MessageDeliveredV1 = z
  .object({
    ...MessageRef,
    to: z.string().optional(),
    attempt: z.number().int().min(1),
    answer: z
      .string()
      .describe("the server's answer (SMTP: its reply line), or `recorded` for the recording channel"),
    at: z.iso.datetime({ offset: true }),
  })
  .describe("The channel's server accepted the message.");
export type MessageDeliveredV1 = z.infer<typeof MessageDeliveredV1>;

export const MessageDeliveryDeferredV1 = z
  .object({
    ...MessageRef,
    reason: z
      .enum(['TEMPORARY_FAILURE', 'QUIET_DAY', 'CONTACT_LIMIT'])
      .describe(
        'CONTACT_LIMIT: the customer already had its message of the day or three in seven days (all its invoices counted)',
      ),
    attempt: z.number().int().min(0),
    answer: z
      .string()
      .describe("the server's answer (a 4xx reply, a connection error), the quiet day or the contact limit"),
    retryAt: z.iso.datetime({ offset: true }).optional(),
    notBefore: IsoDate.optional().describe(
      'a quiet day or the contact limit: not sent before this business day',
    ),
    attention: z
      .boolean()
      .optional()
      .describe(
        'a temporary failure tried DELIVERY_MAX_ATTEMPTS times or more: shown to a person on the worklist while retrying goes on',
      ),
    at: z.iso.datetime({ offset: true }),
  })
  .describe(
    'Delivery is put off: a temporary failure (retried with capped backoff, never given up), a quiet day of the customer, or the contact limit (one message a day, three in seven days, to the customer).',
  );
export type MessageDeliveryDeferredV1 = z.infer<typeof MessageDeliveryDeferredV1>;

export const MessageDeliveryFailedV1 = z
  .object({
    ...MessageRef,
    reason: z
      .enum(['PERMANENT_FAILURE', 'RETRIES_EXHAUSTED', 'NO_CONTACT', 'OPTED_OUT'])
      .describe('RETRIES_EXHAUSTED: recorded before temporary failures were retried without end (#18 F8)'),
    attempt: z.number().int().min(0),
    answer: z.string().describe("the server's answer (a 5xx reply) or why nothing was tried"),
    at: z.iso.datetime({ offset: true }),
  })
  .describe(
    'The message did not reach the customer and will not be retried: a person takes it (the worklist).',
  );
export type MessageDeliveryFailedV1 = z.infer<typeof MessageDeliveryFailedV1>;

export const MessageResentV1 = z
  .object({
    ...MessageRef,
    by: z.string().min(1).describe('the operator who asked for it (the token subject)'),
    reason: z.string().max(1000).optional(),
    at: z.iso.datetime({ offset: true }),
  })
  .describe(
    'An operator queued a failed (or deferred) message again: it is screened and sent again by its channel.',
  );
export type MessageResentV1 = z.infer<typeof MessageResentV1>;

export const MessageDeliveryCancelledV1 = z
  .object({
    ...MessageRef,
    reason: z
      .enum(['CASE_SETTLED', 'RUNG_WITHDRAWN', 'DUE_DATE_PASSED'])
      .describe(
        'CASE_SETTLED: the invoice was paid, credited or written off before it went; RUNG_WITHDRAWN: a payment recorded late showed the case never reached the rung the letter belongs to; DUE_DATE_PASSED: a reminder before the due date held (contact hours or limit, a clock that ran several days at once) until the due date had passed - the on-due and overdue levels say it now',
      ),
    answer: z.string().describe('what the case showed when it was about to be sent'),
    at: z.iso.datetime({ offset: true }),
  })
  .describe('A queued message was not sent because the case no longer calls for it (nobody needs to act).');
export type MessageDeliveryCancelledV1 = z.infer<typeof MessageDeliveryCancelledV1>;

export const CollectionsEventsV1 = {
  CaseOpened: CaseOpenedV1,
  ReminderSent: ReminderSentV1,
  MessageBlocked: MessageBlockedV1,
  CaseEscalated: CaseEscalatedV1,
  StrategyChosen: StrategyChosenV1,
  CreditFreezeRequested: CreditFreezeRequestedV1,
  PromiseRecorded: PromiseRecordedV1,
  PromiseKept: PromiseKeptV1,
  PromiseBroken: PromiseBrokenV1,
  InstalmentPlanAgreed: InstalmentPlanAgreedV1,
  InstalmentPlanBroken: InstalmentPlanBrokenV1,
  CollectionActionRecorded: CollectionActionRecordedV1,
  CaseClosed: CaseClosedV1,
  CaseEscalationWithdrawn: CaseEscalationWithdrawnV1,
  CreditFreezeLiftRequested: CreditFreezeLiftRequestedV1,
  ContactPreferencesSet: ContactPreferencesSetV1,
  ChannelOptedOut: ChannelOptedOutV1,
  ChannelOptedIn: ChannelOptedInV1,
  MessageQueued: MessageQueuedV1,
  MessageDelivered: MessageDeliveredV1,
  MessageResent: MessageResentV1,
  MessageDeliveryCancelled: MessageDeliveryCancelledV1,
  MessageDeliveryDeferred: MessageDeliveryDeferredV1,
  MessageDeliveryFailed: MessageDeliveryFailedV1,
} as const;
