import { handleCommand, retryOnConflict } from './command-handler';
import type { Decider, DomainEvent } from './decider';
import { ConcurrencyConflict } from './errors';
import type { AppendOptions, EventStore } from './event-store';

/** PostgreSQL's error for a deadlock it broke by ending this transaction. */
const deadlock = () => Object.assign(new Error('deadlock detected'), { code: '40P01' });

type Counted = { type: 'Counted'; data: { by: number } };
const counter: Decider<{ by: number }, Counted, number> = {
  initialState: () => 0,
  evolve: (total, event) => total + event.data.by,
  decide: (command) => [{ type: 'Counted', data: { by: command.by } }],
};

/** One stream in memory; its appends fail first with `failures`, one each, as the database would. */
function storeFailingWith(failures: Error[]) {
  const stored: DomainEvent[] = [];
  const store: EventStore = {
    async readStream<Event extends DomainEvent>() {
      return {
        version: stored.length,
        events: stored.map((e, i) => ({ ...e, streamPosition: i + 1 })) as never as { type: Event['type'] }[],
      } as never;
    },
    async appendToStream(_streamId: string, events: DomainEvent[], options: AppendOptions) {
      const failure = failures.shift();
      if (failure) throw failure;
      if (options.expectedVersion !== stored.length)
        throw new ConcurrencyConflict('s', options.expectedVersion);
      stored.push(...events);
      return { nextExpectedVersion: stored.length, eventIds: events.map((_, i) => String(i)) };
    },
  };
  return { store, stored };
}

const options = { metadata: { correlationId: 'c-1' }, now: new Date('2026-03-02T01:00:00Z') };

/**
 * A deadlock between two commands (cash application locking a customer's open items, then
 * appending to its invoices; a credit note appending to one of them first) answered 503 to the
 * one PostgreSQL chose to end: 4 of 360 requests at 48 concurrent in the group-commit probe.
 * Nothing of that transaction was kept, so the command runs again, as after a version conflict.
 */
describe('a command the database ended to let a concurrent one through', () => {
  it('runs again after a deadlock, and its events are stored once', async () => {
    const { store, stored } = storeFailingWith([deadlock()]);
    const result = await handleCommand(store, counter, 's', { by: 5 }, options);
    expect(result.state).toBe(5);
    expect(stored).toHaveLength(1);
  });

  it('runs again after deadlocks in a row, as long as they last up to its bound', async () => {
    const { store, stored } = storeFailingWith(Array.from({ length: 8 }, deadlock));
    await handleCommand(store, counter, 's', { by: 1 }, options);
    expect(stored).toHaveLength(1);
  });

  it('runs again when the version the person saw still matches (If-Match)', async () => {
    const { store, stored } = storeFailingWith([deadlock()]);
    await handleCommand(store, counter, 's', { by: 1 }, { ...options, ifMatch: 0 });
    expect(stored).toHaveLength(1);
  });

  it('runs again after a serialization failure', async () => {
    const { store, stored } = storeFailingWith([
      Object.assign(new Error('could not serialize access'), { code: '40001' }),
    ]);
    await handleCommand(store, counter, 's', { by: 1 }, options);
    expect(stored).toHaveLength(1);
  });

  it('gives up after its retries, the deadlock surfacing as it came (a 503: try again)', async () => {
    // Run again up to 8 times: under load the same two collide again (4 tries were not enough in the CI).
    const { store, stored } = storeFailingWith(Array.from({ length: 9 }, deadlock));
    await expect(handleCommand(store, counter, 's', { by: 1 }, options)).rejects.toMatchObject({
      code: '40P01',
    });
    expect(stored).toHaveLength(0);
  });

  it('is not run again inside a transaction it does not own: the caller runs the whole of it again', async () => {
    const { store } = storeFailingWith([deadlock()]);
    await expect(handleCommand(store, counter, 's', { by: 1 }, { ...options, tx: {} })).rejects.toMatchObject(
      {
        code: '40P01',
      },
    );
  });

  it('other failures are not retried', async () => {
    const { store } = storeFailingWith([Object.assign(new Error('bad input'), { code: '22P02' })]);
    await expect(handleCommand(store, counter, 's', { by: 1 }, options)).rejects.toMatchObject({
      code: '22P02',
    });
  });

  it('a unit of work over several streams (retryOnConflict) runs again after a deadlock', async () => {
    let runs = 0;
    const result = await retryOnConflict(async () => {
      runs++;
      if (runs === 1) throw deadlock();
      return 'applied';
    });
    expect(result).toBe('applied');
    expect(runs).toBe(2);
  });
});
