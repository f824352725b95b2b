import { InProcessBus } from '@ar/messaging';
import { AppendNotifier } from '@ar/postgres';
import { authHeaders, testAuth } from '../../../tests/support/auth';
import { quietLogger, testInfra, unique } from '../../../tests/support/infra';
import { measured } from './measured-service.fixture';
import { type RunningService, startService } from './service';

/** The in-process bus, with a broker that can be made unreachable. */
class UnreliableBus extends InProcessBus {
  down = false;
  async checkReachable(): Promise<void> {
    if (this.down)
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { code: 'ECONNREFUSED' });
  }
}

describe('/ready tells the truth about the broker and the leases', () => {
  const { databaseUrl } = testInfra();
  const notifier = new AppendNotifier(databaseUrl);
  const bus = new UnreliableBus();
  let service: RunningService;
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
      schema: unique('ready'),
    });
    // Today's day job runs once the service listens; /ready says so until it is done (tested in
    // day-jobs-startup.int.test.ts). Here every dependency is up and nothing is left to do.
    await service.caughtUp();
  });
  afterAll(async () => {
    await service.stop();
    await notifier.stop();
  });
  const ready = async () => {
    const res = await service.app.inject({ headers: await authHeaders(), method: 'GET', url: '/ready' });
    return { status: res.statusCode, retryAfter: res.headers['retry-after'], body: res.json() };
  };

  it('is ready with every dependency answering, and says which leases it runs', async () => {
    const { status, body } = await ready();
    expect(status).toBe(200);
    expect(body.checks).toMatchObject({ database: 'ok', kafka: 'ok' });
    expect(body.checks.leases).toMatch(
      /^ok: runs 4 of 4 \(.*:projection:totals, .*:relay:ar\.invoicing\.events\.v1, .*:evidence:chain, .*:relay:ar\.evidence\.checkpoints\.v1\)/,
    );
    expect(body.reason).toBe('ready: every dependency answers');
  });

  it('answers 503 with Retry-After and the reason while the broker is unreachable, ready again after', async () => {
    bus.down = true;
    const down = await ready();
    expect(down.status).toBe(503);
    expect(Number(down.retryAfter)).toBeGreaterThan(0);
    expect(down.body.checks.database).toBe('ok');
    expect(down.body.checks.kafka).toBe(
      'down: the message broker: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:9092',
    );
    expect(down.body.reason).toBe(`not ready: kafka ${down.body.checks.kafka}`);
    const health = await service.app.inject({ headers: await authHeaders(), method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
    bus.down = false;
    expect((await ready()).status).toBe(200);
  });
});
