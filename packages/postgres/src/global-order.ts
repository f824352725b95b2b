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
 * Reads events after `after` in an order no later commit can insert into: only transactions
 * older than every running one (pg_snapshot_xmin) are visible, ordered by transaction id, then
 * position. An event of a still-open transaction is simply read on a later call, never skipped.
 */
export async function readAllAfter(db: Queryable, after: Checkpoint, limit: number): Promise<OrderedEvent[]> {
  const { rows } = await db.query<EventRow>(
    `select * from events
      where (transaction_id, global_position) > ($1::xid8, $2::bigint)
        and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
      order by transaction_id, global_position
      limit $3`,
    [after.transactionId, after.globalPosition, limit],
  );
  return rows.map((row) => ({
    ...toRecordedEvent(row),
    checkpoint: { transactionId: row.transaction_id, globalPosition: row.global_position },
  }));
}

/** Whether events exist past the checkpoint that are not yet readable (their era is still open). */
export async function hasEventsInFlight(db: Queryable, after: Checkpoint): Promise<boolean> {
  const { rows } = await db.query<{ pending: boolean }>(
    `select exists (select 1 from events where (transaction_id, global_position) > ($1::xid8, $2::bigint)) as pending`,
    [after.transactionId, after.globalPosition],
  );
  return rows[0]?.pending ?? false;
}

export async function loadCheckpoint(db: Queryable, name: string): Promise<Checkpoint> {
  const { rows } = await db.query<{ transaction_id: string; global_position: string }>(
    'select transaction_id, global_position from checkpoints where name = $1',
    [name],
  );
  const row = rows[0];
  return row ? { transactionId: row.transaction_id, globalPosition: row.global_position } : START;
}

export async function saveCheckpoint(db: Queryable, name: string, checkpoint: Checkpoint): Promise<void> {
  await db.query(
    `insert into checkpoints (name, transaction_id, global_position) values ($1, $2::xid8, $3)
     on conflict (name) do update set transaction_id = excluded.transaction_id,
       global_position = excluded.global_position, updated_at = now()`,
    [name, checkpoint.transactionId, checkpoint.globalPosition],
  );
}

export async function deleteCheckpoint(db: Queryable, name: string): Promise<void> {
  await db.query('delete from checkpoints where name = $1', [name]);
}
