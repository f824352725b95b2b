import type { Decider, DomainEvent } from './decider';
import { foldEvents } from './decider';

/**
 * given / when / then for deciders (Emmett's DeciderSpecification):
 *   spec.given([pastEvents]).when(command).then([newEvents])
 *   spec.given([...]).when(command).thenThrows(RuleViolation, /frozen/)
 *   spec.given([...]).when(command).thenNothingHappened()
 * Uses jest's `expect` from the global scope, so it is for tests only.
 */
export function deciderSpec<Command, Event extends DomainEvent, State>(
  decider: Decider<Command, Event, State>,
  now: Date | (() => Date) = new Date('2026-01-05T09:00:00Z'),
) {
  const clock = typeof now === 'function' ? now : () => now;
  return {
    given(events: Event[]) {
      return {
        when(command: Command, at?: Date) {
          const run = () => decider.decide(command, foldEvents(decider, events), at ?? clock());
          return {
            then(expected: Event[]) {
              expect(run()).toEqual(expected);
            },
            thenContains(expected: Partial<Event>[]) {
              expect(run()).toEqual(expected.map((e) => expect.objectContaining(e)));
            },
            thenThrows(errorType: new (...args: never[]) => Error, message?: RegExp) {
              let thrown: unknown;
              try {
                run();
              } catch (error) {
                thrown = error;
              }
              expect(thrown).toBeInstanceOf(errorType);
              if (message) expect((thrown as Error).message).toMatch(message);
            },
            thenNothingHappened() {
              expect(run()).toEqual([]);
            },
            events: run,
          };
        },
      };
    },
  };
}
