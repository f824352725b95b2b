import { randomUUID } from 'node:crypto';
import {
  type AppendOptions,
  type AppendResult,
  ConcurrencyConflict,
  type DomainEvent,
  type EventMetadata,
  type EventStore,
  NO_STREAM,
  type ReadStreamResult,
  type RecordedEvent,
  type StreamAppend,
} from '@ar/kernel';
import type { Pool, PoolClient } from 'pg';
import { AppendSignal, NOTIFY_CHANNEL } from './append-signal';
import type { Migration } from './migrations';
import { BatchFailure, NaturalBatches } from './natural-batches';
import { inTransaction } from './pool';

export { NOTIFY_CHANNEL } from './append-signal';

/**
 * `transaction_id` is what makes the global order trustworthy: readers read only events of
 * transactions older than the oldest one still running (pg_snapshot_xmin), ordered by
 * (transaction_id, global_position). A bigserial alone would let a reader skip an event whose
 * transaction took a lower number but committed later (CONVENTIONS §5).
 *
 * It is the writing transaction's id, raised to the stream's previous event's when that is
 * higher: a transaction takes its id at its first write, so one that wrote elsewhere first (cash
 * application's payment stream, a consumer's inbox row) can hold an older id than the one that
 * wrote the stream's earlier events, and would otherwise be read before them. Raising it keeps
 * each stream in stream_position order, and stays safe: the key is never below the writer's own
 * id, so an event is still read only once its transaction is over.
 */
/** The SQLSTATE append_to_stream_or_fail raises when the stream is not at the expected version. */
const WRONG_VERSION = 'AR409';

