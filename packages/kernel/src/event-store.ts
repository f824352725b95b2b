import type { DomainEvent } from './decider';

/** What travels with every event: why it happened and where it came from. */
export interface EventMetadata {
  correlationId: string;
  causationId?: string | undefined;
  /** W3C trace context, so a trace continues across the store and Kafka. */
  traceparent?: string | undefined;
  tracestate?: string | undefined;
  /** Who asked: the subject of the caller's token (a person or a service client), or the service's own reaction. */
  actor?: string | undefined;
  /** The caller's name, as the token gave it. */
  actorName?: string | undefined;
  /** The roles the caller's token carried. */
  actorRoles?: string[] | undefined;
}

export interface RecordedEvent<Event extends DomainEvent = DomainEvent> {
  eventId: string;
  streamId: string;
  /** 1-based position of the event in its stream; the stream's version after it. */
  streamPosition: number;
  globalPosition: bigint;
  type: Event['type'];
  data: Event['data'];
  metadata: EventMetadata;
  recordedAt: Date;
}

/** `NO_STREAM`: the stream must not exist yet. Any other number: the version it must be at. */
export const NO_STREAM = 0;

export interface AppendOptions {
  expectedVersion: number;
  metadata: EventMetadata;
  /** Optional ids for the new events (else generated); lets callers make appends idempotent. */
  eventIds?: string[];
}

export interface AppendResult {
  nextExpectedVersion: number;
  eventIds: string[];
}

export interface ReadStreamResult<Event extends DomainEvent> {
  version: number;
  events: RecordedEvent<Event>[];
}

/**
 * The write side's store. `T` is a transaction handle, so a consumer can append in the same
 * database transaction as its dedupe record; `undefined` means "open your own".
 */
export interface EventStore<T = unknown> {
  readStream<Event extends DomainEvent>(streamId: string, tx?: T): Promise<ReadStreamResult<Event>>;
  appendToStream(
    streamId: string,
    events: DomainEvent[],
    options: AppendOptions,
    tx?: T,
  ): Promise<AppendResult>;
}
