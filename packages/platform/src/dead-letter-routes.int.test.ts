import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { CE } from '@ar/contracts';
import { InProcessBus } from '@ar/messaging';
import { AppendNotifier } from '@ar/postgres';
import { authHeaders, testAuth } from '../../../tests/support/auth';
import { quietLogger, testInfra, unique } from '../../../tests/support/infra';
import { repoRoot } from './child-process';
import { type RunningService, type ServiceDefinition, startService, topicNames } from './service';

/** A service whose consumer refuses negative amounts (poison) and records the rest. */
const refusing: ServiceDefinition = {
  name: 'invoicing',
  description: 'a consumer with poison to park',
  defaultPort: 0,
  schema: 'dlq',
  migrations: [{ id: 'dlq-001', sql: 'create table handled (event_id text primary key)' }],
  routes: () => {},
  consumers: () => [
    {
      name: 'milestones',
      topics: ['contract'],
      handle: async (client, event) => {
        if ((event.data as { amount: number }).amount < 0)
          throw new Error('a negative amount cannot be invoiced');
        await client.query('insert into handled (event_id) values ($1)', [event.eventId]);
      },
    },
  ],
};

describe('dead letters over the admin API and pnpm dlq', () => {
  const { databaseUrl } = testInfra();
  const notifier = new AppendNotifier(databaseUrl);
  const bus = new InProcessBus();
  let service: RunningService;
  beforeAll(async () => {
    await notifier.start();
    service = await startService(refusing, {
      databaseUrl,
      bus,
      notifier,
      logger: quietLogger,
      host: '127.0.0.1',
      port: 0,
      auth: testAuth,
      schema: unique('dlq'),
    });
  });
  afterAll(async () => {
    await service.stop();
    await notifier.stop();
  });
  const send = (id: string, amount: number, position: number) =>
    bus.publish(topicNames().contract, [
      {
        key: 'C-1',
        value: JSON.stringify({ amount }),
        headers: {
          [CE.id]: id,
          [CE.type]: 'ar.testing.MilestoneNoted.v1',
          [CE.subject]: 'contract-C-1',
          [CE.time]: '2026-03-02T09:00:00.000Z',
          [CE.sequence]: String(position),
          [CE.previousSequence]: String(position - 1),
        },
      },
    ]);
  const dlq = async (...args: string[]) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'infra/ops/dlq.ts', ...args], {
      cwd: repoRoot,
      env: {
        ...process.env,
        // The operator's token, from the identity provider (here the test issuer).
        AR_TOKEN: (await authHeaders(['admin'], 'operator')).authorization.slice('Bearer '.length),
        ...Object.fromEntries(
          ['CREDIT_SCORING', 'CONTRACT', 'INVOICING', 'COLLECTIONS', 'REPORTING'].map((s) => [
            `${s}_URL`,
            service.url,
          ]),
        ),
      },
    }).catch((error: { code: number; stdout: string; stderr: string }) => error);

  it('lists a parked message, refuses a failing redrive, skips it, and the stream goes on', async () => {
    const [poison, behind] = [randomUUID(), randomUUID()];
    await send(poison, -100, 1);
    await send(behind, 100, 2);
    const listed = await service.app.inject({
      headers: await authHeaders(),
      method: 'GET',
      url: '/admin/dlq',
    });
    expect(listed.json().parked).toMatchObject([
      {
        consumer: 'invoicing.milestones',
        eventId: poison,
        streamId: 'contract-C-1',
        position: 1,
        type: 'ar.testing.MilestoneNoted.v1',
        error: 'a negative amount cannot be invoiced',
        heldBehind: 1,
      },
    ]);
    const cli = await dlq('list');
    expect(cli.stdout).toContain(`invoicing.milestones  ${poison}`);
    expect(cli.stdout).toContain('a negative amount cannot be invoiced');

    const again = await service.app.inject({
      headers: await authHeaders(),
      method: 'POST',
      url: `/admin/dlq/invoicing.milestones/${poison}/redrive`,
    });
    expect(again.statusCode).toBe(422);
    expect(again.json().message).toContain('still parked');
    expect((await dlq('skip', 'invoicing.milestones', poison)).stdout).toContain('200');
    expect((await dlq('skip', 'invoicing.milestones', poison)).stdout).toContain('404');
    const { rows } = await service.ctx.pool.query('select event_id from handled');
    expect(rows.map((r) => r.event_id)).toEqual([behind]);
    const unknown = await service.app.inject({
      headers: await authHeaders(),
      method: 'POST',
      url: `/admin/dlq/nobody/${poison}/skip`,
    });
    expect(unknown.statusCode).toBe(404);
  });
});
