import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { AppendNotifier } from './append-notifier';
import {
  advanceCheckpoint,
  type Checkpoint,
  claimCheckpoint,
  loadCheckpoint,
  type OrderedEvent,
  overwriteCheckpoint,
  readAllAfter,
  START,
} from './global-order';
import { assertSchemaName, inTransaction, withConnection } from './pool';
import { StoreSubscription } from './store-subscription';

/**
 * A read model: how events change it, and the tables it keeps. `apply` runs in the same
 * transaction as the checkpoint, so a crash leaves model and checkpoint in step. It names its
 * tables unqualified: a rebuild runs the same `apply` against empty copies beside the live ones.
 */
export interface Projection {
  name: string;
  /** The read model's tables, all of them: a rebuild fills copies of these and swaps them in. */
  tables: string[];
  apply(client: PoolClient, events: OrderedEvent[]): Promise<void>;
}

export interface ProjectionRunnerOptions {
  pool: Pool;
  schema: string;
  notifier: AppendNotifier;
  logger: Logger;
  batchSize?: number;
}

export interface RebuildSummary {
  projection: string;
  events: number;
  ms: number;
}

/** A rebuild of this projection is already running (in this or another instance). */
export class RebuildInProgress extends Error {
  override readonly name = 'RebuildInProgress';
}

export class ProjectionRunner {
  private readonly subscription: StoreSubscription;
  readonly checkpointName: string;

  constructor(
    private readonly projection: Projection,
    private readonly options: ProjectionRunnerOptions,
  ) {
    this.checkpointName = `projection:${projection.name}`;
    const { pool } = options;
    this.subscription = new StoreSubscription({
      ...options,
      name: this.checkpointName,
      loadCheckpoint: () => loadCheckpoint(pool, this.checkpointName),
      handle: (events, from) =>
        inTransaction(pool, async (client) => {
          // The checkpoint's row lock first: a second instance or a rebuild's swap waits here,
          // then finds the checkpoint moved and applies nothing.
          await claimCheckpoint(client, this.checkpointName, from);
          await this.projection.apply(client, events);
          await advanceCheckpoint(client, this.checkpointName, from, events.at(-1)!.checkpoint);
        }),
    });
  }

  get name(): string {
    return this.projection.name;
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

  /**
   * Rebuilds the read model from every stored event beside the live one and swaps it in: empty
   * copies of its tables are filled in a schema of their own, in batches of short transactions,
   * while readers go on reading the live model; the swap (catch up the last events, replace
   * the tables, set the checkpoint) is one short transaction holding the checkpoint's row lock,
   * so the live runner - in any instance - waits for it, then goes on from the new checkpoint.
   * Readers never see an empty or partial model. Runs in whichever instance is asked.
   */
  async rebuild(): Promise<RebuildSummary> {
    const { pool, schema, logger } = this.options;
    const started = Date.now();
    const shadow = assertSchemaName(
      `${schema.slice(0, 40)}_rebuild_${this.projection.name.replace(/\W/g, '_')}`.slice(0, 63),
    );
    const lockName = `${schema}:rebuild:${this.projection.name}`;
    return withConnection(pool, async (lock) => {
      const { rows } = await lock.query<{ ok: boolean }>(
        'select pg_try_advisory_lock(hashtextextended($1, 0)) as ok',
        [lockName],
      );
      if (!rows[0]?.ok)
        throw new RebuildInProgress(`a rebuild of ${this.projection.name} is already running`);
      try {
        await pool.query(`drop schema if exists ${shadow} cascade`);
        await pool.query(`create schema ${shadow}`);
        for (const table of this.projection.tables)
          await pool.query(`create table ${shadow}.${table} (like ${schema}.${table} including all)`);
        const inShadow = async <R>(work: (client: PoolClient) => Promise<R>) =>
          inTransaction(pool, async (client) => {
            await client.query(`set local search_path = ${shadow}, ${schema}`);
            return work(client);
          });
        let position: Checkpoint = START;
        let events = 0;
        const catchUp = async (client: PoolClient) => {
          for (;;) {
            const batch = await readAllAfter(client, position, this.options.batchSize ?? 1000);
            if (batch.length === 0) return;
            await this.projection.apply(client, batch);
            position = batch.at(-1)!.checkpoint;
            events += batch.length;
            if (events % 50_000 < batch.length)
              logger.info({ projection: this.projection.name, events }, 'projection rebuild progress');
          }
        };
        // The bulk: batches of short transactions, so no transaction stays open for minutes.
        for (let before = -1; before !== events; ) {
          before = events;
          await inShadow(async (client) => {
            const batch = await readAllAfter(client, position, this.options.batchSize ?? 1000);
            if (batch.length === 0) return;
            await this.projection.apply(client, batch);
            position = batch.at(-1)!.checkpoint;
            events += batch.length;
          });
        }
        // The swap: what arrived meanwhile, then the tables, under the checkpoint's row lock.
        await inShadow(async (client) => {
          await claimCheckpointRow(client, this.checkpointName);
          await catchUp(client);
          for (const table of this.projection.tables) {
            await client.query(`drop table ${schema}.${table}`);
            await client.query(`alter table ${shadow}.${table} set schema ${schema}`);
          }
          await overwriteCheckpoint(client, this.checkpointName, position);
          await client.query(`drop schema ${shadow}`);
        });
        const summary = { projection: this.projection.name, events, ms: Date.now() - started };
        logger.info(summary, 'projection rebuilt and swapped in');
        return summary;
      } finally {
        await pool.query(`drop schema if exists ${shadow} cascade`).catch(() => {});
        await lock.query('select pg_advisory_unlock(hashtextextended($1, 0))', [lockName]).catch(() => {});
      }
    });
  }
}

/** Locks the checkpoint's row (creating it if needed) for the rest of the transaction. */
async function claimCheckpointRow(client: PoolClient, name: string): Promise<void> {
  await client.query(
    `insert into checkpoints (name, transaction_id, global_position) values ($1, '0'::xid8, 0) on conflict do nothing`,
    [name],
  );
  await client.query('select 1 from checkpoints where name = $1 for update', [name]);
}