export const eventStoreMigrations: Migration[] = [
  {
    id: 'event-store-001',
    sql: `
      create table streams (
        stream_id text primary key,
        version integer not null
      );
      create table events (
        global_position bigint generated always as identity primary key,
        transaction_id xid8 not null default pg_current_xact_id(),
        event_id uuid not null unique,
        stream_id text not null,
        stream_position integer not null,
        event_type text not null,
        data jsonb not null,
        metadata jsonb not null,
        recorded_at timestamptz not null default now(),
        unique (stream_id, stream_position)
      );
      create index events_global_order on events (transaction_id, global_position);
      create table checkpoints (
        name text primary key,
        transaction_id xid8 not null,
        global_position bigint not null,
        updated_at timestamptz not null default now()
      );
      create table inbox (
        consumer text not null,
        event_id uuid not null,
        received_at timestamptz not null default now(),
        primary key (consumer, event_id)
      );
    `,
  },
  {
    // A stream's order key never falls below its previous event's (see appendIn).
    id: 'event-store-002',
    sql: `
      alter table streams add column last_transaction_id xid8;
      update streams s set last_transaction_id =
        (select max(transaction_id) from events e where e.stream_id = s.stream_id);
      update streams set last_transaction_id = pg_current_xact_id() where last_transaction_id is null;
      alter table streams alter column last_transaction_id set not null;
    `,
  },
  {
    // A consumer's place in each stream it receives, the events it holds back until an earlier
    // one arrives, and what it parked (see EventConsumer in @ar/messaging).
    id: 'event-store-003',
    sql: `
      create table consumer_streams (
        consumer text not null,
        stream_id text not null,
        position integer not null,
        parked_position integer,
        primary key (consumer, stream_id)
      );
      create table consumer_held (
        consumer text not null,
        stream_id text not null,
        position integer not null,
        previous_position integer not null,
        message jsonb not null,
        held_at timestamptz not null default now(),
        primary key (consumer, stream_id, position)
      );
      create table consumer_parked (
        consumer text not null,
        event_id text not null,
        stream_id text,
        position integer,
        message jsonb not null,
        error text not null,
        error_type text not null,
        parked_at timestamptz not null default now(),
        primary key (consumer, event_id)
      );
    `,
  },
  {
    // The latest state of a long stream, so loading it reads the events after it only (see
    // readStreamAfterSnapshot). `kind` names whose state and of which shape; an aggregate whose
    // state or rules change takes another kind, and the old snapshots are simply not read.
    id: 'event-store-004',
    sql: `
      create table snapshots (
        stream_id text not null,
        kind text not null,
        version integer not null,
        state jsonb not null,
        taken_at timestamptz not null default now(),
        primary key (stream_id, kind)
      );
    `,
  },
  {
    // Events a read model could not take (see ProjectionRunner): skipped there until redriven,
    // skipped for good, or taken by a rebuild after a fix.
    id: 'event-store-005',
    sql: `
      create table projection_parked (
        projection text not null,
        event_id text not null,
        stream_id text not null,
        position integer not null,
        event_type text not null,
        error text not null,
        parked_at timestamptz not null default now(),
        primary key (projection, event_id)
      );
    `,
  },
  {
    // An append in one statement, so in one round trip and committed on its own: the
    // expected-version check (the streams row), the events and the stream's order key (see
    // appendIn). Returns the stream's new version, or null when the expected one was not met.
    // Tables are named without a schema: the caller's search_path (its service's schema) holds them.
    id: 'event-store-006',
    sql: `
      create function append_to_stream(
        p_stream_id text,
        p_expected_version integer,
        p_event_ids uuid[],
        p_event_types text[],
        p_data jsonb[],
        p_metadata jsonb
      ) returns integer language plpgsql as $$
      declare
        v_next integer := p_expected_version + cardinality(p_event_ids);
        v_order xid8;
      begin
        if p_expected_version = 0 then
          insert into streams (stream_id, version, last_transaction_id)
          values (p_stream_id, v_next, pg_current_xact_id())
          on conflict do nothing
          returning last_transaction_id into v_order;
        else
          update streams set version = v_next,
                 last_transaction_id = greatest(last_transaction_id, pg_current_xact_id())
           where stream_id = p_stream_id and version = p_expected_version
          returning last_transaction_id into v_order;
        end if;
        if v_order is null then
          return null;
        end if;
        insert into events (transaction_id, event_id, stream_id, stream_position, event_type, data, metadata)
        select v_order, e.event_id, p_stream_id, p_expected_version + e.n::integer, e.event_type, e.data, p_metadata
          from unnest(p_event_ids, p_event_types, p_data) with ordinality as e(event_id, event_type, data, n);
        return v_next;
      end;
      $$;
    `,
  },
  {
    // The append as one statement together with an inline projection's write (see appendWith):
    // a wrong expected version is an error here, so it undoes the write of the same statement.
    id: 'event-store-007',
    sql: `
      create function append_to_stream_or_fail(
        p_stream_id text,
        p_expected_version integer,
        p_event_ids uuid[],
        p_event_types text[],
        p_data jsonb[],
        p_metadata jsonb
      ) returns integer language plpgsql as $$
      declare
        v_next integer := append_to_stream(p_stream_id, p_expected_version, p_event_ids, p_event_types, p_data, p_metadata);
      begin
        if v_next is null then
          raise exception 'stream % is not at version %', p_stream_id, p_expected_version using errcode = '${WRONG_VERSION}';
        end if;
        return v_next;
      end;
      $$;
    `,
  },
  {
    // Many streams' appends in one call (see appendToStreams): each stream claimed as
    // append_to_stream claims it (the expected-version check, its order key), in stream id order
    // so two such calls never wait on each other in a cycle; then the events of the streams
    // claimed, in one insert, in the order given. Returns the streams whose expected version did
    // not hold (nothing of theirs is stored). Events are given flat: p_counts[i] of them for
    // stream i, in stream order; p_metadata is per stream.
    id: 'event-store-008',
    sql: `
      create function append_to_streams(
        p_stream_ids text[],
        p_expected_versions integer[],
        p_counts integer[],
        p_event_ids uuid[],
        p_event_types text[],
        p_data jsonb[],
        p_metadata jsonb[]
      ) returns setof text language plpgsql as $$
      declare
        v_orders xid8[] := array_fill(null::xid8, array[coalesce(cardinality(p_stream_ids), 0)]);
        v_order xid8;
        i integer;
      begin
        for i in select t.i from unnest(p_stream_ids) with ordinality as t(stream_id, i) order by t.stream_id, t.i loop
          v_order := null;
          if p_expected_versions[i] = 0 then
            insert into streams (stream_id, version, last_transaction_id)
            values (p_stream_ids[i], p_counts[i], pg_current_xact_id())
            on conflict do nothing
            returning last_transaction_id into v_order;
          else
            update streams set version = p_expected_versions[i] + p_counts[i],
                   last_transaction_id = greatest(last_transaction_id, pg_current_xact_id())
             where stream_id = p_stream_ids[i] and version = p_expected_versions[i]
            returning last_transaction_id into v_order;
          end if;
          if v_order is null then
            return next p_stream_ids[i];
          else
            v_orders[i] := v_order;
          end if;
        end loop;
        with s as (
          select t.i::integer as i, t.n, (sum(t.n) over (order by t.i) - t.n)::integer as skipped
            from unnest(p_counts) with ordinality as t(n, i)
        ), e as (
          select s.i, s.skipped + k as flat, k from s, generate_series(1, s.n) as k
        )
        insert into events (transaction_id, event_id, stream_id, stream_position, event_type, data, metadata)
        select v_orders[e.i], p_event_ids[e.flat], p_stream_ids[e.i], p_expected_versions[e.i] + e.k,
               p_event_types[e.flat], p_data[e.flat], p_metadata[e.i]
          from e
         where v_orders[e.i] is not null
         order by e.flat;
      end;
      $$;
    `,
  },
  {
    // Appends made at the same time, stored together or not at all (see appendToStream): one
    // stream not at its expected version is an error here, so it undoes the others' and the
    // inline projections' writes of the same statement - and each is then tried on its own.
    id: 'event-store-009',
    sql: `
      create function append_to_streams_or_fail(
        p_stream_ids text[],
        p_expected_versions integer[],
        p_counts integer[],
        p_event_ids uuid[],
        p_event_types text[],
        p_data jsonb[],
        p_metadata jsonb[]
      ) returns integer language plpgsql as $$
      declare
        v_moved text[] := array(select append_to_streams(p_stream_ids, p_expected_versions, p_counts,
                                                         p_event_ids, p_event_types, p_data, p_metadata));
      begin
        if cardinality(v_moved) > 0 then
          raise exception 'streams % are not at their expected versions', v_moved using errcode = '${WRONG_VERSION}';
        end if;
        return cardinality(p_stream_ids);
      end;
      $$;
    `,
  },
];

