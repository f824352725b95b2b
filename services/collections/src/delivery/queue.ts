import { createHash } from 'node:crypto';
import type {
  DeliveredMessageKind,
  InstalmentPlanAgreedV1,
  MessageKind,
  ReminderSentV1,
} from '@ar/contracts';
import { daysBetween, NotFound, StateConflict } from '@ar/kernel';
import { aggregate, type ServiceContext } from '@ar/platform';
import { inTransaction, type Migration, type OrderedEvent, type Projection } from '@ar/postgres';
import type { Pool, PoolClient } from 'pg';
import { caseHandler } from '../case/handler';
import { type DunningFile, isTracked } from '../case/state';
import { screenFrequency } from '../compliance/contact-frequency';
import { screenContact } from '../compliance/contact-rules';
import { DEFAULT_COMPLIANCE_RULES } from '../compliance/screening';
import { preferencesOf } from '../contact/handler';
import { deliveredMessageIds, earlierNotices, formalLetterFacts, planAgreementFacts } from '../letters/facts';
import { letterFileNames } from '../letters/file-name';
import { owedByComponent, owedForLetter } from '../letters/owed';
import { renderLetter } from '../letters/render';
import { type Language, type LetterKind, letterText } from '../letters/templates';
import { planAgreementMessageId } from '../messages/message-ids';
import { messageIn } from '../messages/templates';
import { deliveryOf, type MessageDelivery } from './as-delivered';
import type { DeliverySettings } from './config';
import {
  type DeliveryCommand,
  type DeliveryEvent,
  type DeliveryState,
  deliveryDecider,
  noLongerCalledFor,
  retryAfter,
} from './decider';

export const deliveryMigrations: Migration[] = [
  {
    // The delivery queue (issue 18 item 1): one row per message, durable across restarts; the
    // worker takes due rows under a row lock, so two instances never send one message twice.
    id: 'collections-delivery-001',
    sql: `
      create table outbound_messages (
        message_id text primary key,
        invoice_id text not null,
        customer_id text not null,
        kind text not null,
        channel text not null,
        status text not null,
        to_address text,
        subject text not null,
        body text not null,
        letter text,
        language text,
        document bytea,
        signature text,
        attempts int not null default 0,
        next_attempt_at timestamptz not null default now(),
        not_before date,
        last_answer text,
        updated_at timestamptz not null default now()
      );
      create index outbound_messages_due on outbound_messages (next_attempt_at) where status in ('QUEUED', 'DEFERRED');
      create index outbound_messages_invoice on outbound_messages (invoice_id);
    `,
  },
  {
    // #18 F8: a temporary failure is retried without end; once tried DELIVERY_MAX_ATTEMPTS times the
    // message is shown to a person as deferred (the worklist) while retrying goes on.
    id: 'collections-delivery-002',
    sql: 'alter table outbound_messages add column attention boolean not null default false;',
  },
  {
    // #18 probe F2: the contact limit counts every message delivered to the customer, by the
    // business day it went (messages delivered before this column are not counted).
    id: 'collections-delivery-003',
    sql: `alter table outbound_messages add column delivered_on date;
          create index outbound_messages_customer_delivered on outbound_messages (customer_id, delivered_on)
            where delivered_on is not null;`,
  },
  {
    // #14 item 8: the message archive (`delivered_messages`, one row per message the case decided)
    // says what became of each message - its delivery's status, and when it was really sent
    // (null until it is) - beside the day and instant it was generated (`sent_date`, `sent_at`).
    // Messages archived before: from their delivery rows and their `MessageDelivered` events.
    id: 'collections-delivery-004',
    sql: `alter table delivered_messages add column status text,
            add column delivered_at timestamptz, add column delivered_on date;
          update delivered_messages d set status = o.status, delivered_on = o.delivered_on
            from outbound_messages o where o.message_id = d.message_id;
          update delivered_messages d set delivered_at = (e.data->>'at')::timestamptz,
                 delivered_on = coalesce(d.delivered_on, left(e.data->>'at', 10)::date)
            from events e where e.stream_id = 'message-' || d.message_id and e.event_type = 'MessageDelivered';
          comment on table delivered_messages is
            'the message archive: every message a case decided (ReminderSent), its text, the day and instant it was generated (sent_date, sent_at), its delivery status and when it was delivered (delivered_on, delivered_at; null until it is)';`,
  },
];

