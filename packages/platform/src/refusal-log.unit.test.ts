import { DependencyUnavailable } from '@ar/kernel';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { registerErrorHandler } from './error-handler';

/**
 * A dependency away while requests keep coming: each is refused 503, but the log says so once when
 * the refusals start (with the error), sums them up once a minute, and says when they stop - not a
 * warn line with a stack per request (43 lines for 43 requests, seen in an outage).
 */
describe('requests refused during a dependency outage', () => {
  it('are logged in a few lines, not one per request, and the end of the refusals is logged', async () => {
    const lines: { level: number; msg: string; failures?: number; downMs?: number }[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const app = Fastify({ loggerInstance: logger });
    registerErrorHandler(app as unknown as FastifyInstance);
    let away = true;
    app.get('/invoices', async () => {
      if (away)
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      return { ok: true };
    });
    app.get('/credit', async () => {
      if (away)
        throw new DependencyUnavailable('CREDIT_SCORING_UNAVAILABLE', 'credit-scoring did not answer');
      return { ok: true };
    });
    await app.ready();
    try {
      for (let i = 0; i < 43; i++) {
        const res = await app.inject({ method: 'GET', url: i % 2 ? '/credit' : '/invoices' });
        expect(res.statusCode).toBe(503);
        expect(res.headers['retry-after']).toBeDefined();
      }
      away = false;
      expect((await app.inject({ method: 'GET', url: '/invoices' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
    const loud = lines.filter((l) => l.level >= 40);
    expect(loud.map((l) => l.msg)).toEqual(['requests refused: a dependency is unavailable']);
    expect(lines.find((l) => l.msg === 'requests served again: the dependency is back')).toMatchObject({
      level: 30,
      failures: 43,
      downMs: expect.any(Number),
    });
  });
});
