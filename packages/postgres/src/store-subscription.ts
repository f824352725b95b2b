import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { AppendNotifier } from './append-notifier';
import {
  atOrAfter,
  type Checkpoint,
  CheckpointMoved,
  lastReadable,
  type OrderedEvent,
  readNextAfter,
} from './global-order';
import { OutageLog } from './outage-log';

/** Waits for events held back by an older open transaction: 2 ms doubling to 200 ms. */
const IN_FLIGHT_FIRST_WAIT_MS = 2;
const IN_FLIGHT_MAX_WAIT_MS = 200;

export interface StoreSubscriptionOptions {
  name: string;
  pool: Pool;
  schema: string;
  notifier: AppendNotifier;
  logger: Logger;
  loadCheckpoint(): Promise<Checkpoint>;
  /**
   * Handles one batch and moves the checkpoint from `from` to its last event's (how and when is
   * the handler's rule); `CheckpointMoved` when another reader moved it first.
   */
  handle(events: OrderedEvent[], from: Checkpoint): Promise<void>;
  batchSize?: number;
  /** Safety net when a notification is missed (e.g. the listener reconnecting). */
  pollIntervalMs?: number;
  /** The wait before trying a failed batch again (default: doubling from 100 ms to 5 s). */
  retryDelayMs?: (failures: number) => number;
}

/**
 * Follows one service's store in global order and hands batches to a handler: the engine under
 * the relay (store -> Kafka) and the projection runner (store -> read model). A failing batch is
 * retried with backoff, never skipped: a reader that skips is a reader that loses events.
 */
export class StoreSubscription {
  private running = false;
  private loop: Promise<void> | undefined;
  private position: Checkpoint | undefined;
  private idleResolvers: (() => void)[] = [];

  constructor(private readonly options: StoreSubscriptionOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.position = undefined; // another instance may have moved it while this one stood by
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.options.notifier.signal(this.options.schema);
    await this.loop;
  }

  /**
   * Resolves once everything committed so far is handled: by this subscription, or - where
   * another instance holds its lease - once the stored checkpoint has passed it.
   */
  async caughtUp(): Promise<void> {
    if (!this.running) return this.checkpointPasses(await lastReadable(this.options.pool));
    this.options.notifier.signal(this.options.schema);
    await new Promise<void>((resolve) => this.idleResolvers.push(resolve));
  }

  private async checkpointPasses(head: Checkpoint | undefined): Promise<void> {
    if (!head) return;
    while (!atOrAfter(await this.options.loadCheckpoint(), head)) {
      if (this.running) return this.caughtUp();
      await sleep(50);
    }
  }

  private async run(): Promise<void> {
    const { pool, schema, notifier, logger, name } = this.options;
    const batchSize = this.options.batchSize ?? 500;
    const pollIntervalMs = this.options.pollIntervalMs ?? 1000;
    const retryDelayMs = this.options.retryDelayMs ?? ((n: number) => Math.min(50 * 2 ** n, 5000));
    const outage = new OutageLog(logger, 'store subscription batch', { subscription: name });
    let inFlightWaitMs = IN_FLIGHT_FIRST_WAIT_MS;
    while (this.running) {
      try {
        this.position ??= await this.options.loadCheckpoint();
        const seen = notifier.counter(schema);
        const { events, heldBack } = await readNextAfter(pool, this.position, batchSize);
        if (events.length > 0) {
          await this.options.handle(events, this.position);
          this.position = events.at(-1)!.checkpoint;
          outage.succeeded();
          inFlightWaitMs = IN_FLIGHT_FIRST_WAIT_MS;
          // More to read (a full batch, events held back, an append since the read began): read
          // again at once. Otherwise this read was everything, and the next append will wake it.
          if (events.length === batchSize || heldBack || notifier.counter(schema) !== seen) continue;
        } else if (heldBack) {
          // Committed after an older transaction of this database that is still open:
          // readable once it ends. Usually a moment, but an idle session can hold its id for
          // minutes, so look again after a wait that doubles - or at the next append here.
          await notifier.wait(schema, notifier.counter(schema), inFlightWaitMs);
          inFlightWaitMs = Math.min(inFlightWaitMs * 2, IN_FLIGHT_MAX_WAIT_MS);
          continue;
        }
        inFlightWaitMs = IN_FLIGHT_FIRST_WAIT_MS;
        if (notifier.counter(schema) === seen) {
          for (const resolve of this.idleResolvers.splice(0)) resolve();
        }
        await notifier.wait(schema, seen, pollIntervalMs);
      } catch (error) {
        this.position = undefined; // reload: the handler may have stored part of its progress
        if (error instanceof CheckpointMoved) {
          // Another instance or a rebuild got there first: go on from where it left the checkpoint.
          logger.info(
            { subscription: name, reason: error.message },
            'checkpoint moved by another reader; reloading',
          );
          continue;
        }
        const delay = retryDelayMs(outage.failing + 1); // this failure counted
        outage.failed(error, { retryInMs: delay });
        await sleep(delay);
      }
    }
    for (const resolve of this.idleResolvers.splice(0)) resolve();
  }
}
