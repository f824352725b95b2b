import {
  type CommandResult,
  type Decider,
  type DomainError,
  type DomainEvent,
  type EventMetadata,
  foldEvents,
  handleCommand,
  type RecordedEvent,
  streamName,
} from '@ar/kernel';
import type { PoolClient } from 'pg';
import type { ServiceContext } from './service';

/** One kind of aggregate of a service: its stream category, its rules, and when it exists. */
export interface AggregateDefinition<Command, Event extends DomainEvent, State, Existing extends State> {
  /** The stream category: streams are `<category>-<id>`. */
  category: string;
  decider: Decider<Command, Event, State>;
  exists(state: State): state is Existing;
  /** The refusal for an id with no such aggregate (a 404 naming the field). */
  notFound(id: string): DomainError;
}

export interface Aggregate<Command, Event extends DomainEvent, State, Existing extends State> {
  decider: Decider<Command, Event, State>;
  /** The state of one aggregate (the initial state when it has no events), with its history. */
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
    options: { metadata: EventMetadata; tx?: PoolClient | undefined; ifMatch?: number | undefined },
  ): Promise<CommandResult<State>>;
}

/** Loading, the existence check and command handling for one kind of aggregate, written once. */
export function aggregate<Command, Event extends DomainEvent, State, Existing extends State>(
  ctx: Pick<ServiceContext, 'store' | 'clock'>,
  definition: AggregateDefinition<Command, Event, State, Existing>,
): Aggregate<Command, Event, State, Existing> {
  const { category, decider } = definition;
  const stream = (id: string) => streamName(category, id);
  async function load(id: string, tx?: PoolClient) {
    const { version, events } = await ctx.store.readStream<Event>(stream(id), tx);
    return { version, events, state: foldEvents(decider, events as unknown as Event[]) };
  }
  return {
    decider,
    load,
    async mustExist(id, tx) {
      const { version, events, state } = await load(id, tx);
      if (!definition.exists(state)) throw definition.notFound(id);
      return { version, events, state };
    },
    execute(id, command, options) {
      return handleCommand(ctx.store, decider, stream(id), command, { ...options, now: ctx.clock.now() });
    },
  };
}