export interface EventRow {
  global_position: string;
  transaction_id: string;
  event_id: string;
  stream_id: string;
  stream_position: number;
  event_type: string;
  data: object;
  metadata: EventMetadata;
  recorded_at: Date;
}

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    eventId: row.event_id,
    globalPosition: BigInt(row.global_position),
    streamId: row.stream_id,
    streamPosition: row.stream_position,
    type: row.event_type,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at,
  };
}

type Queryable = Pool | PoolClient;

/** append_to_streams' parameters ($1-$7) for these appends, their events' ids given flat. */
function appendsParameters(appends: StreamAppend[], eventIds: string[]): unknown[] {
  return [
    appends.map((a) => a.streamId),
    appends.map((a) => a.expectedVersion),
    appends.map((a) => a.events.length),
    eventIds,
    appends.flatMap((a) => a.events.map((e) => e.type)),
    appends.flatMap((a) => a.events.map((e) => JSON.stringify(e.data))),
    appends.map((a) => JSON.stringify(a.metadata)),
  ];
}

/** An inline write's SQL with its parameters numbered after the append's `before` ones (one statement together). */
const renumber = (text: string, before: number) =>
  text.replace(/\$(\d+)/g, (_, n) => `$${Number(n) + before}`);

/** A stream's state as of `version`, as JSON. */
export interface Snapshot {
  version: number;
  state: unknown;
}

