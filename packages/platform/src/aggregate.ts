import { createHash } from 'node:crypto';
import {
  type AppendResult,
  type CommandResult,
  ConcurrencyConflict,
  type Decider,
  DependencyUnavailable,
  DomainError,
  type DomainEvent,
  type EventMetadata,
  type EventStore,
  handleCommand,
  type IfMatch,
  NO_STREAM,
  type RecordedEvent,
  StateConflict,
  type StreamAppend,
  streamName,
  Turns,
} from '@ar/kernel';
import { continuedContext, failureKind, inSpan, withTraceContext } from '@ar/messaging';
import { type EventRow, toRecordedEvent } from '@ar/postgres';
import type { Pool, PoolClient } from 'pg';
import type { ServiceContext } from './service';

/** One kind of aggregate of a service: its stream category, its rules, and when it exists. */
export interface AggregateDefinition<Command, Event extends DomainEvent, State, Existing extends State> {
  /** The stream category: streams are `<category>-<id>`. */
  category: string;
  decider: Decider<Command, Event, State>;
  exists(state: State): state is Existing;
  /** The refusal for an id with no such aggregate (a 404 naming the field). */
  notFound(id: string): DomainError;
  /** For streams that grow without end: keep the state as a snapshot (see SnapshotDefinition). */
  snapshots?: SnapshotDefinition<State>;
  /**
   * The contract each stored event's data must meet (by event type), checked whenever the stream
   * is loaded: history the rules cannot read (written by hand, by an old version, a bad migration)
   * is refused with a 409 STORED_EVENT_INVALID naming the event, before anything is decided or
   * answered - never a 500 from a view that cannot be serialised, nor a command stored and then
   * answered 500.
   */
  storedEvents?: Record<string, StoredEventSchema>;
}

/** What `storedEvents` needs of a schema (a zod schema has it). */
export interface StoredEventSchema {
  safeParse(
    data: unknown,
  ): { success: true } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
}

/** The refusal for a stream holding an event its contract does not accept (409). */
export class StoredEventInvalid extends StateConflict {
  constructor(
    readonly event: Pick<RecordedEvent, 'streamId' | 'streamPosition' | 'type' | 'eventId'>,
    readonly problems: string[],
  ) {
    super(
      'STORED_EVENT_INVALID',
      `${event.streamId} cannot be read: its stored event #${event.streamPosition} ${event.type} (${event.eventId}) does not meet its contract (${problems.join('; ')}); nothing was changed - the stored record must be corrected first`,
    );
  }
}

function checkStored<Event extends DomainEvent>(
  events: RecordedEvent<Event>[],
  schemas: Record<string, StoredEventSchema> | undefined,
): void {
  if (!schemas) return;
  for (const event of events) {
    const schema = schemas[event.type];
    if (!schema) continue;
    const result = schema.safeParse(event.data);
    if (!result.success)
      throw new StoredEventInvalid(
        event,
        result.error.issues.map((i) => `${i.path.map(String).join('.') || 'data'}: ${i.message}`),
      );
  }
}

/**
 * Snapshots of an aggregate's state: after a load that read `every` events or more (default
 * 500), its state is stored as JSON, and later loads start from the latest snapshot and read only
 * the events after it. A snapshot is only as right as the rules that made it: `version` names
 * the state's shape and `evolve`'s rules - raise it when either changes, and older snapshots are
 * no longer read (nor are they when the text of `evolve` itself changes; what it calls, the
 * version must cover).
 */
export interface SnapshotDefinition<State> {
  version: number;
  /** The state from its JSON (`JSON.stringify` of it, so `toJSON` decides what is kept). */
  revive(json: unknown): State;
  every?: number;
}

const SNAPSHOT_EVERY = 500;

