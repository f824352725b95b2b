import { setTimeout as sleep } from 'node:timers/promises';
import { deadLetterTopic } from '@ar/contracts';
import { inTransaction } from '@ar/postgres';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { fromBusMessage, type IncomingEvent } from './cloud-events';
import type { BusSubscription, ConsumedMessage, MessageBus } from './message-bus';

/** What a service does with one event, inside the transaction that also records it as handled. */
export type EventHandler = (client: PoolClient, event: IncomingEvent) => Promise<void>;

export interface EventConsumerOptions {
  /** The consumer group, and the inbox's name for what this consumer has handled. */
  name: string;
  topics: string[];
  bus: MessageBus;
  pool: Pool;
  logger: Logger;
  handle: EventHandler;
  /** Attempts per message before it goes to the dead-letter topic. */
  maxAttempts?: number;
}

/**
 * An idempotent consumer (CONVENTIONS §7). Each message's effect and its inbox row commit in one
 * PostgreSQL transaction, so a redelivered message (rebalance, crash before the offset commit)
 * is recognised by its event id and has no second effect. The whole batch is tried in one
 * transaction first (the fast path); if that fails, message by message, each retried a bounded
 * number of times, then parked on the dead-letter topic with its error - and the consumer goes on.
 */
export class EventConsumer {
  private subscription: BusSubscription | undefined;

  constructor(private readonly options: EventConsumerOptions) {}

  async start(): Promise<void> {
    this.subscription = await this.options.bus.subscribe({
      groupId: this.options.name,
      topics: this.options.topics,
      handleBatch: (messages) => this.handleBatch(messages),
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }

  private async handleBatch(messages: ConsumedMessage[]): Promise<void> {
    try {
      await inTransaction(this.options.pool, async (client) => {
        for (const message of messages) await this.handleOnce(client, fromBusMessage(message));
      });
      return;
    } catch {
      // One bad message must not hold the others back: isolate it.
    }
    for (const message of messages) await this.handleAlone(message);
  }

  /** Returns false when the event was already handled (a duplicate delivery). */
  private async handleOnce(client: PoolClient, event: IncomingEvent): Promise<boolean> {
    const inbox = await client.query(
      'insert into inbox (consumer, event_id) values ($1, $2) on conflict do nothing',
      [this.options.name, event.eventId],
    );
    if (inbox.rowCount === 0) return false;
    await this.options.handle(client, event);
    return true;
  }

  private async handleAlone(message: ConsumedMessage): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 3;
    let lastError: unknown;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        const event = fromBusMessage(message);
        await inTransaction(this.options.pool, (client) => this.handleOnce(client, event));
        return;
      } catch (error) {
        lastError = error;
        if (attempt < maxAttempts) await sleep(20 * 2 ** attempt);
      }
    }
    await this.deadLetter(message, lastError);
  }

  private async deadLetter(message: ConsumedMessage, error: unknown): Promise<void> {
    const err = error instanceof Error ? error : new Error(String(error));
    const topic = deadLetterTopic(message.topic, this.options.name);
    this.options.logger.error(
      {
        err,
        consumer: this.options.name,
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
        deadLetterTopic: topic,
      },
      'message could not be handled; sent to the dead-letter topic',
    );
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
          dlq_consumer: this.options.name,
        },
      },
    ]);
  }
}
