import { foldEvents } from '@ar/kernel';
import { aggregate, BusinessClock, type ServiceContext } from '@ar/platform';
import { inTransaction, PostgresEventStore } from '@ar/postgres';
import { freshStoreSchema } from '../../../tests/support/infra';
import { type CustomerCommand, type CustomerEvent, customerDecider } from '../src/customer/decider';
import { acmeProfile, longCreditFile } from '../src/customer/fixtures';
import { customerAggregate, customerHandler } from '../src/customer/handler';
import { DEFAULT_CREDIT_POLICY } from '../src/policy/credit-policy';

const LENGTH = 20_000;
const metadata = { correlationId: 'long-credit-file' };
const id = acmeProfile.customerId;
const behaviour = (sourceEventId: string): CustomerCommand => ({
  type: 'RecordPaymentBehaviour',
  data: { kind: 'OVERDUE', invoiceId: 'INV-LATE', daysOverdue: 30, date: '2026-02-01', sourceEventId },
});
/** A state as JSON, the way two states are compared whatever their lists share. */
const asJson = (state: unknown) => JSON.parse(JSON.stringify(state));

describe('a customer with a long credit file', () => {
  const decider = customerDecider(DEFAULT_CREDIT_POLICY);
  let ctx: Awaited<ReturnType<typeof freshStoreSchema>>;
  let store: PostgresEventStore;
  let customers: ReturnType<typeof customerHandler>;
  const clock = new BusinessClock('2026-06-01');
  let history: CustomerEvent[];
  const snapshotVersions = async () =>
    (await ctx.pool.query<{ version: number }>('select version from snapshots order by version')).rows.map(
      (r) => r.version,
    );

  beforeAll(async () => {
    ctx = await freshStoreSchema('credit_file');
    store = new PostgresEventStore(ctx.pool, ctx.schema);
    history = longCreditFile(decider, LENGTH);
    for (let i = 0; i < LENGTH; i += 1000) {
      await store.appendToStream(`customer-${id}`, history.slice(i, i + 1000), {
        expectedVersion: i,
        metadata,
      });
    }
    customers = customerHandler({ store, clock } as ServiceContext, DEFAULT_CREDIT_POLICY);
  });
  afterAll(() => ctx.pool.end());

  it('is loaded from a snapshot and the events after it, in the state a fold of every event gives', async () => {
    const first = await customers.load(id);
    expect(first.version).toBe(LENGTH);
    expect(asJson(first.state)).toEqual(asJson(foldEvents(decider, history)));
    expect(await snapshotVersions()).toEqual([LENGTH]);

    const recorded = await customers.execute(id, behaviour('late-1'), { metadata });
    const second = await customers.load(id);
    expect(second.version).toBe(recorded.version);
    // Only what came after the snapshot is read and folded (no clock: ~35 ms against ~240 ms for
    // every event on a quiet machine, but a timed assertion fails on a loaded one).
    expect(second.events).toHaveLength(recorded.newEvents.length);
    expect(asJson(second.state)).toEqual(asJson(foldEvents(decider, [...history, ...recorded.newEvents])));
    // The behaviour is remembered across the snapshot: a redelivery records nothing.
    expect((await customers.execute(id, behaviour('late-1'), { metadata })).newEvents).toEqual([]);
  });

  it('ignores snapshots of another shape of state', async () => {
    const definition = customerAggregate(DEFAULT_CREDIT_POLICY);
    const snapshots = definition.snapshots!;
    const reshaped = aggregate({ store, clock } as ServiceContext, {
      ...definition,
      snapshots: { ...snapshots, version: snapshots.version + 1 },
    });
    const { events, version } = await reshaped.load(id);
    expect(events).toHaveLength(version);
  });

  it('keeps no snapshot from a transaction that rolled back', async () => {
    const before = await snapshotVersions();
    const definition = customerAggregate(DEFAULT_CREDIT_POLICY);
    const eager = aggregate({ store, clock } as ServiceContext, {
      ...definition,
      snapshots: { ...definition.snapshots!, every: 2 }, // a snapshot after 2 events read
    });
    await expect(
      inTransaction(ctx.pool, async (tx) => {
        for (let i = 0; i < 3; i++) await eager.execute(id, behaviour(`undone-${i}`), { metadata, tx });
        const { version } = await eager.load(id, tx);
        const { rows } = await tx.query<{ version: number }>('select version from snapshots');
        expect(rows.map((r) => r.version)).toContain(version); // taken, in this transaction
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await snapshotVersions()).toEqual(before);
  });
});
