import type { RecordedEvent } from '@ar/kernel';
import type { Pool, PoolClient } from 'pg';
import { type EventRow, toRecordedEvent } from './event-store';

/** A reader's place in the global order: the last (transaction, position) it has handled. */
export interface Checkpoint {
  transactionId: string;
  globalPosition: string;
}

export const START: Checkpoint = { transactionId: '0', globalPosition: '0' };

export interface OrderedEvent extends RecordedEvent {
  checkpoint: Checkpoint;
}

type Queryable = Pool | PoolClient;

/**
 * The first transaction id a reader may not read up to: the oldest transaction still running in
 * the statement's snapshot that may write to this database - every running one except those a
 * backend of another database holds (no transaction writes into another database's tables) -
 * else the snapshot's xmax. pg_snapshot_xmin alone is the whole server's: a transaction open in
 * another database (another application, a bulk load, a test) held every reader here back for
 * as long as it stayed open. A running id found in no backend (a prepared transaction, one that
 * ended since the snapshot) still counts: when in doubt, wait. pg_stat_get_activity is what the
 * pg_stat_activity view reads, without the view's joins: planning the view took 1-6 ms a query.
 */
export const READABLE_BEFORE = `(
  select coalesce(
    min(x) filter (where not exists (
      select 1 from pg_stat_get_activity(null) a
       where a.backend_xid = xid(x)
         and a.datid <> (select oid from pg_database where datname = current_database()))),
    pg_snapshot_xmax(pg_current_snapshot()))
    from pg_snapshot_xip(pg_current_snapshot()) as x)`;

/**
 * Reads events after `after` in an order no later commit can insert into: only transactions
 * older than every running one that may write here (READABLE_BEFORE) are visible, ordered by
 * transaction id, then position. An event of a still-open transaction is simply read on a later
 * call, never skipped.
 */
export async function readAllAfter(db: Queryable, after: Checkpoint, limit: number): Promise<OrderedEvent[]> {
  const { rows } = await db.query<EventRow>(
    `select * from events
      where (transaction_id, global_position) > ($1::xid8, $2::bigint)
        and transaction_id < ${READABLE_BEFORE}
      order by transaction_id, global_position
      limit $3`,
    [after.transactionId, after.globalPosition, limit],
  );
  return rows.map(toOrderedEvent);
}

/** A stored event with its place in the global order. */
const toOrderedEvent = (row: EventRow): OrderedEvent => ({
  ...toRecordedEvent(row),
  checkpoint: { transactionId: row.transaction_id, globalPosition: row.global_position },
});

/**
 * `readAllAfter`, and in the same statement whether events past the checkpoint are held back
 * (stored by transactions not yet readable): a follower that read fewer than it asked, none held
 * back and no append signalled since, has read everything - one statement a wake-up, not three.
 */
export async function readNextAfter(
  db: Queryable,
  after: Checkpoint,
  limit: number,
): Promise<{ events: OrderedEvent[]; heldBack: boolean }> {
  const { rows } = await db.query<Partial<EventRow> & { held_back: boolean }>(
    `with horizon as (select ${READABLE_BEFORE} as before),
     readable as (
       select * from events
        where (transaction_id, global_position) > ($1::xid8, $2::bigint)
          and transaction_id < (select before from horizon)
        order by transaction_id, global_position
        limit $3)
     select r.*, coalesce((
              select (l.transaction_id, l.global_position) > ($1::xid8, $2::bigint)
                     and l.transaction_id >= (select before from horizon)
                from events l order by l.transaction_id desc, l.global_position desc limit 1), false) as held_back
       from (select) one left join readable r on true
      order by r.transaction_id, r.global_position`,
    [after.transactionId, after.globalPosition, limit],
  );
  return {
    heldBack: rows[0]?.held_back ?? false,
    events: rows
      .filter((row) => row.event_id !== null && row.event_id !== undefined)
      .map((row) => toOrderedEvent(row as EventRow)),
  };
}

/** The last event a reader can read now (or undefined for an empty store). */
export async function lastReadable(db: Queryable): Promise<Checkpoint | undefined> {
  const { rows } = await db.query<{ transaction_id: string; global_position: string }>(
    `select transaction_id, global_position from events
      where transaction_id < ${READABLE_BEFORE}
      order by transaction_id desc, global_position desc limit 1`,
  );
  const row = rows[0];
  return row ? { transactionId: row.transaction_id, globalPosition: row.global_position } : undefined;
}

