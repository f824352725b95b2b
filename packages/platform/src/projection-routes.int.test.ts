import { NO_STREAM } from '@ar/kernel';
import { InProcessBus } from '@ar/messaging';
import { AppendNotifier, PostgresEventStore } from '@ar/postgres';
import { authHeaders, testAuth } from '../../../tests/support/auth';
import { quietLogger, testInfra, unique } from '../../../tests/support/infra';
import { type RunningService, type ServiceDefinition, startService } from './service';

/** A service whose read model keeps amounts in a bigint column: a text amount cannot go in. */
const totals: ServiceDefinition = {
  name: 'reporting',
  description: 'a read model with an event it cannot take',
  defaultPort: 0,
  schema: 'parking',
  migrations: [
    { id: 'parking-001', sql: 'create table totals (customer_id text primary key, amount bigint not null)' },
  ],
  routes: () => {},
  projections: () => [
    {
      name: 'totals',
      tables: ['totals'],
      async apply(client, events) {
        for (const e of events) {
          const { customerId, amount } = e.data as { customerId: string; amount: unknown };
          await client.query(
            `insert into totals values ($1, $2) on conflict (customer_id) do update set amount = totals.amount + excluded.amount`,
            [customerId, amount],
          );
        }
      },
    },
  ],
};

describe('parked projection events over the admin API', () => {
  const { databaseUrl } = testInfra();
  const notifier = new AppendNotifier(databaseUrl);
  const schema = unique('parking');
  let service: RunningService;
  beforeAll(async () => {
    await notifier.start();
    service = await startService(totals, {
      databaseUrl,
      bus: new InProcessBus(),
      notifier,
      logger: quietLogger,
      host: '127.0.0.1',
      port: 0,
      auth: testAuth,
      schema,
    });
  });
  afterAll(async () => {
    await service.stop();
    await notifier.stop();
  });
  const http = async (method: string, path: string) => {
    const res = await fetch(`${service.url}${path}`, { method, headers: await authHeaders() });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const total = async () =>
    Number(
      (await service.ctx.pool.query('select coalesce(sum(amount), 0)::text as t from totals')).rows[0].t,
    );

  it('lists what a read model parked, skips it for good or redrives it after a fix; the model goes on meanwhile', async () => {
    const store = new PostgresEventStore(service.ctx.pool, schema);
    const issue = (stream: string, amount: unknown) =>
      store.appendToStream(stream, [{ type: 'InvoiceIssued', data: { customerId: 'C-1', amount } }], {
        expectedVersion: NO_STREAM,
        metadata: { correlationId: 'c' },
      });
    await issue('invoice-1', 100);
    await issue('invoice-bad', 'lots');
    await issue('invoice-worse', 'more');
    await issue('invoice-2', 200);
    await service.caughtUp();
    expect(await total()).toBe(300);

    const listed = await http('GET', '/admin/projections/parked');
    expect(listed.status).toBe(200);
    const parked = listed.body.parked as { eventId: string; streamId: string; error: string }[];
    expect(parked.map((p) => p.streamId).sort()).toEqual(['invoice-bad', 'invoice-worse']);
    const [bad, worse] = ['invoice-bad', 'invoice-worse'].map((s) => parked.find((p) => p.streamId === s)!);

    // Redriven without a fix: fails again, stays parked.
    const again = await http('POST', `/admin/projections/totals/parked/${bad!.eventId}/redrive`);
    expect(again.status).toBe(422);
    expect(String(again.body.message)).toMatch(/still parked/);
    // Fixed (the data made readable here), redriven: applied once.
    await service.ctx.pool.query(
      `update events set data = jsonb_set(data, '{amount}', '5') where stream_id = 'invoice-bad'`,
    );
    expect((await http('POST', `/admin/projections/totals/parked/${bad!.eventId}/redrive`)).status).toBe(200);
    expect(await total()).toBe(305);
    expect((await http('POST', `/admin/projections/totals/parked/${bad!.eventId}/redrive`)).status).toBe(404);
    expect((await http('POST', `/admin/projections/totals/parked/${worse!.eventId}/skip`)).status).toBe(200);
    expect((await http('GET', '/admin/projections/parked')).body.parked).toEqual([]);
    expect((await http('POST', '/admin/projections/nothing/parked/x/skip')).status).toBe(404);
    // A rebuild takes the fixed event too, and parks nothing more.
    const rebuilt = await http('POST', '/admin/projections/totals/rebuild');
    expect(rebuilt.body).toMatchObject({ projection: 'totals', events: 4, parked: 1 });
    expect(await total()).toBe(305);
  });
});