/**
 * A lookup table kept in the same transaction as the append: for the few queries a write side
 * must answer consistently (a customer's open invoices for cash application, the invoices the
 * overdue clock must visit). Read models for people are asynchronous projections instead.
 */
export interface InlineProjection {
  name: string;
  apply(client: PoolClient, streamId: string, events: DomainEvent[]): Promise<void>;
  /**
   * The same writes as `apply`, as statements said up front (a projection whose writes need no
   * read of its own). When the inline projections of an append make one statement in all, it
   * runs inside the append's own statement: one round trip, no transaction around it.
   */
  statements?(streamId: string, events: DomainEvent[]): InlineStatement[];
  /**
   * The writes of many streams' appends stored together, as few statements (one insert of them
   * all, say) - or undefined when it cannot say them so, and each stream's `statements` are run.
   */
  batchStatements?(appends: { streamId: string; events: DomainEvent[] }[]): InlineStatement[] | undefined;
}

/** One write of an inline projection: SQL with $1.. parameters and their values. */
export interface InlineStatement {
  text: string;
  values: unknown[];
}

/** Runs an inline projection's statements in order (its `apply`, when it has `statements`). */
export async function applyStatements(client: PoolClient, statements: InlineStatement[]): Promise<void> {
  for (const statement of statements) await client.query(statement.text, statement.values);
}

