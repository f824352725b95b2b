import { setTimeout as sleep } from 'node:timers/promises';
import { CE, deadLetterTopic } from '@ar/contracts';
import { inTransaction } from '@ar/postgres';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { fromBusMessage, type IncomingEvent } from './cloud-events';
import { failureKind } from './failures';
import type { BusSubscription, ConsumedMessage, DeliveryContext, MessageBus } from './message-bus';
import { carriedContext, failed, inSpan, SpanKind, startSpan } from './tracing';

/** What a service does with one event, inside the transaction that also records it as handled. */
export type EventHandler = (client: PoolClient, event: IncomingEvent) => Promise<void>;

/**
 * What a service does with several events, in the order given, inside the transaction that also
 * records them as handled: the same effect as the EventHandler on each in turn, in fewer round
 * trips (a copy of the batch in one statement).
 */
export type EventBatchHandler = (client: PoolClient, events: IncomingEvent[]) => Promise<void>;

export interface EventConsumerOptions {
  /**
   * What this consumer is (`collections.invoices`): the name its inbox, its place in each stream
   * and its parked messages are kept under. Stable across consumer-group renames, so a renamed
   * group that reads the topic again from the beginning has no second effect.
   */
  name: string;
  /** The Kafka consumer group; defaults to the name. */
  groupId?: string;
  /** The service it belongs to, on its spans (default: the name's first part). */
  service?: string;
  topics: string[];
  bus: MessageBus;
  pool: Pool;
  logger: Logger;
  handle: EventHandler;
  /**
   * The batch's usual case (every event new and in its stream's order) in one call instead of
   * one `handle` per event; a batch that goes one message at a time still uses `handle`.
   */
  handleBatch?: EventBatchHandler;
  retry?: {
    /** First wait after a failure; doubles up to `maxDelayMs`. */
    firstDelayMs?: number;
    maxDelayMs?: number;
    /** Attempts for a failure that is neither transient nor poison before it is parked. */
    unknownAttempts?: number;
  };
}

/** A parked message as an operator sees it (`pnpm dlq`, `GET /admin/dlq`). */
export interface ParkedMessage {
  consumer: string;
  eventId: string;
  streamId: string | null;
  position: number | null;
  topic: string;
  type: string | null;
  error: string;
  errorType: string;
  parkedAt: string;
  /** Later events of the same stream held back behind it. */
  heldBehind: number;
}

type Outcome = 'handled' | 'duplicate' | 'held' | 'parked-key';

/**
 * An idempotent, ordered consumer (CONVENTIONS §7).
 * - **Once:** each message's effect and its inbox row commit in one PostgreSQL transaction, so
 *   a redelivery (rebalance, crash before the offset commit, a renamed group) has no second effect.
 * - **In stream order:** it keeps its place in each stream (the subject); an event whose
 *   `ce_previoussequence` it has not reached yet is held in the database until the missing one
 *   arrives, then both are handled in order; an event at or below its place is a regression and
 *   is skipped.
 * - **Transient failures never drop a message:** they are retried with backoff for as long as
 *   they last, the partition waiting and the consumer heart-beating. Only poison is parked (on
 *   the dead-letter topic, and in `consumer_parked` with its error); the parked event's stream
 *   holds back its later events until the event is redriven or skipped.
 * The whole batch is tried in one transaction first (the fast path); if that fails, message by
 * message.
 */
export class EventConsumer {
  private subscription: BusSubscription | undefined;

  constructor(private readonly options: EventConsumerOptions) {}

  get name(): string {
    return this.options.name;
  }

