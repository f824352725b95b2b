/** One topic per producing service, and one all of them publish their evidence checkpoints to; versioned with the envelope's major version. */
export const TOPICS = {
  credit: 'ar.credit.events.v1',
  contract: 'ar.contract.events.v1',
  invoicing: 'ar.invoicing.events.v1',
  collections: 'ar.collections.events.v1',
  reportingKpis: 'ar.reporting.kpis.v1',
  /** Every service's signed evidence checkpoints (issue 18 item 4). */
  evidence: 'ar.evidence.checkpoints.v1',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

/** Where a consumer group parks a message it could not handle after its retries. */
export function deadLetterTopic(topic: string, consumerGroup: string): string {
  return `${topic}.dlq.${consumerGroup}`;
}