export interface Aggregate<Command, Event extends DomainEvent, State, Existing extends State> {
  decider: Decider<Command, Event, State>;
  /** The kind its snapshots are kept under (none without snapshots): for loading them in bulk. */
  snapshotKind: string | undefined;
  /**
   * The state of one aggregate (the initial state when it has no events), with its history -
   * where it has snapshots, the events after the snapshot its state was built from.
   */
  load(
    id: string,
    tx?: PoolClient,
  ): Promise<{ version: number; state: State; events: RecordedEvent<Event>[] }>;
  /** As `load`, refusing an id that has no such aggregate. */
  mustExist(
    id: string,
    tx?: PoolClient,
  ): Promise<{ version: number; state: Existing; events: RecordedEvent<Event>[] }>;
  /** The one command handler (CONVENTIONS §3) on this aggregate's stream, at the business clock's now. */
  execute(
    id: string,
    command: Command,
    options: { metadata: EventMetadata; tx?: PoolClient | undefined; ifMatch?: IfMatch | undefined },
  ): Promise<CommandResult<State>>;
  /**
   * `execute` of one command on each of many aggregates (a day job's visits), one after the other,
   * their streams read together in one query first: the same events, retries (a concurrent write
   * reads the stream again), metrics and spans as `execute`, one round trip per aggregate fewer.
   * Each id's outcome is its result or the error it threw; one failing does not stop the others.
   * In `tx`, as `execute` in one: a concurrent write is a ConcurrencyConflict outcome, not retried
   * (the transaction goes on; the caller may run that one again outside it).
   */
  executeEach(
    ids: string[],
    command: (id: string) => Command,
    options: { metadata: EventMetadata; tx?: PoolClient | undefined },
  ): Promise<{ id: string; result?: CommandResult<State>; error?: unknown }[]>;
}

/**
 * One service's turns, by its store: a service makes a handler of an aggregate for its routes,
 * another for its consumers and day jobs, and their commands on a stream take turns together.
 */
const turnsByStore = new WeakMap<object, Turns>();
function turnsOf(store: object): Turns {
  const turns = turnsByStore.get(store) ?? new Turns();
  turnsByStore.set(store, turns);
  return turns;
}