  async start(): Promise<void> {
    this.subscription = await this.options.bus.subscribe({
      groupId: this.options.groupId ?? this.options.name,
      topics: this.options.topics,
      handleBatch: (messages, context) => this.handleBatch(messages, context),
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }

  private async handleBatch(messages: ConsumedMessage[], context: DeliveryContext): Promise<void> {
    try {
      await inTransaction(this.options.pool, async (client) => {
        if (await this.deliverInOrder(client, messages, context)) return;
        for (const message of messages) {
          await this.deliver(client, message);
          await context.heartbeat();
        }
      });
      return;
    } catch {
      // One failing message must not hold the others back: take them one at a time.
    }
    for (const message of messages) await this.handleAlone(message, context);
  }

  private async handleAlone(message: ConsumedMessage, context: DeliveryContext): Promise<void> {
    const { firstDelayMs = 100, maxDelayMs = 30_000, unknownAttempts = 3 } = this.options.retry ?? {};
    for (let attempt = 1; ; attempt++) {
      if (!context.isActive())
        throw new Error('partition revoked; the message will be delivered to its new owner');
      try {
        await inTransaction(this.options.pool, (client) => this.deliver(client, message));
        if (attempt > 1)
          this.options.logger.info({ consumer: this.name, attempt }, 'message handled after retries');
        await context.heartbeat(); // one at a time through a large batch must not cost the group
        return;
      } catch (error) {
        const kind = failureKind(error);
        if (kind === 'poison' || (kind === 'unknown' && attempt >= unknownAttempts)) {
          if (!(await this.alreadyPast(message))) await this.park(message, error);
          await context.heartbeat();
          return;
        }
        const delay = Math.min(firstDelayMs * 2 ** (attempt - 1), maxDelayMs) * (0.75 + Math.random() / 2);
        // Loud at first, then once in a while: an outage of minutes must not flood the log.
        if (attempt <= 3 || attempt % 20 === 0)
          this.options.logger.warn(
            {
              err: error,
              consumer: this.name,
              kind,
              attempt,
              retryInMs: Math.round(delay),
              offset: message.offset,
            },
            'message failed; retrying',
          );
        await waitHeartbeating(delay, context);
      }
    }
  }

  /**
   * The batch's usual case in a fixed number of round trips beside the effects: every event is
   * new or a duplicate, and each stream's events follow its place with none held or parked.
   * One statement reads (and locks) the places of the batch's streams and which events were
   * handled already, the effects run in order, one statement records the inbox rows and the new
   * places. Anything else (a gap to hold, a parked stream, events held back, an event without a
   * position) answers false before any effect, and the batch goes one message at a time.
   */
  private async deliverInOrder(
    client: PoolClient,
    messages: ConsumedMessage[],
    context: DeliveryContext,
  ): Promise<boolean> {
    const events = messages.map(fromBusMessage);
    if (events.some((e) => e.streamPosition <= 0)) return false;
    // Locked in one order by every instance, so two of them never wait on each other crosswise.
    const streams = [...new Set(events.map((e) => e.streamId))].sort();
    const { rows } = await client.query<{
      places: { stream_id: string; position: number; parked_position: number | null; waiting: boolean }[];
      seen: string[] | null;
    }>(
      `with place as (
         insert into consumer_streams (consumer, stream_id, position)
         select $1, stream_id, 0 from unnest($2::text[]) with ordinality as s(stream_id, n) order by n
         on conflict (consumer, stream_id) do update set position = consumer_streams.position
         returning stream_id, position, parked_position
       )
       select (select json_agg(json_build_object('stream_id', p.stream_id, 'position', p.position,
                 'parked_position', p.parked_position,
                 'waiting', exists (select 1 from consumer_held h where h.consumer = $1 and h.stream_id = p.stream_id)))
                 from place p) as places,
              (select array_agg(event_id::text) from inbox where consumer = $1 and event_id = any($3::uuid[])) as seen`,
      [this.name, streams, events.map((e) => e.eventId)],
    );
    const place = new Map<string, number>();
    for (const p of rows[0]!.places) {
      if (p.parked_position !== null || p.waiting) return false;
      place.set(p.stream_id, p.position);
    }
    const seen = new Set(rows[0]!.seen ?? []);
    const handle: number[] = [];
    const regressions: string[] = [];
    for (const [i, event] of events.entries()) {
      if (seen.has(event.eventId)) continue;
      seen.add(event.eventId);
      const at = place.get(event.streamId)!;
      if (event.streamPosition <= at) {
        regressions.push(event.eventId);
        continue;
      }
      if ((event.previousSequence ?? at) > at) return false; // to be held: one at a time
      handle.push(i);
      place.set(event.streamId, event.streamPosition);
    }
    if (this.options.handleBatch && handle.length > 0) {
      await this.handleAllOnce(
        client,
        handle.map((i) => events[i]!),
        handle.map((i) => messages[i]!),
      );
      await context.heartbeat();
    } else {
      for (const i of handle) {
        await this.handleOnce(client, events[i]!, messages[i]!, false);
        await context.heartbeat();
      }
    }
    const moved = [...new Set(handle.map((i) => events[i]!.streamId))];
    // The places found by key (`= any`): joined on the stream alone, PostgreSQL read every place
    // the consumer holds - one per stream it ever received - for each batch (#17 goal 2).
    await client.query(
      `with handled as (insert into inbox (consumer, event_id) select $1, unnest($2::uuid[])),
            skipped as (insert into inbox (consumer, event_id) select $1, unnest($3::uuid[]) on conflict do nothing)
       update consumer_streams s set position = p.position, parked_position = null
         from unnest($4::text[], $5::int[]) as p(stream_id, position)
        where s.consumer = $1 and s.stream_id = any($4::text[]) and s.stream_id = p.stream_id`,
      [
        this.name,
        handle.map((i) => events[i]!.eventId),
        regressions,
        moved,
        moved.map((stream) => place.get(stream)!),
      ],
    );
    return true;
  }

  /**
   * Handles one message in `client`'s transaction, keeping the stream's order. `redrive` lets
   * the parked event at the head of its stream through.
   */
  private async deliver(client: PoolClient, message: ConsumedMessage, redrive = false): Promise<Outcome> {
    const event = fromBusMessage(message);
    const name = this.name;
    if (event.streamPosition <= 0) {
      // No position (a producer that does not say): once, but no order to keep.
      const seen = await client.query('select 1 from inbox where consumer = $1 and event_id = $2', [
        name,
        event.eventId,
      ]);
      if (seen.rowCount) return 'duplicate';
      await this.handleOnce(client, event, message, true);
      return 'handled';
    }
    // In one round trip (each one is paid per event, and in the embedded wiring the relay waits
    // for it): whether it was handled already, and the consumer's place in its stream - locked
    // for the transaction, created at 0 for a stream not seen before.
    const { rows } = await client.query<{ seen: boolean; position: number; parked_position: number | null }>(
      `with place as (
         insert into consumer_streams (consumer, stream_id, position) values ($1, $2, 0)
         on conflict (consumer, stream_id) do update set position = consumer_streams.position
         returning position, parked_position
       )
       select exists (select 1 from inbox where consumer = $1 and event_id = $3) as seen, position, parked_position
         from place`,
      [name, event.streamId, event.eventId],
    );
    const place = rows[0]!;
    if (place.seen) return 'duplicate';
    if (event.streamPosition <= place.position) {
      this.options.logger.debug({ consumer: name, event: event.eventId, place }, 'regression skipped');
      await client.query('insert into inbox (consumer, event_id) values ($1, $2) on conflict do nothing', [
        name,
        event.eventId,
      ]);
      return 'duplicate';
    }
    const isParkedHead = redrive && place.parked_position === event.streamPosition;
    if (place.parked_position !== null && !isParkedHead) {
      await this.hold(client, event, message, place.parked_position);
      return 'parked-key';
    }
    if (!isParkedHead && (event.previousSequence ?? place.position) > place.position) {
      await this.hold(client, event, message, event.previousSequence!);
      return 'held';
    }
    await this.handleOnce(client, event, message, false);
    // The inbox row and the new place in one round trip, and whether events wait behind it.
    const moved = await client.query<{ waiting: boolean }>(
      `with inboxed as (insert into inbox (consumer, event_id) values ($1, $3)),
            moved as (update consumer_streams set position = $4, parked_position = null
                       where consumer = $1 and stream_id = $2)
       select exists (select 1 from consumer_held where consumer = $1 and stream_id = $2) as waiting`,
      [name, event.streamId, event.eventId, event.streamPosition],
    );
    if (moved.rows[0]!.waiting) await this.releaseHeld(client, event.streamId);
    return 'handled';
  }

  /**
   * The effect, in an `on <EventType>` span continuing the producer's trace (the message's
   * traceparent); the reaction's commands run inside it.
   */
  private async handleOnce(
    client: PoolClient,
    event: IncomingEvent,
    message: ConsumedMessage,
    /** Whether to insert the inbox row here (the ordered path inserts it with the stream's place). */
    inbox: boolean,
  ): Promise<void> {
    await inSpan(
      `on ${event.type}`,
      {
        kind: SpanKind.CONSUMER,
        parent: carriedContext(event.metadata),
        attributes: this.spanAttributes(event, message),
      },
      async () => {
        if (inbox)
          await client.query('insert into inbox (consumer, event_id) values ($1, $2)', [
            this.name,
            event.eventId,
          ]);
        await this.options.handle(client, event);
      },
    );
  }

  /**
   * The effects of several events in one call of the batch handler, each event still with its
   * own `on <EventType>` span continuing the producer's trace.
   */
  private async handleAllOnce(
    client: PoolClient,
    events: IncomingEvent[],
    messages: ConsumedMessage[],
  ): Promise<void> {
    const spans = events.map((event, i) =>
      startSpan(`on ${event.type}`, {
        kind: SpanKind.CONSUMER,
        parent: carriedContext(event.metadata),
        attributes: this.spanAttributes(event, messages[i]!),
      }),
    );
    try {
      await this.options.handleBatch!(client, events);
    } catch (error) {
      for (const { span } of spans) failed(span, error);
      throw error;
    } finally {
      for (const { span } of spans) span.end();
    }
  }

  private spanAttributes(event: IncomingEvent, message: ConsumedMessage) {
    return {
      'ar.service': this.options.service ?? this.name.split('.')[0]!,
      'ar.consumer': this.name,
      'ar.event.type': event.type,
      'ar.event.id': event.eventId,
      'ar.stream': event.streamId,
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': message.topic,
      'messaging.consumer.group.name': this.options.groupId ?? this.name,
    };
  }

  private async hold(client: PoolClient, event: IncomingEvent, message: ConsumedMessage, waitingFor: number) {
    this.options.logger.info(
      { consumer: this.name, stream: event.streamId, position: event.streamPosition, waitingFor },
      'event held back until the stream reaches it',
    );
    await client.query(
      `insert into consumer_held (consumer, stream_id, position, previous_position, message)
       values ($1, $2, $3, $4, $5) on conflict do nothing`,
      [this.name, event.streamId, event.streamPosition, event.previousSequence ?? 0, JSON.stringify(message)],
    );
  }

  /** Handles the held events the stream has now reached, in order; a poison one is parked. */
  private async releaseHeld(client: PoolClient, streamId: string): Promise<void> {
    for (;;) {
      const { rows } = await client.query<{ message: ConsumedMessage; position: number }>(
        `select h.message, h.position from consumer_held h join consumer_streams s using (consumer, stream_id)
          where h.consumer = $1 and h.stream_id = $2 and s.parked_position is null
            and h.previous_position <= s.position
          order by h.position limit 1`,
        [this.name, streamId],
      );
      const next = rows[0];
      if (!next) return;
      await client.query(
        'delete from consumer_held where consumer = $1 and stream_id = $2 and position = $3',
        [this.name, streamId, next.position],
      );
      await client.query('savepoint held_event');
      try {
        await this.deliver(client, next.message);
        await client.query('release savepoint held_event');
      } catch (error) {
        if (failureKind(error) === 'transient') throw error;
        await client.query('rollback to savepoint held_event');
        await this.parkIn(client, next.message, error);
        return;
      }
    }
  }

  /**
   * Whether this consumer already went past a message it cannot read (handled, skipped by an
   * operator, or below its place in the stream): a re-read (a renamed group) must not park it again.
   */
  private async alreadyPast(message: ConsumedMessage): Promise<boolean> {
    const h = message.headers;
    const position = Number(h[CE.sequence]);
    const { rows } = await this.options.pool.query<{ past: boolean }>(
      `select exists (select 1 from inbox where consumer = $1 and event_id::text = $2)
           or exists (select 1 from consumer_streams where consumer = $1 and stream_id = $3 and position >= $4) as past`,
      [
        this.name,
        h[CE.id] ?? '',
        h[CE.subject] ?? '',
        Number.isSafeInteger(position) && position > 0 ? position : 2 ** 31 - 1,
      ],
    );
    return rows[0]?.past ?? false;
  }

  private async park(message: ConsumedMessage, error: unknown): Promise<void> {
    const err = asError(error);
    const topic = deadLetterTopic(message.topic, this.name);
    this.options.logger.error(
      {
        err,
        consumer: this.name,
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
        deadLetterTopic: topic,
      },
      'message parked: it cannot be handled as it is (later events of its stream wait behind it)',
    );
    // The topic is for people and tools watching; the table is what redrive and holding use.
    await this.options.bus.publish(topic, [
      {
        key: message.key,
        value: message.value,
        headers: {
          ...message.headers,
          dlq_error: err.message.slice(0, 2000),
          dlq_error_type: err.name,
          dlq_original_topic: message.topic,
          dlq_original_partition: String(message.partition),
          dlq_original_offset: message.offset,
          dlq_consumer: this.name,
        },
      },
    ]);
    await inTransaction(this.options.pool, (client) => this.parkIn(client, message, err));
  }

  private async parkIn(client: PoolClient, message: ConsumedMessage, error: unknown): Promise<void> {
    const err = asError(error);
    const h = message.headers;
    const eventId = h[CE.id] || `${message.topic}/${message.partition}/${message.offset}`;
    const streamId = h[CE.subject] || null;
    const position = Number(h[CE.sequence]) > 0 ? Number(h[CE.sequence]) : null;
    await client.query(
      `insert into consumer_parked (consumer, event_id, stream_id, position, message, error, error_type)
       values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (consumer, event_id) do update set error = excluded.error, error_type = excluded.error_type, parked_at = now()`,
      [this.name, eventId, streamId, position, JSON.stringify(message), err.message.slice(0, 2000), err.name],
    );
    if (streamId && position) {
      // The stream's later events wait behind it (they may depend on it).
      await client.query(
        `insert into consumer_streams (consumer, stream_id, position, parked_position) values ($1, $2, 0, $3)
         on conflict (consumer, stream_id) do update set parked_position = excluded.parked_position`,
        [this.name, streamId, position],
      );
    }
  }

  /** Parked messages of this consumer, oldest first. */
  async parked(): Promise<ParkedMessage[]> {
    const { rows } = await this.options.pool.query(
      `select p.consumer, p.event_id as "eventId", p.stream_id as "streamId", p.position, p.message->>'topic' as topic,
              p.message->'headers'->>'${CE.type}' as type, p.error, p.error_type as "errorType",
              to_char(p.parked_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as "parkedAt",
              (select count(*)::int from consumer_held h where h.consumer = p.consumer and h.stream_id = p.stream_id) as "heldBehind"
         from consumer_parked p where p.consumer = $1 order by p.parked_at`,
      [this.name],
    );
    return rows;
  }

  /**
   * Handles a parked message again (after a fix), then the events held behind it. Resolves
   * `handled`, or throws the error it failed with again (it stays parked).
   */
  async redrive(eventId: string): Promise<'handled' | 'not-parked'> {
    return inTransaction(this.options.pool, async (client) => {
      const message = await this.takeParked(client, eventId);
      if (!message) return 'not-parked';
      await this.deliver(client, message, true);
      return 'handled';
    });
  }

  /** Gives up on a parked message: its stream moves past it, and the events held behind it go on. */
  async skip(eventId: string): Promise<'skipped' | 'not-parked'> {
    return inTransaction(this.options.pool, async (client) => {
      const message = await this.takeParked(client, eventId);
      if (!message) return 'not-parked';
      const h = message.headers;
      if (h[CE.subject] && Number(h[CE.sequence]) > 0) {
        await client.query(
          `update consumer_streams set position = greatest(position, $3), parked_position = null
            where consumer = $1 and stream_id = $2`,
          [this.name, h[CE.subject], Number(h[CE.sequence])],
        );
        await this.releaseHeld(client, h[CE.subject]!);
      }
      const id = h[CE.id];
      if (id && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
        await client.query('insert into inbox (consumer, event_id) values ($1, $2) on conflict do nothing', [
          this.name,
          id,
        ]);
      this.options.logger.warn({ consumer: this.name, eventId }, 'parked message skipped by an operator');
      return 'skipped';
    });
  }

  private async takeParked(client: PoolClient, eventId: string): Promise<ConsumedMessage | undefined> {
    const { rows } = await client.query<{ message: ConsumedMessage }>(
      'delete from consumer_parked where consumer = $1 and event_id = $2 returning message',
      [this.name, eventId],
    );
    return rows[0]?.message;
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Waits `ms`, telling the broker every second that this consumer is alive. */
async function waitHeartbeating(ms: number, context: DeliveryContext): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && context.isActive()) {
    await sleep(Math.min(1000, until - Date.now()));
    await context.heartbeat();
  }
}