/**
 * The signed letter a message carries, if any: the dunning letter, the legal rung's lawyer's-letter
 * notice, and a day-30 reminder that went out from day 31 carries the lawyer's letter.
 */
function letterFor(kind: MessageKind, daysOverdue: number): LetterKind | undefined {
  if (kind === 'DUNNING_LETTER') return 'DUNNING_LETTER';
  if (kind === 'LAWYERS_LETTER') return 'LAWYERS_LETTER';
  if (kind === 'REMINDER_OVERDUE' && daysOverdue >= 31) return 'LAWYERS_LETTER';
  return undefined;
}

const messages = (ctx: ServiceContext) =>
  aggregate(ctx, {
    category: 'message',
    decider: deliveryDecider,
    exists: (s): s is DeliveryState => s.status !== 'NONE',
    notFound: (id) => new NotFound('MESSAGE_NOT_FOUND', `no message ${id}`, 'messageId'),
  });

/** A message to queue: what it is, to whom, its text, and its letter (rendered, to be sealed), if any. */
interface Outgoing {
  messageId: string;
  caseId: string;
  invoiceId: string;
  customerId: string;
  kind: DeliveredMessageKind;
  channel: 'EMAIL' | 'SMS' | 'LETTER';
  subject: string;
  body: string;
  letter?: { kind: LetterKind; language: Language; pdf: Buffer } | undefined;
}

/**
 * Each message that passed screening (`ReminderSent`) is queued for delivery: its letter rendered
 * to PDF in the customer's language, sealed, and archived with it (`MessageQueued` names the
 * document's hash and signature). A repayment plan agreed on a case (`InstalmentPlanAgreed`) sends
 * the signed agreement the same way. Queuing is idempotent (a replay queues nothing twice).
 */
