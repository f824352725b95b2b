import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { AppendNotifier } from './append-notifier';
import { deleteCheckpoint, loadCheckpoint, type OrderedEvent, saveCheckpoint } from './global-order';
import { inTransaction } from './pool';
import { StoreSubscription } from './store-subscription';

/**
 * A read model: how events change it, and how to empty it for a rebuild. `apply` runs in the
 * same transaction as the checkpoint, so a crash leaves model and checkpoint in step.
 */
export interface Projection {
  name: string;
  apply(client: PoolClient, events: OrderedEvent[]): Promise<void>;
  reset(client: PoolClient): Promise<void>;
}

export interface ProjectionRunnerOptions {
  pool: Pool;
  schema: string;
  notifier: AppendNotifier;
  logger: Logger;
  batchSize?: number;
}

export class ProjectionRunner {
  private subscription: StoreSubscription;
  private readonly checkpointName: string;

  constructor(
    private readonly projection: Projection,
    private readonly options: ProjectionRunnerOptions,
  ) {
    this.checkpointName = `projection:${projection.name}`;
    this.subscription = this.subscribe();
  }

  private subscribe(): StoreSubscription {
    const { pool } = this.options;
    return new StoreSubscription({
      ...this.options,
      name: this.checkpointName,
      loadCheckpoint: () => loadCheckpoint(pool, this.checkpointName),
      handle: (events) =>
        inTransaction(pool, async (client) => {
          await this.projection.apply(client, events);
          await saveCheckpoint(client, this.checkpointName, events.at(-1)!.checkpoint);
        }),
    });
  }

  start(): void {
    this.subscription.start();
  }

  stop(): Promise<void> {
    return this.subscription.stop();
  }

  caughtUp(): Promise<void> {
    return this.subscription.caughtUp();
  }

  /** Empties the read model and replays every event from the start of the store. */
  async rebuild(): Promise<void> {
    await this.subscription.stop();
    await inTransaction(this.options.pool, async (client) => {
      await this.projection.reset(client);
      await deleteCheckpoint(client, this.checkpointName);
    });
    this.options.logger.info({ projection: this.projection.name }, 'projection rebuild started');
    this.subscription = this.subscribe();
    this.subscription.start();
  }
}
