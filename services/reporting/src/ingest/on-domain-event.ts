import type { IncomingEvent } from '@ar/messaging';
import type { PostgresEventStore } from '@ar/postgres';
import type { PoolClient } from 'pg';

/**
 * Reporting keeps its own copy of every domain event it is sent, in its own store: the read
 * models are projections of that copy, so they can be rebuilt (and answer "as of" a past date)
 * without asking Kafka or any other service. The unique event id makes redelivery harmless.
 */
export async function recordDomainEvent(store: PostgresEventStore, client: PoolClient, event: IncomingEvent) {
  await store.recordExternalEvents(client, [event]);
}

/** A batch of them in order, in one statement (the consumer's usual case). */
export async function recordDomainEvents(
  store: PostgresEventStore,
  client: PoolClient,
  events: IncomingEvent[],
) {
  await store.recordExternalEvents(client, events);
}