export function deliveryQueue(ctx: ServiceContext, settings: DeliverySettings): Projection {
  const cases = caseHandler(ctx);
  const stream = messages(ctx);

  async function queue(client: PoolClient, m: Outgoing): Promise<void> {
    const signature = m.letter ? settings.signer.sign(m.letter.pdf) : undefined;
    await client.query(
      `insert into outbound_messages (message_id, invoice_id, customer_id, kind, channel, status, subject, body,
         letter, language, document, signature)
       values ($1, $2, $3, $4, $5, 'QUEUED', $6, $7, $8, $9, $10, $11) on conflict do nothing`,
      [
        m.messageId,
        m.invoiceId,
        m.customerId,
        m.kind,
        m.channel,
        m.subject,
        m.body,
        m.letter?.kind ?? null,
        m.letter?.language ?? null,
        m.letter?.pdf ?? null,
        signature ?? null,
      ],
    );
    await stream.execute(
      m.messageId,
      {
        type: 'Queue',
        data: {
          messageId: m.messageId,
          caseId: m.caseId,
          invoiceId: m.invoiceId,
          customerId: m.customerId,
          kind: m.kind,
          channel: m.channel,
          ...(m.letter && signature
            ? {
                document: {
                  letter: m.letter.kind,
                  language: m.letter.language,
                  sha256: createHash('sha256').update(m.letter.pdf).digest('hex'),
                  signature,
                  keyId: settings.signer.keyId,
                },
              }
            : {}),
          at: ctx.clock.time.format(ctx.clock.now()),
        },
      },
      { metadata: { correlationId: `message:${m.messageId}`, actor: 'collections-delivery' } },
    );
  }

  const queued = async (client: PoolClient, messageId: string) =>
    (await client.query('select 1 from outbound_messages where message_id = $1', [messageId])).rows.length >
    0;

  return {
    name: 'delivery-queue',
    // No table of its own to rebuild: a rebuild must never queue a message sent long ago again.
    tables: [],
    async apply(client, events: OrderedEvent[]) {
      for (const e of events) {
        if (e.type === 'ReminderSent') {
          const m = e.data as ReminderSentV1;
          if (await queued(client, m.messageId)) continue;
          const { state, events: history } = await cases.load(m.invoiceId);
          const prefs = await preferencesOf(client, m.customerId);
          const language: Language = prefs?.language ?? 'zh';
          const file = isTracked(state) ? (state as DunningFile) : undefined;
          const dueDate = file?.invoice.dueDate ?? m.sentDate;
          const daysOverdue = Math.max(0, daysBetween(dueDate, m.sentDate));
          const letter = file ? letterFor(m.kind, daysOverdue) : undefined;
          let rendered: { pdf: Buffer; subject: string } | undefined;
          const owed = owedForLetter(history, e.streamPosition, m.sentDate);
          if (letter && file) {
            const facts = formalLetterFacts({
              company: settings.company,
              file,
              prefs,
              owed,
              date: m.sentDate,
              daysOverdue,
              payBy: ctx.calendar.addWorkingDays(m.sentDate, 10),
              earlier: earlierNotices(
                history,
                e.streamPosition,
                await deliveredMessageIds(client, m.invoiceId),
              ),
            });
            rendered = {
              pdf: await renderLetter(letter, facts, language, settings.font),
              subject: letterText(letter, facts, language).subject,
            };
          }
          // The email in the customer's language: subject and body, the amount by its currency.
          const email = file
            ? messageIn(
                m.kind,
                {
                  customerName: file.invoice.customerName,
                  invoiceId: m.invoiceId,
                  amount: owed.principal,
                  currency: file.invoice.currency,
                  dueDate,
                  daysOverdue,
                  lateFee: file.invoice.lateFeeTerms,
                },
                language,
              )
            : undefined;
          await queue(client, {
            messageId: m.messageId,
            caseId: m.caseId,
            invoiceId: m.invoiceId,
            customerId: m.customerId,
            kind: m.kind,
            channel: m.channel,
            subject:
              rendered?.subject ??
              email?.subject ??
              `Invoice ${m.invoiceId}: ${m.kind.toLowerCase().replaceAll('_', ' ')}`,
            body: email?.body ?? m.text,
            letter: letter && rendered ? { kind: letter, language, pdf: rendered.pdf } : undefined,
          });
        } else if (e.type === 'InstalmentPlanAgreed') {
          const plan = e.data as InstalmentPlanAgreedV1;
          const messageId = planAgreementMessageId(plan.invoiceId, plan.planId);
          if (await queued(client, messageId)) continue;
          const { state, events: history } = await cases.load(plan.invoiceId);
          if (!isTracked(state)) continue;
          const file = state as DunningFile;
          const prefs = await preferencesOf(client, plan.customerId);
          const language: Language = prefs?.language ?? 'zh';
          // What was owed when it was agreed: the case's history up to the agreement.
          const upTo = history.filter((h) => h.streamPosition < e.streamPosition);
          const facts = planAgreementFacts({
            company: settings.company,
            file,
            prefs,
            plan,
            owed: owedByComponent(file, upTo),
          });
          const text = letterText('PLAN_AGREEMENT', facts, language);
          await queue(client, {
            messageId,
            caseId: plan.caseId,
            invoiceId: plan.invoiceId,
            customerId: plan.customerId,
            kind: 'PLAN_AGREEMENT',
            channel: prefs?.channel ?? 'EMAIL',
            subject: text.subject,
            body: [text.title, ...text.paragraphs].join('\n\n'),
            letter: {
              kind: 'PLAN_AGREEMENT',
              language,
              pdf: await renderLetter('PLAN_AGREEMENT', facts, language, settings.font),
            },
          });
        }
      }
    },
  };
}

interface QueuedRow {
  message_id: string;
  invoice_id: string;
  customer_id: string;
  kind: DeliveredMessageKind;
  channel: 'EMAIL' | 'SMS' | 'LETTER';
  subject: string;
  body: string;
  letter: string | null;
  document: Buffer | null;
  signature: string | null;
  attempts: number;
}

