import { authHeaders, testAuth } from '../../../tests/support/auth';
import { eventually, quietLogger } from '../../../tests/support/infra';
import { createHttpApp } from './http-app';
import { ServiceMetrics } from './metrics';

/**
 * A client that gives up before the answer (its timeout, a saturated service) is still a request
 * the service took: ar_http_request_duration_seconds counts it as 499 "client closed", so the rate,
 * latency and error alerts see saturation (a probe counted 9 of 59 commands sent).
 */
describe('HTTP metrics of requests the client aborted', () => {
  it('counts each aborted request once, as status 499, with how long it had run', async () => {
    const metrics = new ServiceMetrics('invoicing', quietLogger);
    const app = await createHttpApp({
      service: 'invoicing',
      description: 'test',
      logger: quietLogger,
      auth: testAuth,
      metrics,
      ready: async () => ({ ready: true, checks: {} }),
    });
    app.get('/slow', { config: { roles: ['finance'] } }, async () => {
      await new Promise((r) => setTimeout(r, 600));
      return { ok: true };
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const headers = await authHeaders(['finance']);
      for (let i = 0; i < 3; i++)
        await expect(fetch(`${url}/slow`, { headers, signal: AbortSignal.timeout(100) })).rejects.toThrow();
      expect((await fetch(`${url}/slow`, { headers })).status).toBe(200);
      const count = async (status: string) => {
        const metric = await metrics.registry.getSingleMetric('ar_http_request_duration_seconds')?.get();
        const found = metric?.values.find(
          (v) =>
            (v as { metricName?: string }).metricName === 'ar_http_request_duration_seconds_count' &&
            v.labels.route === '/slow' &&
            v.labels.status_code === status,
        );
        return found?.value ?? 0;
      };
      // The handlers of the aborted ones end meanwhile: still counted once each, not twice.
      await new Promise((r) => setTimeout(r, 800));
      expect(
        await eventually(async () => ((await count('499')) === 3 ? 3 : undefined), 5000, '3 aborted'),
      ).toBe(3);
      expect(await count('200')).toBe(1);
    } finally {
      await app.close();
    }
  });
});
