import { type Decider, type DomainEvent, foldEvents } from './decider';
import { ConcurrencyConflict, type IfMatch, PreconditionFailed } from './errors';
import type { EventMetadata, EventStore } from './event-store';
import { NO_STREAM } from './event-store';

export interface CommandResult<State> {
  streamId: string;
  /** The stream's version after the command: the ETag a client sends back as If-Match. */
  version: number;
  newEvents: DomainEvent[];
  state: State;
}

export interface HandleCommandOptions<T, State = unknown> {
  metadata: EventMetadata;
  now: Date;
  /**
   * When a person edits: the version they saw (or versions, any of which will do; `*`: any current
   * version). A mismatch is a PreconditionFailed (412), never retried.
   */
  ifMatch?: IfMatch | undefined;
  tx?: T;
  /** Bounded retries on a concurrent write before giving up with a conflict (409). */
  maxRetries?: number;
  /** The stream's version and state, when not by folding the whole stream (from a snapshot). */
  load?: (tx: T | undefined) => Promise<{ version: number; state: State }>;
}

/** RFC 9110 §13.1.1: `*` matches any current version (the stream exists), a list any of its versions. */
export function ifMatches(ifMatch: IfMatch, version: number): boolean {
  if (typeof ifMatch === 'number') return ifMatch === version;
  return ifMatch === '*' ? version !== NO_STREAM : ifMatch.includes(version);
}

/**
 * The one command handler (CONVENTIONS §3): load the stream, decide, append with the version
 * read. A concurrent append is retried against the fresh state a bounded number of times.
 */
export async function handleCommand<Command, Event extends DomainEvent, State, T>(
  store: EventStore<T>,
  decider: Decider<Command, Event, State>,
  streamId: string,
  command: Command,
  options: HandleCommandOptions<T, State>,
): Promise<CommandResult<State>> {
  const load =
    options.load ??
    (async (tx: T | undefined) => {
      const { version, events } = await store.readStream<Event>(streamId, tx);
      const state = foldEvents(
        decider,
        events.map((e) => ({ type: e.type, data: e.data }) as Event),
      );
      return { version, state };
    });
  // Inside a caller's transaction nothing can run again here: the caller runs the whole of it again.
  const runsAgain = losses({
    conflicts: options.ifMatch !== undefined || options.tx !== undefined ? 0 : (options.maxRetries ?? 3),
    ended: options.tx !== undefined ? 0 : ENDED_BY_THE_DATABASE_RETRIES,
  });
  for (;;) {
    const { version, state } = await load(options.tx);
    if (options.ifMatch !== undefined && !ifMatches(options.ifMatch, version)) {
      throw new PreconditionFailed(streamId, options.ifMatch, version);
    }
    const newEvents = decider.decide(command, state, options.now);
    if (newEvents.length === 0) return { streamId, version, newEvents, state };
    try {
      const appended = await store.appendToStream(
        streamId,
        newEvents,
        { expectedVersion: version, metadata: options.metadata },
        options.tx,
      );
      return {
        streamId,
        version: appended.nextExpectedVersion,
        newEvents,
        state: newEvents.reduce(decider.evolve, state),
      };
    } catch (error) {
      if (!(await runsAgain(error))) throw error;
    }
  }
}

/**
 * How often work the database ended is run again: each time it was chosen to let another through,
 * and under load the same two collide again (a deadlock after 4 tries answered 503 in the CI).
 */
const ENDED_BY_THE_DATABASE_RETRIES = 8;

/**
 * The database ended this transaction to let a concurrent one through - a deadlock (40P01; cash
 * application locks a customer's open items, then appends to their invoices, while a credit note
 * appends first) or a serialization failure (40001). Nothing of it was kept, so the work may
 * simply run again, as after a version conflict on the stream.
 */
export function endedByTheDatabase(error: unknown): boolean {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return code === '40P01' || code === '40001';
}

/** A moment, random and growing (to 200 ms), before trying again: two that collided do not collide again in step. */
const afterLosing = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(5 * 2 ** attempt, 200)));

/**
 * The tries of one piece of work lost to another writer, up to its bounds for version conflicts
 * and for work the database ended: whether the work runs again after `error`, once a pause is over.
 */
function losses(bounds: { conflicts: number; ended: number }) {
  let conflicts = 0;
  let ended = 0;
  return async (error: unknown): Promise<boolean> => {
    if (error instanceof ConcurrencyConflict && conflicts < bounds.conflicts) await afterLosing(conflicts++);
    else if (endedByTheDatabase(error) && ended < bounds.ended) await afterLosing(ended++);
    else return false;
    return true;
  };
}

/**
 * Runs `work` (typically one database transaction spanning several streams) again when a
 * concurrent writer got there first or the database ended it (`endedByTheDatabase`), a bounded
 * number of times; beyond that a version conflict surfaces as a 409, a deadlock as a 503.
 */
export async function retryOnConflict<R>(work: () => Promise<R>, maxRetries = 3): Promise<R> {
  const runsAgain = losses({ conflicts: maxRetries, ended: ENDED_BY_THE_DATABASE_RETRIES });
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (!(await runsAgain(error))) throw error;
    }
  }
}