/**
 * The delivery worker: takes due messages under a row lock (`for update skip locked`, held while
 * the server is asked), so two instances never send one twice; screens each against the
 * customer's contact preferences; sends it; records the answer as an event and on the row. A
 * crash after the server accepted and before the commit sends it again on restart (at least once).
 */
export class DeliveryWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = true;
  private readonly stream;
  private readonly cases;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly settings: DeliverySettings,
  ) {
    this.stream = messages(ctx);
    this.cases = caseHandler(ctx);
  }

  start(): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.running = this.deliverDue()
        .catch((error) => this.ctx.logger.warn({ err: error }, 'delivery run failed; tried again'))
        .then(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.settings.pollMs);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Delivers every message due now; resolves with how many were tried. */
  async deliverDue(): Promise<number> {
    let tried = 0;
    for (;;) {
      // (inTransaction: a connection PostgreSQL drops mid-send is an error of this call, not of the process)
      const delivered = await inTransaction(this.ctx.pool, async (client) => {
        const { rows } = await client.query<QueuedRow>(
          `select message_id, invoice_id, customer_id, kind, channel, subject, body, letter, document, signature, attempts
             from outbound_messages
            where status in ('QUEUED', 'DEFERRED') and next_attempt_at <= now()
              and (not_before is null or not_before <= $1::date)
            order by next_attempt_at limit 1 for update skip locked`,
          [this.ctx.clock.today()],
        );
        const row = rows[0];
        if (!row) return false;
        await this.deliver(client, row);
        return true;
      });
      if (!delivered) return tried;
      tried++;
    }
  }

  private async deliver(client: PoolClient, row: QueuedRow): Promise<void> {
    const now = this.ctx.clock.now();
    const at = this.ctx.clock.time.format(now);
    const today = this.ctx.clock.today();
    const ref = {
      messageId: row.message_id,
      caseId: row.invoice_id,
      invoiceId: row.invoice_id,
      customerId: row.customer_id,
      kind: row.kind,
    };
    const prefs = await preferencesOf(client, row.customer_id);
    const channelFor = (c: string) => (c === 'EMAIL' ? this.settings.email : undefined);
    const screen = screenContact(prefs, row.channel, today, (c) => channelFor(c)?.reachesPeople ?? false);
    const record = async (
      command: DeliveryCommand,
      status: string,
      extra: { answer: string; next?: Date; notBefore?: string; attention?: boolean },
    ) => {
      await this.stream.execute(row.message_id, command, {
        metadata: { correlationId: `message:${row.message_id}`, actor: 'collections-delivery' },
      });
      await client.query(
        `update outbound_messages set status = $2, attempts = $3, last_answer = $4, updated_at = now(),
           next_attempt_at = coalesce($5, next_attempt_at), not_before = coalesce($6::date, not_before),
           to_address = coalesce($7, to_address), channel = $8, attention = $9,
           delivered_on = case when $2 = 'DELIVERED' then $10::date else delivered_on end
         where message_id = $1`,
        [
          row.message_id,
          status,
          'attempt' in command.data ? command.data.attempt : row.attempts,
          extra.answer,
          extra.next ?? null,
          extra.notBefore ?? null,
          screen.outcome === 'SEND' ? (screen.to ?? null) : null,
          screen.outcome === 'SEND' ? screen.channel : row.channel,
          extra.attention ?? false,
          today,
        ],
      );
    };
    // A letter queued (waiting for a quiet day or the mail server) is not sent once the case no
    // longer calls for it: paid meanwhile, or its rung withdrawn by a payment recorded late.
    const { state: caseNow } = await this.cases.load(row.invoice_id);
    const cancelled = noLongerCalledFor(
      isTracked(caseNow) ? (caseNow as DunningFile) : undefined,
      row,
      undefined,
      today,
    );
    if (cancelled) {
      await record(
        { type: 'Cancel', data: { ...ref, channel: row.channel, ...cancelled, at } },
        'CANCELLED',
        { answer: cancelled.answer },
      );
      return;
    }
    if (screen.outcome === 'HELD') {
      await record(
        {
          type: 'RecordFailed',
          data: {
            ...ref,
            channel: row.channel,
            reason: screen.rule === 'opted-out' ? 'OPTED_OUT' : 'NO_CONTACT',
            attempt: row.attempts,
            answer: screen.matched,
            at,
          },
        },
        'FAILED',
        { answer: screen.matched },
      );
      return;
    }
    if (screen.outcome === 'DEFERRED') {
      await record(
        {
          type: 'RecordDeferred',
          data: {
            ...ref,
            channel: row.channel,
            reason: 'QUIET_DAY',
            attempt: row.attempts,
            answer: screen.matched,
            notBefore: screen.until,
            at,
          },
        },
        'DEFERRED',
        { answer: screen.matched, notBefore: screen.until },
      );
      return;
    }
    // The contact limit is the customer's (#18 probe F2): every message delivered to them, all their
    // invoices counted, under a lock per customer so two workers never both send "the one of the
    // day". The plan agreement is not held by it (the customer has just agreed it) but counts.
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [`contact-limit:${row.customer_id}`]);
    if (row.kind !== 'PLAN_AGREEMENT') {
      const { rows: sent } = await client.query<{ day: string }>(
        `select to_char(delivered_on, 'YYYY-MM-DD') as day from outbound_messages
          where customer_id = $1 and status = 'DELIVERED' and delivered_on > $2::date - 7 and message_id <> $3`,
        [row.customer_id, today, row.message_id],
      );
      const limit = screenFrequency(
        today,
        sent.map((r) => r.day),
        DEFAULT_COMPLIANCE_RULES,
      );
      if (limit.outcome === 'DEFERRED') {
        await record(
          {
            type: 'RecordDeferred',
            data: {
              ...ref,
              channel: row.channel,
              reason: 'CONTACT_LIMIT',
              attempt: row.attempts,
              answer: limit.matched,
              notBefore: limit.until,
              at,
            },
          },
          'DEFERRED',
          { answer: limit.matched, notBefore: limit.until },
        );
        return;
      }
    }
    const attempt = row.attempts + 1;
    const names = row.letter ? letterFileNames(row.letter, row.invoice_id) : undefined;
    const attachments =
      row.document && names
        ? [
            {
              filename: names.pdf,
              content: row.document,
              contentType: 'application/pdf',
            },
            {
              filename: names.signature,
              content: Buffer.from(`${row.signature}\n`),
              contentType: 'text/plain',
            },
          ]
        : [];
    const sent = await (channelFor(screen.channel) ?? recordingOnly).send({
      messageId: row.message_id,
      to: screen.to,
      subject: row.subject,
      text: row.body,
      attachments,
    });
    const base = { ...ref, channel: screen.channel, attempt, answer: sent.answer, at };
    if (sent.outcome === 'SENT') {
      await record(
        { type: 'RecordDelivered', data: { ...base, ...(screen.to ? { to: screen.to } : {}) } },
        'DELIVERED',
        {
          answer: sent.answer,
        },
      );
      return;
    }
    if (sent.outcome === 'TEMPORARY') {
      // Never final (#18 F8): retried with capped backoff however long the server is away; a
      // person sees it on the worklist once tried `maxAttempts` times.
      const next = new Date(
        Date.now() + retryAfter(attempt, this.settings.retryBaseMs, this.settings.retryMaxDelayMs),
      );
      const attention = attempt >= this.settings.maxAttempts;
      await record(
        {
          type: 'RecordDeferred',
          data: {
            ...base,
            reason: 'TEMPORARY_FAILURE',
            retryAt: this.ctx.clock.time.format(next),
            ...(attention ? { attention } : {}),
          },
        },
        'DEFERRED',
        { answer: sent.answer, next, attention },
      );
      return;
    }
    await record({ type: 'RecordFailed', data: { ...base, reason: 'PERMANENT_FAILURE' } }, 'FAILED', {
      answer: sent.answer,
    });
  }
}

