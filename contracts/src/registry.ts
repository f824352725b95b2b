import type { z } from 'zod';
import { CollectionsEventsV1 } from './collections/events.v1';
import { ContractEventsV1 } from './contract/events.v1';
import { CreditEventsV1 } from './credit/events.v1';
import { cloudEventType } from './envelope';
import { EvidenceEventsV1 } from './evidence/events.v1';
import { InvoicingEventsV1 } from './invoicing/events.v1';
import { ReportingEventsV1 } from './reporting/events.v1';
import { TOPICS } from './topics';

export interface PublicEventContract {
  service: string;
  topic: string;
  eventType: string;
  version: number;
  ceType: string;
  schema: z.ZodType;
}

function contractsOf(
  service: string,
  topic: string,
  events: Record<string, z.ZodType>,
): PublicEventContract[] {
  return Object.entries(events).map(([eventType, schema]) => ({
    service,
    topic,
    eventType,
    version: 1,
    ceType: cloudEventType(service, eventType, 1),
    schema,
  }));
}

/** Every event the platform publishes: what BI can rely on. Generated docs come from this list. */
export const PUBLIC_EVENTS: PublicEventContract[] = [
  ...contractsOf('credit-scoring', TOPICS.credit, CreditEventsV1),
  ...contractsOf('contract', TOPICS.contract, ContractEventsV1),
  ...contractsOf('invoicing', TOPICS.invoicing, InvoicingEventsV1),
  ...contractsOf('collections', TOPICS.collections, CollectionsEventsV1),
  ...contractsOf('reporting', TOPICS.reportingKpis, ReportingEventsV1),
  // Every service's signed evidence checkpoints, on a topic of their own.
  ...['credit-scoring', 'contract', 'invoicing', 'collections', 'reporting'].flatMap((service) =>
    contractsOf(service, TOPICS.evidence, EvidenceEventsV1),
  ),
];

/** A service's public events on `topic`; by default on its own topic (not its evidence checkpoints). */
export function publicEventsOf(service: string, topic?: string): Map<string, PublicEventContract> {
  return new Map(
    PUBLIC_EVENTS.filter(
      (c) => c.service === service && (topic ? c.topic === topic : c.topic !== TOPICS.evidence),
    ).map((c) => [c.eventType, c]),
  );
}
