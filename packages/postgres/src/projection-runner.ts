import { randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { AppendNotifier } from './append-notifier';
import { type EventRow, toRecordedEvent } from './event-store';
import {
  advanceCheckpoint,
  atOrAfter,
  type Checkpoint,
  CheckpointMoved,
  claimCheckpoint,
  loadCheckpoint,
  type OrderedEvent,
  overwriteCheckpoint,
  readAllAfter,
  START,
} from './global-order';
import { assertSchemaName, inTransaction, withConnection } from './pool';
import { StoreSubscription } from './store-subscription';
import { isTransientInfrastructureError } from './transient';

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
  /**
   * A rebuild's own way, for a read model whose derived tables cost more to keep up a page at a
   * time than to make once from its rows (the aging's cells): the bulk's pages are applied by
   * `rebuild.apply`, which may leave them out, then `rebuild.finish` makes them in the shadow once,
   * before the swap catches up the last events with the ordinary `apply`.
   */
  rebuild?: {
    apply(client: PoolClient, events: OrderedEvent[]): Promise<void>;
    finish(client: PoolClient): Promise<void>;
  };
}

export interface ProjectionRunnerOptions {
  pool: Pool;
  schema: string;
  notifier: AppendNotifier;
  logger: Logger;
  batchSize?: number;
  /**
   * Where a rebuild runs: minutes of work over a large store, which a pool's query timeout must
   * not cut (`createLongWorkPool`). Default `pool`.
   */
  rebuildPool?: Pool;
  /**
   * Events a rebuild reads and applies per transaction (default 5000): large pages, each one
   * `apply` call, so a projection that writes a page at once makes few round trips.
   */
  rebuildBatchSize?: number;
}

/** A rebuild's page of events when none is set (`rebuildBatchSize`). */
export const REBUILD_BATCH_SIZE = 5000;

/** How long a rebuild waits for events committed before it began that older transactions keep unreadable. */
const REBUILD_READABLE_WAIT_MS = 30_000;

export interface RebuildSummary {
  projection: string;
  events: number;
  /** Events the rebuilt model could not take either: parked (see `parked()`). */
  parked: number;
  ms: number;
}