const recordingOnly = {
  name: 'recording',
  reachesPeople: false,
  send: async () => ({ outcome: 'SENT' as const, answer: 'recorded (no transport for this channel)' }),
};

/**
 * What became of each message a case decided (its `ReminderSent`s), read from the messages' own
 * streams (`message-<id>`): delivered when and on which day, or why not yet (#14 item 8).
 */
export async function deliveriesOfMessages(
  ctx: ServiceContext,
  messageIds: readonly string[],
): Promise<Map<string, MessageDelivery>> {
  const found = new Map<string, MessageDelivery>();
  for (const messageId of new Set(messageIds)) {
    const { events } = await ctx.store.readStream<DeliveryEvent>(`message-${messageId}`);
    found.set(messageId, deliveryOf(events as unknown as DeliveryEvent[]));
  }
  return found;
}

/** A case's messages as delivered: status, attempts, the server's last answer, the letter. */
export async function deliveriesOf(db: Pool | PoolClient, invoiceId: string) {
  const { rows } = await db.query(
    `select message_id as "messageId", kind, channel, status, to_address as "to", attempts,
            last_answer as "lastAnswer", letter, language, signature
       from outbound_messages where invoice_id = $1 order by message_id`,
    [invoiceId],
  );
  return rows;
}

/**
 * Messages that did not reach the customer: failed ones a person takes, and deferred ones still
 * retried after `DELIVERY_MAX_ATTEMPTS` tries (the worklist shows both, with their status).
 */
