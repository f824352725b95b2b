import { NO_STREAM } from '@ar/kernel';
import { type BusMessage, InProcessBus } from '@ar/messaging';
import { AppendNotifier } from '@ar/postgres';
import { authHeaders, testAuth } from '../../../tests/support/auth';
import { quietLogger, testInfra, unique } from '../../../tests/support/infra';
import { measured } from './measured-service.fixture';
import { type RunningService, startService } from './service';

/** The in-process bus with a broker that refuses every publish while `down`. */
class BrokerAway extends InProcessBus {
  down = false;
  override async publish(topic: string, messages: BusMessage[]): Promise<void> {
    if (this.down)
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { code: 'ECONNREFUSED' });
    return super.publish(topic, messages);
  }
}

describe('GET /admin/progress while the broker is away', () => {
  const { databaseUrl } = testInfra();
  const notifier = new AppendNotifier(databaseUrl);
  const bus = new BrokerAway();
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
      schema: unique('progress'),
      progressWaitMs: 1000,
    });
    await service.caughtUp();
  });
  afterAll(async () => {
    bus.down = false;
    await service.stop();
    await notifier.stop();
  });
  const progress = async () => {
    const res = await service.app.inject({
      headers: await authHeaders(),
      method: 'GET',
      url: '/admin/progress',
    });
    return { status: res.statusCode, retryAfter: res.headers['retry-after'], body: res.json() };
  };

  it('answers 503 with Retry-After and the reason instead of hanging, and 200 with the counts once published', async () => {
    bus.down = true;
    await service.ctx.store.appendToStream('invoice-P-1', [{ type: 'InvoiceIssued', data: {} }], {
      expectedVersion: NO_STREAM,
      metadata: { correlationId: 'progress' },
    });
    const away = await progress();
    expect(away.status).toBe(503);
    expect(Number(away.retryAfter)).toBeGreaterThan(0);
    expect(away.body).toMatchObject({ error: 'NOT_CAUGHT_UP', message: expect.stringMatching(/broker/) });

    bus.down = false;
    const back = await progress();
    expect(back.status).toBe(200);
    expect(back.body.eventsStored).toBeGreaterThanOrEqual(1);
  });
});