/** Loading, the existence check and command handling for one kind of aggregate, written once. */
export function aggregate<Command, Event extends DomainEvent, State, Existing extends State>(
  ctx: Pick<ServiceContext, 'store' | 'clock'> &
    Partial<Pick<ServiceContext, 'metrics' | 'service' | 'pool'>>,
  definition: AggregateDefinition<Command, Event, State, Existing>,
): Aggregate<Command, Event, State, Existing> {
  const { category, decider, snapshots } = definition;
  const stream = (id: string) => streamName(category, id);
  const snapshotKind =
    snapshots &&
    `${category}@${snapshots.version}:${createHash('sha256').update(decider.evolve.toString()).digest('hex').slice(0, 12)}`;
  /** A stream's state: its events, checked, folded from its snapshot (if any). */
  function fold(snapshot: { state: unknown } | undefined, events: RecordedEvent<Event>[]): State {
    checkStored(events, definition.storedEvents);
    const from = snapshot && snapshots ? snapshots.revive(snapshot.state) : decider.initialState();
    return (events as unknown as Event[]).reduce(decider.evolve, from);
  }
  /** Whether a load that read these events keeps the state as a new snapshot. */
  const keepsSnapshot = (events: RecordedEvent<Event>[]) =>
    snapshots !== undefined && events.length >= (snapshots.every ?? SNAPSHOT_EVERY);
  async function load(id: string, tx?: PoolClient) {
    if (!snapshotKind) {
      const { version, events } = await ctx.store.readStream<Event>(stream(id), tx);
      return { version, events, state: fold(undefined, events) };
    }
    const { snapshot, version, events } = await ctx.store.readStreamAfterSnapshot<Event>(
      stream(id),
      snapshotKind,
      tx,
    );
    const state = fold(snapshot, events);
    if (keepsSnapshot(events)) await ctx.store.saveSnapshot(stream(id), snapshotKind, version, state, tx);
    return { version, events, state };
  }
  return {
    decider,
    snapshotKind,
    load,
    async mustExist(id, tx) {
      const { version, events, state } = await load(id, tx);
      if (!definition.exists(state)) throw definition.notFound(id);
      return { version, events, state };
    },
    execute: (id, command, options) => execute(id, command, options),
    async executeEach(ids, command, options) {
      const preloaded = await loadEach(ids, options.tx);
      const store: EventStore<PoolClient> = ctx.store;
      if (options.tx && preloaded && store.appendToStreams && new Set(ids).size === ids.length)
        return executeTogether(ids, command, { ...options, tx: options.tx }, preloaded, store);
      const outcomes: { id: string; result?: CommandResult<State>; error?: unknown }[] = [];
      for (const id of ids) {
        // The first attempt decides on the stream read with the others; a retry reads it again.
        let first: Promise<{ version: number; events: RecordedEvent<Event>[]; state: State }> | undefined =
          preloaded?.get(id);
        const once = (tx: PoolClient | undefined) => {
          const loaded = first ?? load(id, tx);
          first = undefined;
          return loaded;
        };
        try {
          outcomes.push({ id, result: await execute(id, command(id), { ...options, load: once }) });
        } catch (error) {
          outcomes.push({ id, error });
        }
      }
      return outcomes;
    },
  };

  /**
   * `executeEach` in a transaction, on a store that appends to many streams at once: every id's
   * command runs as `execute` does (its span, its metric, its refusal), each on its own stream as
   * read with the others, up to its append; the appends of them all are then made in one call,
   * and each command ends with its own append's result - a stream not at the version it was read
   * at is that command's ConcurrencyConflict, as `execute` in a transaction has it.
   */
  async function executeTogether(
    ids: string[],
    command: (id: string) => Command,
    options: { metadata: EventMetadata; tx: PoolClient },
    preloaded: Map<string, Promise<{ version: number; events: RecordedEvent<Event>[]; state: State }>>,
    store: EventStore<PoolClient>,
  ) {
    const waiting: {
      append: StreamAppend;
      resolve: (result: AppendResult) => void;
      reject: (error: unknown) => void;
    }[] = [];
    let undecided = ids.length;
    let allDecided!: () => void;
    const decided = new Promise<void>((resolve) => {
      allDecided = resolve;
    });
    const runs = ids.map(async (id) => {
      let counted = false;
      const done = () => {
        if (counted) return;
        counted = true;
        if (--undecided === 0) allDecided();
      };
      // The store as the command sees it: its append waits for the others' and is made with them.
      const deferred: EventStore<PoolClient> = {
        readStream: (streamId, tx) => store.readStream(streamId, tx),
        appendToStream: (streamId, events, appendOptions) =>
          new Promise<AppendResult>((resolve, reject) => {
            // The command's trace context, as its own append would record it.
            const metadata = withTraceContext(appendOptions.metadata);
            waiting.push({ append: { ...appendOptions, metadata, streamId, events }, resolve, reject });
            done();
          }),
      };
      try {
        const loaded = preloaded.get(id)!;
        const result = await execute(id, command(id), { ...options, load: () => loaded, store: deferred });
        return { id, result };
      } catch (error) {
        return { id, error };
      } finally {
        done();
      }
    });
    if (ids.length > 0) await decided;
    if (waiting.length > 0) {
      try {
        const results = await store.appendToStreams!(
          waiting.map((w) => w.append),
          options.tx,
        );
        results.forEach((result, i) => {
          if (result instanceof ConcurrencyConflict) waiting[i]!.reject(result);
          else waiting[i]!.resolve(result);
        });
      } catch (error) {
        for (const w of waiting) w.reject(error);
      }
    }
    return Promise.all(runs);
  }

  /**
   * Many streams read in one query (in `tx` when given) and folded as `load` does: from each one's
   * snapshot where the aggregate keeps them, the states of those that read `every` events or more
   * kept as new snapshots in one statement.
   */
  async function loadEach(ids: string[], tx: PoolClient | undefined) {
    const db: Pool | PoolClient | undefined = tx ?? ctx.pool;
    if (!db || ids.length === 0) return undefined;
    const streams = new Map<
      string,
      { snapshot?: { version: number; state: unknown } | undefined; events: RecordedEvent<Event>[] }
    >();
    if (snapshotKind) {
      const read = await ctx.store.readStreamsAfterSnapshots<Event>(ids.map(stream), snapshotKind, tx);
      for (const [streamId, found] of read) streams.set(streamId, found);
    } else {
      const { rows } = await db.query<EventRow>(
        'select * from events where stream_id = any($1::text[]) order by stream_id, stream_position',
        [ids.map(stream)],
      );
      for (const row of rows) {
        const event = toRecordedEvent(row) as RecordedEvent<Event>;
        const found = streams.get(event.streamId);
        if (found) found.events.push(event);
        else streams.set(event.streamId, { events: [event] });
      }
    }
    const loaded = new Map<
      string,
      Promise<{ version: number; events: RecordedEvent<Event>[]; state: State }>
    >();
    const toKeep: { streamId: string; version: number; state: State }[] = [];
    for (const id of ids) {
      const { snapshot, events } = streams.get(stream(id)) ?? { events: [] };
      const version = events.at(-1)?.streamPosition ?? snapshot?.version ?? NO_STREAM;
      try {
        const state = fold(snapshot, events);
        if (keepsSnapshot(events)) toKeep.push({ streamId: stream(id), version, state });
        loaded.set(id, Promise.resolve({ version, events, state }));
      } catch (error) {
        // A refusal (history the rules cannot read) is the command's, when its turn comes.
        const refused = Promise.reject(error);
        refused.catch(() => undefined);
        loaded.set(id, refused);
      }
    }
    if (snapshotKind) await ctx.store.saveSnapshots(toKeep, snapshotKind, tx);
    return loaded;
  }

  function execute(
    id: string,
    command: Command,
    options: {
      metadata: EventMetadata;
      tx?: PoolClient | undefined;
      ifMatch?: IfMatch | undefined;
      load?: (tx: PoolClient | undefined) => Promise<{ version: number; state: State }>;
      /** The store the command appends through (executeTogether's, which appends with the others). */
      store?: EventStore<PoolClient>;
    },
  ): Promise<CommandResult<State>> {
    {
      const type = (command as { type?: unknown }).type;
      const count = (outcome: string) =>
        ctx.metrics?.commands.inc({ aggregate: category, command: String(type ?? 'unknown'), outcome });
      // The command's span, named as the domain names it (IssueInvoice), continuing the request's
      // or the reaction's trace; the events it appends carry its context on.
      const attributes = {
        'ar.aggregate': category,
        'ar.stream': stream(id),
        'ar.service': ctx.service ?? '',
      };
      return inSpan(
        String(type ?? 'command'),
        { attributes, parent: continuedContext(options.metadata) },
        async (span) => {
          try {
            const { store = ctx.store, ...handling } = options;
            const handle = () =>
              handleCommand(store, decider, stream(id), command, {
                ...handling,
                // The business clock's now when its turn comes.
                now: ctx.clock.now(),
                ...((snapshots || definition.storedEvents) && {
                  load: (tx: PoolClient | undefined) => load(id, tx),
                }),
                ...(options.load && { load: options.load }),
              });
            // In a caller's transaction a turn could wait on what that transaction holds: not taken.
            // Outside it, on their stream with the service's other commands (see Turns).
            const result = await (options.tx ? handle() : turnsOf(ctx.store).run(stream(id), handle));
            const outcome = result.newEvents.length > 0 ? 'accepted' : 'unchanged';
            count(outcome);
            span.setAttributes({ 'ar.command.outcome': outcome, 'ar.stream.version': result.version });
            return result;
          } catch (error) {
            const outcome = commandOutcome(error);
            count(outcome);
            span.setAttribute('ar.command.outcome', outcome);
            throw error;
          }
        },
      );
    }
  }
}

/** How a command that threw ended, for `ar_commands_total`: a 409 is a `conflict`, a 422 `rejected`. */
export function commandOutcome(error: unknown): string {
  if (error instanceof ConcurrencyConflict || error instanceof StateConflict) return 'conflict';
  if (error instanceof DependencyUnavailable) return 'unavailable';
  if (error instanceof DomainError) return 'rejected';
  return failureKind(error) === 'transient' ? 'unavailable' : 'failed';
}