export class PostgresEventStore implements EventStore<PoolClient> {
  private readonly signal: AppendSignal;
  /** Appends outside a transaction, made together when they come while one is in flight. */
  private readonly appends = new NaturalBatches<StreamAppend, AppendResult>(
    (appends) => this.appendTogether(appends),
    (append) => append.streamId,
  );
  /** Stream reads from snapshots outside a transaction, likewise. */
  private readonly reads = new NaturalBatches<
    { streamId: string; kind: string },
    ReadStreamResult<DomainEvent> & { snapshot: Snapshot | undefined }
  >(
    (reads) => this.readTogether(reads),
    (read) => `${read.kind}/${read.streamId}`,
  );

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly inline: InlineProjection[] = [],
  ) {
    this.signal = new AppendSignal(pool, schema);
  }

  async readStream<Event extends DomainEvent>(
    streamId: string,
    tx?: PoolClient,
  ): Promise<ReadStreamResult<Event>> {
    const db: Queryable = tx ?? this.pool;
    const { rows } = await db.query<EventRow>(
      'select * from events where stream_id = $1 order by stream_position',
      [streamId],
    );
    const events = rows.map(toRecordedEvent) as RecordedEvent<Event>[];
    return { version: events.at(-1)?.streamPosition ?? NO_STREAM, events };
  }

  /** A stream's latest snapshot of `kind`, if any, and the stream's events after it (one query). */
  async readStreamAfterSnapshot<Event extends DomainEvent>(
    streamId: string,
    kind: string,
    tx?: PoolClient,
  ): Promise<ReadStreamResult<Event> & { snapshot: Snapshot | undefined }> {
    if (tx) return (await this.readStreamsAfterSnapshots<Event>([streamId], kind, tx)).get(streamId)!;
    return (await this.reads.submit({ streamId, kind })) as ReadStreamResult<Event> & {
      snapshot: Snapshot | undefined;
    };
  }

  /** Reads asked at the same time: one query per kind of snapshot (usually one in all). */
  private async readTogether(reads: { streamId: string; kind: string }[]) {
    const found = new Map<
      string,
      Map<string, ReadStreamResult<DomainEvent> & { snapshot: Snapshot | undefined }>
    >();
    for (const kind of new Set(reads.map((r) => r.kind)))
      found.set(
        kind,
        await this.readStreamsAfterSnapshots(
          reads.filter((r) => r.kind === kind).map((r) => r.streamId),
          kind,
        ),
      );
    return reads.map((r) => found.get(r.kind)!.get(r.streamId)!);
  }

  /**
   * Each stream's latest snapshot of `kind`, if any, and its events after it - every stream in one
   * query, so the snapshot and the events after it are read as of one moment (a day job's chunk).
   */
  async readStreamsAfterSnapshots<Event extends DomainEvent>(
    streamIds: string[],
    kind: string,
    tx?: PoolClient,
  ): Promise<Map<string, ReadStreamResult<Event> & { snapshot: Snapshot | undefined }>> {
    const db: Queryable = tx ?? this.pool;
    // The snapshot comes as its stream's first row (event_type null), its state in `data`.
    const { rows } = await db.query<
      Omit<EventRow, 'event_type' | 'event_id'> & { event_type: string | null; event_id: string | null }
    >(
      `select s.stream_id, s.version as stream_position, null::text as event_type, s.state as data,
              null::jsonb as metadata, null::uuid as event_id, null::bigint as global_position,
              null::timestamptz as recorded_at
         from snapshots s
        where s.stream_id = any($1::text[]) and s.kind = $2
       union all
       select e.stream_id, e.stream_position, e.event_type, e.data, e.metadata, e.event_id,
              e.global_position, e.recorded_at
         from events e
         left join snapshots s on s.stream_id = e.stream_id and s.kind = $2
        where e.stream_id = any($1::text[]) and e.stream_position > coalesce(s.version, ${NO_STREAM})
       order by stream_id, stream_position, event_type nulls first`,
      [streamIds, kind],
    );
    const read = new Map<string, ReadStreamResult<Event> & { snapshot: Snapshot | undefined }>();
    for (const streamId of streamIds)
      read.set(streamId, { snapshot: undefined, version: NO_STREAM, events: [] });
    for (const row of rows) {
      const stream = read.get(row.stream_id)!;
      if (row.event_type === null) stream.snapshot = { version: row.stream_position, state: row.data };
      else stream.events.push(toRecordedEvent(row as EventRow) as RecordedEvent<Event>);
      stream.version = row.stream_position;
    }
    return read;
  }

  /**
   * Keeps `state` (JSON) as the stream's snapshot of `kind` at `version`, unless a later one is
   * kept. In `tx`, it commits or rolls back with the transaction whose events it may include;
   * it never waits: while another transaction is writing the same snapshot, this one is skipped.
   */
  async saveSnapshot(
    streamId: string,
    kind: string,
    version: number,
    state: unknown,
    tx?: PoolClient,
  ): Promise<void> {
    await this.saveSnapshots([{ streamId, version, state }], kind, tx);
  }

  /** `saveSnapshot` of many streams' states in one statement. */
  async saveSnapshots(
    snapshots: { streamId: string; version: number; state: unknown }[],
    kind: string,
    tx?: PoolClient,
  ): Promise<void> {
    if (snapshots.length === 0) return;
    const db: Queryable = tx ?? this.pool;
    await db.query(
      `insert into snapshots (stream_id, kind, version, state)
       select s.stream_id, $2::text, s.version, s.state
         from unnest($1::text[], $3::int[], $4::jsonb[]) as s (stream_id, version, state)
        where pg_try_advisory_xact_lock(hashtextextended(current_schema() || '/snapshots/' || s.stream_id || '/' || $2, 0))
       on conflict (stream_id, kind) do update set version = excluded.version, state = excluded.state, taken_at = now()
        where snapshots.version < excluded.version`,
      [
        snapshots.map((s) => s.streamId),
        kind,
        snapshots.map((s) => s.version),
        snapshots.map((s) => JSON.stringify(s.state)),
      ],
    );
  }

  async appendToStream(
    streamId: string,
    events: DomainEvent[],
    options: AppendOptions,
    tx?: PoolClient,
  ): Promise<AppendResult> {
    if (events.length === 0) return { nextExpectedVersion: options.expectedVersion, eventIds: [] };
    if (tx) {
      const result = await this.appendIn(tx, streamId, events, options);
      // The caller commits, so only PostgreSQL knows when: a NOTIFY delivered at its commit
      // (once per transaction, however many appends it made).
      await tx.query('select pg_notify($1, $2)', [NOTIFY_CHANNEL, this.schema]);
      return result;
    }
    return this.appends.submit({ streamId, events, ...options });
  }

  /**
   * Appends made while another was in flight (group commit): stored together - in one statement
   * with the inline projections' writes when those make one in all, else in one transaction - or,
   * when that fails (a stream moved, a value PostgreSQL refuses, the server away), each on its own,
   * so each caller gets the outcome it would have had alone. A lone append goes as it always did.
   */
  private async appendTogether(appends: StreamAppend[]): Promise<(AppendResult | BatchFailure)[]> {
    if (appends.length > 1) {
      try {
        const results = await this.appendAllOrNone(appends);
        this.signal.committed();
        return results;
      } catch {
        // Each on its own below: the error, if it is one's, is that one's.
      }
    }
    return Promise.all(
      appends.map(({ streamId, events, ...options }) =>
        this.appendAlone(streamId, events, options).catch((error: unknown) => new BatchFailure(error)),
      ),
    );
  }

  private async appendAllOrNone(appends: StreamAppend[]): Promise<AppendResult[]> {
    const ids = appends.map((a) => a.events.map((_, i) => a.eventIds?.[i] ?? randomUUID()));
    const values = appendsParameters(appends, ids.flat());
    const append = `select append_to_streams_or_fail($1::text[], $2::integer[], $3::integer[], $4::uuid[],
                                                      $5::text[], $6::jsonb[], $7::jsonb[]) as streams`;
    const inline = this.inlineBatchStatements(appends);
    if (inline && inline.length <= 1) {
      const write = inline[0];
      await this.pool.query(
        write
          ? `with appended as (${append}), projected as (${renumber(write.text, values.length)}) select streams from appended`
          : append,
        [...values, ...(write?.values ?? [])],
      );
    } else {
      await inTransaction(this.pool, async (client) => {
        await client.query(append, values);
        if (inline) return applyStatements(client, inline);
        for (const a of appends)
          for (const projection of this.inline) await projection.apply(client, a.streamId, a.events);
      });
    }
    return appends.map((a, i) => ({
      nextExpectedVersion: a.expectedVersion + a.events.length,
      eventIds: ids[i]!,
    }));
  }

  /** The inline projections' writes for appends stored together, or undefined when one can only apply them. */
  private inlineBatchStatements(appends: StreamAppend[]): InlineStatement[] | undefined {
    const all: InlineStatement[] = [];
    for (const projection of this.inline) {
      const statements =
        projection.batchStatements?.(appends) ??
        (projection.statements && appends.flatMap((a) => projection.statements!(a.streamId, a.events)));
      if (!statements) return undefined;
      all.push(...statements);
    }
    return all;
  }

  private async appendAlone(
    streamId: string,
    events: DomainEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    // Without inline projections, or with one write of theirs in all, an append is one
    // statement, committed on its own: one round trip, and the streams row locked only while the
    // server runs it. Otherwise a transaction: the append, then each projection's writes.
    const inline = this.inlineStatements(streamId, events);
    const result =
      this.inline.length === 0
        ? await this.appendIn(this.pool, streamId, events, options)
        : inline && inline.length <= 1
          ? await this.appendWith(streamId, events, options, inline[0])
          : await inTransaction(this.pool, (client) => this.appendIn(client, streamId, events, options));
    this.signal.committed();
    return result;
  }

  /**
   * Many streams' appends in one call (append_to_streams, event-store-008): per append, in order,
   * its result, or a ConcurrencyConflict when its stream was not at the expected version - the
   * others' events are stored all the same. The inline projections then take each appended
   * stream's events as in `appendToStream`. In `tx`, one NOTIFY for the call, in the same
   * statement; without it, a transaction of its own when there are inline projections.
   */
  async appendToStreams(
    appends: StreamAppend[],
    tx?: PoolClient,
  ): Promise<(AppendResult | ConcurrencyConflict)[]> {
    const streamIds = new Set(appends.map((a) => a.streamId));
    if (streamIds.size < appends.length)
      throw new Error('appendToStreams: a stream may be appended to once per call');
    const given = appends.filter((a) => a.events.length > 0);
    const ids = new Map(given.map((a) => [a, a.events.map((_, i) => a.eventIds?.[i] ?? randomUUID())]));
    const run = async (db: Queryable, notify: boolean) => {
      const { rows } = await db.query<{ conflicts: string[] }>({
        name: notify ? 'append_to_streams_notify' : 'append_to_streams',
        text: `with c as (
                 select array(select append_to_streams($1::text[], $2::integer[], $3::integer[], $4::uuid[],
                                                      $5::text[], $6::jsonb[], $7::jsonb[])) as conflicts
               )
               select conflicts${notify ? ', case when cardinality(conflicts) < $8 then pg_notify($9, $10) end' : ''} from c`,
        values: [
          ...appendsParameters(
            given,
            given.flatMap((a) => ids.get(a)!),
          ),
          ...(notify ? [given.length, NOTIFY_CHANNEL, this.schema] : []),
        ],
      });
      const conflicts = new Set(rows[0]!.conflicts);
      for (const a of given) {
        if (conflicts.has(a.streamId)) continue;
        for (const projection of this.inline) {
          if (projection.statements)
            await applyStatements(db as PoolClient, projection.statements(a.streamId, a.events));
          else await projection.apply(db as PoolClient, a.streamId, a.events);
        }
      }
      return conflicts;
    };
    let conflicts = new Set<string>();
    if (given.length > 0) {
      if (tx) conflicts = await run(tx, true);
      else {
        conflicts =
          this.inline.length === 0
            ? await run(this.pool, false)
            : await inTransaction(this.pool, (client) => run(client, false));
        this.signal.committed();
      }
    }
    return appends.map((a) =>
      conflicts.has(a.streamId)
        ? new ConcurrencyConflict(a.streamId, a.expectedVersion)
        : {
            nextExpectedVersion: a.expectedVersion + a.events.length,
            eventIds: a.events.length > 0 ? ids.get(a)! : [],
          },
    );
  }

  /** Every inline projection's statements for these events, or undefined when one cannot say them up front. */
  private inlineStatements(streamId: string, events: DomainEvent[]): InlineStatement[] | undefined {
    const all: InlineStatement[] = [];
    for (const projection of this.inline) {
      if (!projection.statements) return undefined;
      all.push(...projection.statements(streamId, events));
    }
    return all;
  }

  /**
   * The append and one write of an inline projection in one statement (a data-modifying WITH),
   * so in one round trip and one implicit transaction: a wrong expected version raises, and
   * nothing of either is kept. One write only: the parts of a statement all see the same
   * snapshot, so a second write could not see the first's rows.
   */
  private async appendWith(
    streamId: string,
    events: DomainEvent[],
    { expectedVersion, metadata, eventIds }: AppendOptions,
    write: InlineStatement | undefined,
  ): Promise<AppendResult> {
    const ids = events.map((_, i) => eventIds?.[i] ?? randomUUID());
    const append =
      'select append_to_stream_or_fail($1::text, $2::integer, $3::uuid[], $4::text[], $5::jsonb[], $6::jsonb) as version';
    const values: unknown[] = [
      streamId,
      expectedVersion,
      ids,
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e.data)),
      JSON.stringify(metadata),
    ];
    const text = write
      ? `with appended as (${append}), projected as (${renumber(write.text, values.length)})
         select version from appended`
      : append;
    try {
      const { rows } = await this.pool.query<{ version: number }>(text, [
        ...values,
        ...(write?.values ?? []),
      ]);
      return { nextExpectedVersion: rows[0]!.version, eventIds: ids };
    } catch (error) {
      if ((error as { code?: string }).code === WRONG_VERSION)
        throw new ConcurrencyConflict(streamId, expectedVersion);
      throw error;
    }
  }

  private async appendIn(
    db: Queryable,
    streamId: string,
    events: DomainEvent[],
    { expectedVersion, metadata, eventIds }: AppendOptions,
  ): Promise<AppendResult> {
    const ids = events.map((_, i) => eventIds?.[i] ?? randomUUID());
    // The streams row is the optimistic lock: of two writers at the same version, one updates
    // (or inserts) it and the other finds zero rows - or waits on the row lock and then does.
    // append_to_stream (event-store-006) does it and writes the events in the same statement.
    const { rows } = await db.query<{ version: number | null }>({
      name: 'append_to_stream',
      text: 'select append_to_stream($1::text, $2::integer, $3::uuid[], $4::text[], $5::jsonb[], $6::jsonb) as version',
      values: [
        streamId,
        expectedVersion,
        ids,
        events.map((e) => e.type),
        events.map((e) => JSON.stringify(e.data)),
        JSON.stringify(metadata),
      ],
    });
    const next = rows[0]?.version;
    if (next === null || next === undefined) throw new ConcurrencyConflict(streamId, expectedVersion);
    if (this.inline.length > 0) {
      for (const projection of this.inline) await projection.apply(db as PoolClient, streamId, events);
    }
    return { nextExpectedVersion: next, eventIds: ids };
  }

  /**
   * Stores events that another service recorded (they arrive over the bus), keeping their ids
   * and stream positions. A duplicate delivery is ignored by the unique event id, which makes
   * this the dedupe of an ingesting consumer. Returns how many were new.
   */
  async recordExternalEvents(client: PoolClient, events: RecordedEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    // The same order key rule as appendIn, per stream of the batch (the streams row keeps it).
    const result = await client.query<{ inserted: number }>(
      `with incoming as (
         select * from unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::jsonb[], $6::jsonb[], $7::timestamptz[])
           with ordinality as t(event_id, stream_id, stream_position, event_type, data, metadata, recorded_at, ord)
       ), claimed as (
         insert into streams (stream_id, version, last_transaction_id)
         select stream_id, max(stream_position), pg_current_xact_id() from incoming group by stream_id
         on conflict (stream_id) do update set version = greatest(streams.version, excluded.version),
           last_transaction_id = greatest(streams.last_transaction_id, excluded.last_transaction_id)
         returning stream_id, last_transaction_id
       ), inserted as (
         insert into events (transaction_id, event_id, stream_id, stream_position, event_type, data, metadata, recorded_at)
         select c.last_transaction_id, i.event_id, i.stream_id, i.stream_position, i.event_type, i.data, i.metadata, i.recorded_at
           from incoming i join claimed c using (stream_id) order by i.ord
         on conflict do nothing
         returning 1
       )
       -- The caller commits: a NOTIFY delivered at its commit, in the same round trip.
       select count(*)::int as inserted, case when count(*) > 0 then pg_notify($8, $9) end from inserted`,
      [
        events.map((e) => e.eventId),
        events.map((e) => e.streamId),
        events.map((e) => e.streamPosition),
        events.map((e) => e.type),
        events.map((e) => JSON.stringify(e.data)),
        events.map((e) => JSON.stringify(e.metadata)),
        events.map((e) => e.recordedAt),
        NOTIFY_CHANNEL,
        this.schema,
      ],
    );
    return result.rows[0]!.inserted;
  }
}
