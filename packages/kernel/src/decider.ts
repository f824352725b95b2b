import { isDeepStrictEqual } from 'node:util';

/**
 * A decider is one aggregate's business rules as three pure functions (Emmett's shape):
 * `decide` turns a command into new events given the current state and "now",
 * `evolve` folds an event into the state, `initialState` is the state before any event.
 * No I/O, no clock reads, no randomness: "now" is an argument.
 */
export interface DomainEvent<Type extends string = string, Data extends object = object> {
  readonly type: Type;
  readonly data: Data;
}

/** What a decider is asked to do: a named intention with its data. */
export interface Command<Type extends string = string, Data extends object = object> {
  readonly type: Type;
  readonly data: Data;
}

export interface Decider<Command, Event extends DomainEvent, State> {
  initialState(): State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State, now: Date): Event[];
}

export function foldEvents<Event extends DomainEvent, State>(
  decider: Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>,
  events: readonly Event[],
): State {
  return events.reduce((state, event) => decider.evolve(state, event), decider.initialState());
}

/**
 * Whether two commands or events carry the same facts: deep, whatever the key order, and with
 * absent and `undefined` fields alike (as they are once stored as JSON). Deciders use it to tell
 * a client's retry, which changes nothing, from a conflicting request under the same id.
 */
export function sameFacts(a: object, b: object): boolean {
  const asStored = (value: object) => JSON.parse(JSON.stringify(value)) as unknown;
  return isDeepStrictEqual(asStored(a), asStored(b));
}
