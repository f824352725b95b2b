import { publicEventsOf } from '@ar/contracts';
import { type AppendNotifier, advanceCheckpoint, loadCheckpoint, StoreSubscription } from '@ar/postgres';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { toBusMessage } from './cloud-events';
import type { MessageBus } from './message-bus';

export interface RelayOptions {
  service: string;
  topic: string;
  pool: Pool;
  schema: string;
  bus: MessageBus;
  notifier: AppendNotifier;
  logger: Logger;
  batchSize?: number;
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
    const contracts = publicEventsOf(options.service);
    this.subscription = new StoreSubscription({
      name: checkpointName,
      pool: options.pool,
      schema: options.schema,
      notifier: options.notifier,
      logger: options.logger,
      batchSize: options.batchSize ?? 500,
      loadCheckpoint: () => loadCheckpoint(options.pool, checkpointName),
      handle: async (events, from) => {
        const messages = events
          .filter((e) => contracts.has(e.type))
          .map((e) => toBusMessage(e, options.service, contracts.get(e.type)));
        await options.bus.publish(options.topic, messages);
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