/** Whether checkpoint `a` is at or past `b` in the global order. */
export function atOrAfter(a: Checkpoint, b: Checkpoint): boolean {
  const [ta, tb] = [BigInt(a.transactionId), BigInt(b.transactionId)];
  return ta > tb || (ta === tb && BigInt(a.globalPosition) >= BigInt(b.globalPosition));
}

export async function loadCheckpoint(db: Queryable, name: string): Promise<Checkpoint> {
  const { rows } = await db.query<{ transaction_id: string; global_position: string }>(
    'select transaction_id, global_position from checkpoints where name = $1',
    [name],
  );
  const row = rows[0];
  return row ? { transactionId: row.transaction_id, globalPosition: row.global_position } : START;
}

/** Another reader moved the checkpoint first (a second instance, a rebuild): reload and go on. */
export class CheckpointMoved extends Error {
  override readonly name = 'CheckpointMoved';
  constructor(
    readonly checkpointName: string,
    readonly expected: Checkpoint,
    readonly found: Checkpoint,
  ) {
    super(
      `checkpoint ${checkpointName} is at ${found.transactionId}/${found.globalPosition}, not ${expected.transactionId}/${expected.globalPosition}`,
    );
  }
}

function sameCheckpoint(a: Checkpoint, b: Checkpoint): boolean {
  return a.transactionId === b.transactionId && a.globalPosition === b.globalPosition;
}

/**
 * Locks the checkpoint's row for the rest of the transaction and checks it is still where this
 * reader left it. Taken first in a projection's transaction, it orders every writer of the read
 * model (a second instance, a rebuild's swap) behind one lock, so nobody applies a batch twice
 * and nobody deadlocks on the model's rows.
 */
export async function claimCheckpoint(client: PoolClient, name: string, expected: Checkpoint): Promise<void> {
  // One statement: an upsert that changes nothing locks the row as FOR UPDATE would (a second
  // claimer waits, then reads the row as the first left it) and returns it, made if new.
  const { rows } = await client.query<{ transaction_id: string; global_position: string }>(
    `insert into checkpoints (name, transaction_id, global_position) values ($1, '0'::xid8, 0)
     on conflict (name) do update set name = excluded.name
     returning transaction_id, global_position`,
    [name],
  );
  const found = { transactionId: rows[0]!.transaction_id, globalPosition: rows[0]!.global_position };
  if (!sameCheckpoint(found, expected)) throw new CheckpointMoved(name, expected, found);
}

/**
 * Moves a checkpoint from `from` to `to` - only from there, and only forward. A reader that lost
 * its lease while working (a paused process, a network partition) finds the checkpoint moved
 * and stores nothing (`CheckpointMoved`).
 */
export async function advanceCheckpoint(
  db: Queryable,
  name: string,
  from: Checkpoint,
  to: Checkpoint,
): Promise<void> {
  const result = await db.query(
    `insert into checkpoints (name, transaction_id, global_position) values ($1, $4::xid8, $5)
     on conflict (name) do update set transaction_id = excluded.transaction_id,
       global_position = excluded.global_position, updated_at = now()
     where (checkpoints.transaction_id, checkpoints.global_position) = ($2::xid8, $3::bigint)
       and (excluded.transaction_id, excluded.global_position) > ($2::xid8, $3::bigint)`,
    [name, from.transactionId, from.globalPosition, to.transactionId, to.globalPosition],
  );
  if (result.rowCount !== 1) throw new CheckpointMoved(name, from, await loadCheckpoint(db, name));
}

/** Sets a checkpoint whatever it was: only for the holder of its row lock (a rebuild's swap). */
export async function overwriteCheckpoint(
  client: PoolClient,
  name: string,
  checkpoint: Checkpoint,
): Promise<void> {
  await client.query(
    `insert into checkpoints (name, transaction_id, global_position) values ($1, $2::xid8, $3)
     on conflict (name) do update set transaction_id = excluded.transaction_id,
       global_position = excluded.global_position, updated_at = now()`,
    [name, checkpoint.transactionId, checkpoint.globalPosition],
  );
}
