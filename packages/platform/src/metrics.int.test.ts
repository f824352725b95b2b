import { randomUUID } from 'node:crypto';
import { CE } from '@ar/contracts';
import { createKafkaBus } from '@ar/messaging';
import { AppendNotifier, Leases } from '@ar/postgres';
import { authHeaders, testAuth } from '../../../tests/support/auth';
import { eventually, quietLogger, testInfra, unique } from '../../../tests/support/infra';
import { BusinessClock } from './business-clock';
import { measured } from './measured-service.fixture';
import { type RunningService, startService, topicNames } from './service';

/** One sample of /metrics: the value of `name` whose labels include `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('/metrics after known traffic', () => {
  const { databaseUrl, kafkaBrokers } = testInfra();
  const run = unique('metrics');
  const bus = createKafkaBus({ brokers: kafkaBrokers, clientId: run, logger: quietLogger });
  const notifier = new AppendNotifier(databaseUrl);
  // The test holds the leases: until it starts them, no relay or projection runs here.
  const leases = new Leases({ databaseUrl, logger: quietLogger });
  const topics = topicNames(`${run}.`);
  let service: RunningService;
  const scrape = async () => {
    const res = await service.app.inject({ headers: await authHeaders(), method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    return res.body;
  };
  beforeAll(async () => {
    await notifier.start();
    service = await startService(measured, {
      databaseUrl,
      bus,
      notifier,
      logger: quietLogger,
      host: '127.0.0.1',
      port: 0,
      auth: testAuth,
      clock: new BusinessClock('2026-03-02'),
      topicPrefix: `${run}.`,
      groupPrefix: `${run}.`,
      schema: `${run}_metrics`,
      leases,
    });
  });
  afterAll(async () => {
    await leases.stop();
    await service.stop();
    await bus.close();
    await notifier.stop();
  });

  const add = async (id: string, n: unknown) =>
    service.app.inject({
      headers: await authHeaders(),
      method: 'POST',
      url: `/counters/${id}/add`,
      payload: { n },
    });
  const sendMilestone = (amount: number, position = 1) =>
    bus.publish(topics.contract, [
      {
        key: `C-${position}`,
        value: JSON.stringify({ amount }),
        headers: {
          [CE.id]: randomUUID(),
          [CE.type]: 'ar.testing.MilestoneNoted.v1',
          [CE.subject]: `contract-C-${randomUUID()}`,
          [CE.time]: '2026-03-02T09:00:00.000Z',
          [CE.sequence]: String(position),
          [CE.previousSequence]: String(position - 1),
        },
      },
    ]);

  it('counts requests by route and status, commands by type and outcome, and appends', async () => {
    for (const id of ['A', 'B', 'A']) expect((await add(id, 1)).statusCode).toBe(201);
    expect((await add('A', -1)).statusCode).toBe(422);
    expect((await add('A', 'one')).statusCode).toBe(400);
    const text = await scrape();
    const route = { method: 'POST', route: '/counters/:id/add', service: 'invoicing' };
    expect(sample(text, 'ar_http_request_duration_seconds_count', { ...route, status_code: '201' })).toBe(3);
    expect(sample(text, 'ar_http_request_duration_seconds_count', { ...route, status_code: '422' })).toBe(1);
    expect(sample(text, 'ar_http_request_duration_seconds_count', { ...route, status_code: '400' })).toBe(1);
    const command = { aggregate: 'counter', command: 'Add' };
    expect(sample(text, 'ar_commands_total', { ...command, outcome: 'accepted' })).toBe(3);
    expect(sample(text, 'ar_commands_total', { ...command, outcome: 'rejected' })).toBe(1);
    expect(sample(text, 'ar_event_append_duration_seconds_count')).toBe(3);
    expect(sample(text, 'ar_pg_pool_max_connections')).toBe(10);
    expect(sample(text, 'ar_pg_pool_waiting_requests')).toBe(0);
    expect(sample(text, 'ar_metrics_source_up', { source: 'database' })).toBe(1);
  });

  it('shows the relay backlog and projection lag while no lease is held, none once taken', async () => {
    const topic = topics.invoicing;
    const relayLease = `${run}_metrics:relay:${topic}`;
    const projectionLease = `${run}_metrics:projection:totals`;
    await new Promise((r) => setTimeout(r, 1100));
    const waiting = await scrape();
    expect(sample(waiting, 'ar_lease_owned', { lease: relayLease })).toBe(0);
    expect(sample(waiting, 'ar_lease_owned', { lease: projectionLease })).toBe(0);
    expect(sample(waiting, 'ar_relay_backlog_events', { topic })).toBe(3);
    expect(sample(waiting, 'ar_relay_oldest_unpublished_age_seconds', { topic })).toBeGreaterThanOrEqual(1);
    expect(sample(waiting, 'ar_projection_lag_events', { projection: 'totals' })).toBe(3);
    expect(sample(waiting, 'ar_projection_lag_seconds', { projection: 'totals' })).toBeGreaterThanOrEqual(1);

    await leases.start();
    await service.caughtUp();
    const running = await scrape();
    expect(sample(running, 'ar_lease_owned', { lease: relayLease })).toBe(1);
    expect(sample(running, 'ar_lease_owned', { lease: projectionLease })).toBe(1);
    expect(sample(running, 'ar_relay_backlog_events', { topic })).toBe(0);
    expect(sample(running, 'ar_relay_oldest_unpublished_age_seconds', { topic })).toBe(0);
    expect(sample(running, 'ar_projection_lag_events', { projection: 'totals' })).toBe(0);
  });

  it('lists every lease the service takes in ar_lease_owned and /ready, and the evidence relay backlog', async () => {
    await leases.start();
    await service.caughtUp();
    // Whatever the service registered with the leases (projections, relays, the evidence chain, workers).
    const taken = Object.entries(leases.owned());
    expect(taken.length).toBeGreaterThanOrEqual(4);
    expect(taken.every(([, owned]) => owned)).toBe(true);
    const text = await scrape();
    for (const [lease] of taken)
      expect({ lease, owned: sample(text, 'ar_lease_owned', { lease }) }).toEqual({ lease, owned: 1 });
    const ready = await service.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.json().checks.leases).toContain(`runs ${taken.length} of ${taken.length}`);
    // The evidence checkpoints' relay: a backlog and an age like the events' relay.
    expect(sample(text, 'ar_relay_backlog_events', { topic: topics.evidence })).toBe(0);
    expect(sample(text, 'ar_relay_oldest_unpublished_age_seconds', { topic: topics.evidence })).toBe(0);
  });

  it('shows a parked message', async () => {
    await sendMilestone(-100);
    const text = await eventually(
      async () => {
        const t = await scrape();
        return sample(t, 'ar_consumer_parked_messages', { consumer: 'invoicing.milestones' }) === 1
          ? t
          : undefined;
      },
      30_000,
      'the parked message in /metrics',
    );
    expect(sample(text, 'ar_consumer_held_messages', { consumer: 'invoicing.milestones' })).toBe(0);
  });

  it('shows consumer lag rising while the consumer is stopped, and back to 0 once it runs again', async () => {
    const group = `${run}.invoicing.milestones`;
    const lag = (text: string) =>
      [0, 1, 2].reduce(
        (sum, partition) =>
          sum +
          (sample(text, 'ar_consumer_lag_messages', {
            group,
            topic: topics.contract,
            partition: String(partition),
          }) ?? Number.NaN),
        0,
      );
    await eventually(async () => (lag(await scrape()) === 0 ? true : undefined), 30_000, 'no lag at first');
    const [consumer] = service.consumers;
    await consumer!.stop();
    for (let i = 0; i < 5; i++) await sendMilestone(10 + i);
    expect(lag(await scrape())).toBe(5);
    await consumer!.start();
    await eventually(async () => (lag(await scrape()) === 0 ? true : undefined), 60_000, 'the lag back to 0');
    const { rows } = await service.ctx.pool.query('select count(*)::int as n from seen');
    expect(rows[0].n).toBe(5);
  });

  it("gives each day job's last completed business day and how long its run took", async () => {
    const moved = await service.app.inject({
      headers: await authHeaders(),
      method: 'PUT',
      url: '/admin/clock',
      payload: { today: '2026-03-04' },
    });
    expect(moved.statusCode).toBe(200);
    const text = await scrape();
    expect(sample(text, 'ar_day_job_last_completed_day_timestamp_seconds', { job: 'tally' })).toBe(
      Date.parse('2026-03-04T00:00:00Z') / 1000,
    );
    expect(sample(text, 'ar_business_today_timestamp_seconds')).toBe(
      Date.parse('2026-03-04T00:00:00Z') / 1000,
    );
    // A controllable clock stands at the day jobs' hour: today's are due.
    expect(sample(text, 'ar_day_jobs_due_day_timestamp_seconds')).toBe(
      Date.parse('2026-03-04T00:00:00Z') / 1000,
    );
    expect(sample(text, 'ar_day_job_last_run_duration_seconds', { job: 'tally' })).toBeGreaterThanOrEqual(0);
  });
});
