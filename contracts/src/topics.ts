/** One topic per producing service, versioned with the envelope's major version. */
export const TOPICS = {
  credit: 'ar.credit.events.v1',
  contract: 'ar.contract.events.v1',
  invoicing: 'ar.invoicing.events.v1',
  collections: 'ar.collections.events.v1',
  reportingKpis: 'ar.reporting.kpis.v1',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

/** Where a consumer group parks a message it could not handle after its retries. */
export function deadLetterTopic(topic: string, consumerGroup: string): string {
  return `${topic}.dlq.${consumerGroup}`;
}