export async function undeliveredMessages(db: Pool | PoolClient) {
  const { rows } = await db.query(
    `select message_id as "messageId", invoice_id as "invoiceId", customer_id as "customerId", kind, channel,
            status, attempts, last_answer as "lastAnswer"
       from outbound_messages where status = 'FAILED' or (status = 'DEFERRED' and attention)
      order by updated_at desc limit 500`,
  );
  return rows;
}

/**
 * An operator sends a failed (or deferred) message again (#18 F8): `MessageResent` on its stream
 * and the row queued for now, under the row's lock. A worker inside an attempt on it holds that
 * lock while the server answers: the resend does not wait for it (#18 probe F5, it waited into a
 * 503 'Query read timeout') but is a 409 'being sent now' at once. It is screened again when sent
 * (an opt-out still holds it). 404 for no such message; 409 for one delivered or already queued.
 */
export async function resendMessage(
  ctx: ServiceContext,
  messageId: string,
  by: string,
  reason: string | undefined,
): Promise<{ messageId: string; status: 'QUEUED' }> {
  return inTransaction(ctx.pool, async (client) => {
    const { rows } = await client
      .query<QueuedRow>(
        `select message_id, invoice_id, customer_id, kind, channel from outbound_messages
          where message_id = $1 for update nowait`,
        [messageId],
      )
      .catch((error: { code?: string }) => {
        if (error.code !== '55P03') throw error; // lock_not_available: the worker is sending it
        throw new StateConflict(
          'MESSAGE_BEING_SENT',
          `message ${messageId} is being sent now: see its outcome on the case before sending it again`,
          'messageId',
        );
      });
    const row = rows[0];
    if (!row) throw new NotFound('MESSAGE_NOT_FOUND', `no message ${messageId}`, 'messageId');
    await messages(ctx).execute(
      messageId,
      {
        type: 'Resend',
        data: {
          messageId,
          caseId: row.invoice_id,
          invoiceId: row.invoice_id,
          customerId: row.customer_id,
          kind: row.kind,
          channel: row.channel,
          by,
          ...(reason ? { reason } : {}),
          at: ctx.clock.time.format(ctx.clock.now()),
        },
      },
      { metadata: { correlationId: `message:${messageId}`, actor: by } },
    );
    await client.query(
      `update outbound_messages set status = 'QUEUED', next_attempt_at = now(), attention = false, updated_at = now()
        where message_id = $1`,
      [messageId],
    );
    return { messageId, status: 'QUEUED' as const };
  });
}

/** The letter archived with a message: its PDF and detached signature. */
export async function documentOf(db: Pool | PoolClient, messageId: string) {
  const { rows } = await db.query<{
    document: Buffer | null;
    signature: string | null;
    letter: string | null;
    invoice_id: string;
  }>('select document, signature, letter, invoice_id from outbound_messages where message_id = $1', [
    messageId,
  ]);
  return rows[0];
}
