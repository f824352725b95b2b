import type { DomainEvent } from './decider';
import type { ConcurrencyConflict } from './errors';

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

/** One stream's part of a multi-stream append (`appendToStreams`). */
export interface StreamAppend extends AppendOptions {
  streamId: string;
  events: DomainEvent[];
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
  /**
   * Appends to many streams in one go (a day job's chunk), each at its own expected version: per
   * append, in order, its result, or a ConcurrencyConflict when its stream was not at that
   * version (the others' events are stored all the same). A stream at most once per call.
   * Optional: without it, callers append stream by stream.
   */
  appendToStreams?(appends: StreamAppend[], tx?: T): Promise<(AppendResult | ConcurrencyConflict)[]>;
}