/** An event a read model could not take, skipped there until an operator acts. */
export interface ParkedProjectionEvent {
  projection: string;
  eventId: string;
  streamId: string;
  position: number;
  eventType: string;
  error: string;
  parkedAt: string;
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
      handle: (events, from) => this.applyLive(events, from),
    });
  }

  /**
   * A live batch in one transaction: the checkpoint's row lock first (a second instance or a
   * rebuild's swap waits here, then finds the checkpoint moved and applies nothing), the batch,
   * the checkpoint moved on. Without a savepoint around the batch - two statements a batch that
   * nearly never fails: when it does, the transaction is over, and a second one goes event by
   * event, parking what the read model cannot take.
   */
  private async applyLive(events: OrderedEvent[], from: Checkpoint): Promise<void> {
    const { pool } = this.options;
    const inOrder = (apply: (client: PoolClient) => Promise<unknown>) =>
      inTransaction(pool, async (client) => {
        await claimCheckpoint(client, this.checkpointName, from);
        await apply(client);
        await advanceCheckpoint(client, this.checkpointName, from, events.at(-1)!.checkpoint);
      });
    try {
      return await inOrder((client) => this.projection.apply(client, events));
    } catch (error) {
      if (error instanceof CheckpointMoved || isTransientInfrastructureError(error)) throw error;
    }
    await inOrder((client) => this.applyEachOrPark(client, events));
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
    const { schema, logger } = this.options;
    const pool = this.options.rebuildPool ?? this.options.pool;
    const started = Date.now();
    // A name of this rebuild's own: a predictable one (`<schema>_rebuild_<projection>`) could be
    // made first by another service's role (roles have CREATE on the database) and block every
    // rebuild with 'must be owner of schema' (#15 probe F6).
    const prefix = `${schema.slice(0, 30)}_rebuild_${this.projection.name.replace(/\W/g, '_').slice(0, 14)}_`;
    const shadow = assertSchemaName(`${prefix}${randomBytes(4).toString('hex')}`);
    const lockName = `${schema}:rebuild:${this.projection.name}`;
    return withConnection(pool, async (lock) => {
      const { rows } = await lock.query<{ ok: boolean }>(
        'select pg_try_advisory_lock(hashtextextended($1, 0)) as ok',
        [lockName],
      );
      if (!rows[0]?.ok)
        throw new RebuildInProgress(`a rebuild of ${this.projection.name} is already running`);
      try {
        // Earlier rebuilds of this projection stopped midway (the process killed) left their
        // shadows: this role's own are dropped (a schema of another role is none of its business).
        const { rows: leftovers } = await pool.query<{ nspname: string }>(
          `select nspname from pg_namespace
            where starts_with(nspname, $1) and substr(nspname, length($1) + 1) ~ '^[0-9a-f]{8}$'
              and pg_get_userbyid(nspowner) = current_user`,
          [prefix],
        );
        for (const { nspname } of leftovers)
          await pool.query(`drop schema if exists ${assertSchemaName(nspname)} cascade`);
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
        const parked = new Set<string>();
        const catchUp = async (client: PoolClient) => {
          for (;;) {
            const batch = await readAllAfter(
              client,
              position,
              this.options.rebuildBatchSize ?? REBUILD_BATCH_SIZE,
            );
            if (batch.length === 0) return;
            for (const id of await this.applyOrPark(client, batch)) parked.add(id);
            position = batch.at(-1)!.checkpoint;
            events += batch.length;
          }
        };
        // The bulk: pages in global order (keyset on transaction id and position), one short
        // transaction and one `apply` each, so no transaction stays open for minutes. The next
        // page is read on another connection while this one is applied. Nothing is durable
        // before the swap, so these commits do not wait for the disk (synchronous_commit off):
        // a crash leaves a shadow the next rebuild drops.
        const pageSize = this.options.rebuildBatchSize ?? REBUILD_BATCH_SIZE;
        // Every event committed before the rebuild began is in it: one another transaction still
        // keeps unreadable (global order) is waited for, a while - past that, the live runner
        // takes it after the swap, as any event that comes later.
        const { rows: last } = await pool.query<{ transaction_id: string; global_position: string }>(
          'select transaction_id, global_position from events order by transaction_id desc, global_position desc limit 1',
        );
        const committed = last[0] && {
          transactionId: last[0].transaction_id,
          globalPosition: last[0].global_position,
        };
        const waitUntil = Date.now() + REBUILD_READABLE_WAIT_MS;
        const readPage = async (after: Checkpoint) => {
          for (;;) {
            const page = await readAllAfter(pool, after, pageSize);
            if (page.length > 0 || !committed || atOrAfter(after, committed) || Date.now() >= waitUntil)
              return page;
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        };
        const bulkApply = this.projection.rebuild?.apply.bind(this.projection.rebuild);
        let page = await readPage(position);
        while (page.length > 0) {
          const next = readPage(page.at(-1)!.checkpoint);
          // Not left unhandled when applying fails first (awaited below otherwise).
          next.catch(() => {});
          const batch = page;
          await inShadow(async (client) => {
            await client.query('set local synchronous_commit = off');
            for (const id of await this.applyOrPark(client, batch, bulkApply)) parked.add(id);
          });
          position = batch.at(-1)!.checkpoint;
          events += batch.length;
          if (events % 50_000 < batch.length)
            logger.info({ projection: this.projection.name, events }, 'projection rebuild progress');
          page = await next;
        }
        const finish = this.projection.rebuild?.finish.bind(this.projection.rebuild);
        if (finish)
          await inShadow(async (client) => {
            await client.query('set local synchronous_commit = off');
            await finish(client);
          });
        // The swap: what arrived meanwhile, then the tables, under the checkpoint's row lock.
        await inShadow(async (client) => {
          await claimCheckpointRow(client, this.checkpointName);
          await catchUp(client);
          for (const table of this.projection.tables) {
            await client.query(`drop table ${schema}.${table}`);
            await client.query(`alter table ${shadow}.${table} set schema ${schema}`);
          }
          await overwriteCheckpoint(client, this.checkpointName, position);
          // What the rebuilt model took is no longer parked (the fix a rebuild follows).
          await client.query(
            `delete from ${schema}.projection_parked where projection = $1 and not (event_id = any($2))`,
            [this.projection.name, [...parked]],
          );
          await client.query(`drop schema ${shadow}`);
        });
        const summary = {
          projection: this.projection.name,
          events,
          parked: parked.size,
          ms: Date.now() - started,
        };
        logger.info(summary, 'projection rebuilt and swapped in');
        return summary;
      } finally {
        await pool.query(`drop schema if exists ${shadow} cascade`).catch(() => {});
        await lock.query('select pg_advisory_unlock(hashtextextended($1, 0))', [lockName]).catch(() => {});
      }
    });
  }

  /**
   * Applies a batch; when the read model cannot take it, one event at a time, and an event that
   * fails for a reason of its own (not the database being away, which fails the whole batch for
   * a retry) is parked and skipped, so one bad event does not stop the model. Returns the ids
   * parked.
   */
  private async applyOrPark(
    client: PoolClient,
    events: OrderedEvent[],
    apply: Projection['apply'] = (c, e) => this.projection.apply(c, e),
  ): Promise<string[]> {
    await client.query('savepoint projection_batch');
    try {
      await apply(client, events);
      await client.query('release savepoint projection_batch');
      return [];
    } catch (error) {
      await client.query('rollback to savepoint projection_batch');
      if (isTransientInfrastructureError(error)) throw error;
    }
    return this.applyEachOrPark(client, events, apply);
  }

  /** Each event on its own savepoint: one the read model cannot take is parked, the others applied. */
  private async applyEachOrPark(
    client: PoolClient,
    events: OrderedEvent[],
    apply: Projection['apply'] = (c, e) => this.projection.apply(c, e),
  ): Promise<string[]> {
    const { logger, schema } = this.options;
    const parked: string[] = [];
    for (const event of events) {
      await client.query('savepoint projection_event');
      try {
        await apply(client, [event]);
        await client.query('release savepoint projection_event');
      } catch (error) {
        await client.query('rollback to savepoint projection_event');
        if (isTransientInfrastructureError(error)) throw error;
        const message = error instanceof Error ? error.message : String(error);
        await client.query(
          `insert into ${schema}.projection_parked (projection, event_id, stream_id, position, event_type, error)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (projection, event_id) do update set error = excluded.error, parked_at = now()`,
          [this.projection.name, event.eventId, event.streamId, event.streamPosition, event.type, message],
        );
        logger.error(
          { projection: this.projection.name, eventId: event.eventId, eventType: event.type, err: error },
          'event parked: the read model cannot take it (redrive after a fix, or rebuild)',
        );
        parked.push(event.eventId);
      }
    }
    return parked;
  }

  /** Events this read model parked, oldest first. */
  async parked(): Promise<ParkedProjectionEvent[]> {
    const { rows } = await this.options.pool.query<ParkedProjectionEvent>(
      `select projection, event_id as "eventId", stream_id as "streamId", position, event_type as "eventType",
              error, parked_at as "parkedAt"
         from projection_parked where projection = $1 order by parked_at`,
      [this.projection.name],
    );
    return rows.map((r) => ({ ...r, parkedAt: new Date(r.parkedAt).toISOString() }));
  }

  /**
   * Applies a parked event to the live model now (after a fix), under the checkpoint's row lock
   * so the running projection waits. A failure leaves it parked and is thrown to the caller.
   */
  async redrive(eventId: string): Promise<'applied' | 'not parked'> {
    return inTransaction(this.options.pool, async (client) => {
      await claimCheckpointRow(client, this.checkpointName);
      const { rows } = await client.query<EventRow>(
        `select e.* from projection_parked p join events e on e.event_id::text = p.event_id
          where p.projection = $1 and p.event_id = $2`,
        [this.projection.name, eventId],
      );
      const row = rows[0];
      if (!row) return 'not parked';
      await this.projection.apply(client, [
        {
          ...toRecordedEvent(row),
          checkpoint: { transactionId: row.transaction_id, globalPosition: row.global_position },
        },
      ]);
      await client.query('delete from projection_parked where projection = $1 and event_id = $2', [
        this.projection.name,
        eventId,
      ]);
      this.options.logger.warn({ projection: this.projection.name, eventId }, 'parked event redriven');
      return 'applied';
    });
  }

  /** Drops a parked event for good: the read model never takes it. */
  async skip(eventId: string): Promise<'skipped' | 'not parked'> {
    const { rowCount } = await this.options.pool.query(
      'delete from projection_parked where projection = $1 and event_id = $2',
      [this.projection.name, eventId],
    );
    if (!rowCount) return 'not parked';
    this.options.logger.warn(
      { projection: this.projection.name, eventId },
      'parked event skipped by an operator',
    );
    return 'skipped';
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
