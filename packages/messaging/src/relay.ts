import { publicEventsOf } from '@ar/contracts';
import type { RecordedEvent } from '@ar/kernel';
import { type AppendNotifier, advanceCheckpoint, loadCheckpoint, StoreSubscription } from '@ar/postgres';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { toBusMessage } from './cloud-events';
import type { MessageBus } from './message-bus';
import { carriedContext, failed, SpanKind, startSpan, withTraceContext } from './tracing';

export interface RelayOptions {
  service: string;
  topic: string;
  pool: Pool;
  schema: string;
  bus: MessageBus;
  notifier: AppendNotifier;
  logger: Logger;
  batchSize?: number;
  /** Which of the service's public events it publishes: those of this contract topic (default: the service's own). */
  contractTopic?: string;
}

/**
 * The store is the outbox (CONVENTIONS §6): the relay follows the service's store in global
 * order, publishes the public events (as the contract names them) and moves its checkpoint only
 * after the broker acknowledged. Killed between the two, it publishes the batch again on
 * restart: at least once, in order per key, never skipped. Private events stay private.
 */
export class Relay {
  private readonly subscription: StoreSubscription;
  readonly checkpointName: string;

  constructor(options: RelayOptions) {
    const checkpointName = `relay:${options.topic}`;
    this.checkpointName = checkpointName;
    const contracts = publicEventsOf(options.service, options.contractTopic);
    this.subscription = new StoreSubscription({
      name: checkpointName,
      pool: options.pool,
      schema: options.schema,
      notifier: options.notifier,
      logger: options.logger,
      batchSize: options.batchSize ?? 500,
      loadCheckpoint: () => loadCheckpoint(options.pool, checkpointName),
      handle: async (events, from) => {
        const published = events.filter((e) => contracts.has(e.type));
        const previous = await previousPublicPositions(options.pool, published, [...contracts.keys()]);
        // One `relay publish` span per event, continuing the trace of the command that stored
        // it; its context goes out in the message's traceparent, so consumers continue from it.
        const spans = published.map((e) =>
          startSpan('relay publish', {
            kind: SpanKind.PRODUCER,
            parent: carriedContext(e.metadata),
            attributes: {
              'ar.service': options.service,
              'ar.event.type': e.type,
              'ar.event.id': e.eventId,
              'ar.stream': e.streamId,
              'messaging.system': 'kafka',
              'messaging.operation.type': 'send',
              'messaging.destination.name': options.topic,
            },
          }),
        );
        const messages = published.map((e, i) =>
          toBusMessage(
            { ...e, metadata: withTraceContext(e.metadata, spans[i]!.context) },
            options.service,
            contracts.get(e.type),
            previous.get(e.eventId),
          ),
        );
        try {
          await options.bus.publish(options.topic, messages);
        } catch (error) {
          for (const { span } of spans) failed(span, error);
          throw error;
        } finally {
          for (const { span } of spans) span.end();
        }
        // Compare-and-set: a relay that lost its lease mid-batch cannot move the checkpoint back.
        await advanceCheckpoint(options.pool, checkpointName, from, events.at(-1)!.checkpoint);
      },
    });
  }

  start(): void {
    this.subscription.start();
  }

  stop(): Promise<void> {
    return this.subscription.stop();
  }

  /** Resolves when everything committed so far has been published. */
  caughtUp(): Promise<void> {
    return this.subscription.caughtUp();
  }
}

/**
 * For each event, the position of its stream's previous public event (0 if none): one indexed
 * look-up per stream of the batch, then carried along the batch.
 */
async function previousPublicPositions(
  pool: Pool,
  events: RecordedEvent[],
  publicTypes: string[],
): Promise<Map<string, number>> {
  if (events.length === 0) return new Map();
  const first = new Map<string, number>();
  for (const e of events) if (!first.has(e.streamId)) first.set(e.streamId, e.streamPosition);
  const { rows } = await pool.query<{ stream_id: string; previous: number | null }>(
    `select s.stream_id,
            (select max(e.stream_position) from events e
              where e.stream_id = s.stream_id and e.stream_position < s.position and e.event_type = any($3)) as previous
       from unnest($1::text[], $2::int[]) as s(stream_id, position)`,
    [[...first.keys()], [...first.values()], publicTypes],
  );
  const last = new Map(rows.map((r) => [r.stream_id, r.previous ?? 0]));
  const previous = new Map<string, number>();
  for (const e of events) {
    previous.set(e.eventId, last.get(e.streamId) ?? 0);
    last.set(e.streamId, e.streamPosition);
  }
  return previous;
}
