import { type EvidenceSource, type ServiceContext, streamsNaming } from '@ar/platform';
import { documentOf } from '../delivery/queue';

/**
 * Collections' part of an invoice's evidence: its case (reminders, escalations, promises, plans),
 * every message sent about it, each with the signed letter archived with it, and the customer's
 * contact preferences and consent (`contact-<customer>`: who was written to, by which channel, in
 * which language, what they asked not to receive) that those messages were screened against.
 */
export function collectionsEvidence(ctx: ServiceContext): EvidenceSource {
  return {
    async streams(subject) {
      if (subject.kind !== 'invoice') return [];
      const caseStream = `case-${subject.id}`;
      // The messages its case says were sent as well as those naming the invoice: a message stream
      // deleted whole is still asked for, and the part reports what its chain holds of it.
      const { rows: sent } = await ctx.pool.query<{ message_id: string }>(
        `select distinct data->>'messageId' as message_id from events
          where stream_id = $1 and event_type = 'ReminderSent' and data->>'messageId' is not null`,
        [caseStream],
      );
      const own = [
        ...new Set([
          caseStream,
          ...(await streamsNaming(ctx.pool, 'message', 'invoiceId', [subject.id])),
          ...sent.map((r) => `message-${r.message_id}`),
        ]),
      ];
      const { rows } = await ctx.pool.query<{ customer_id: string }>(
        `select distinct data->>'customerId' as customer_id from events
          where stream_id = any($1) and data->>'customerId' is not null order by 1`,
        [own],
      );
      return [...own, ...rows.map((r) => `contact-${r.customer_id}`)];
    },
    async documentOf(event) {
      if (!event.streamId.startsWith('message-')) return undefined;
      const doc = await documentOf(ctx.pool, event.streamId.slice('message-'.length));
      return doc?.document && doc.signature ? { content: doc.document, signature: doc.signature } : undefined;
    },
  };
}
