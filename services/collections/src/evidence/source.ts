import { type EvidenceSource, type ServiceContext, streamsNaming } from '@ar/platform';
import { documentOf } from '../delivery/queue';

/**
 * Collections' part of an invoice's evidence: its case (reminders, escalations, promises, plans)
 * and every message sent about it, each with the signed letter archived with it.
 */
export function collectionsEvidence(ctx: ServiceContext): EvidenceSource {
  return {
    async streams(subject) {
      if (subject.kind !== 'invoice') return [];
      return [`case-${subject.id}`, ...(await streamsNaming(ctx.pool, 'message', 'invoiceId', [subject.id]))];
    },
    async documentOf(event) {
      if (!event.streamId.startsWith('message-')) return undefined;
      const doc = await documentOf(ctx.pool, event.streamId.slice('message-'.length));
      return doc?.document && doc.signature ? { content: doc.document, signature: doc.signature } : undefined;
    },
  };
}
