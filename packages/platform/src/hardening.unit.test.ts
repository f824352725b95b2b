import { EntityId } from '@ar/contracts';
import pino from 'pino';
import { z } from 'zod';
import type { Authenticator } from './auth/authenticator';
import { ALL_ROLES } from './auth/roles';
import { type HttpLimits, httpLimitsFromEnv } from './hardening';
import { createHttpApp } from './http-app';

/** A caller is whoever the bearer token names: `Bearer alice` is alice with every role. */
const namedCallers: Authenticator = {
  issuer: 'https://issuer.test.invalid',
  audience: 'receivables',
  development: true,
  async authenticate(token) {
    return { subject: token, roles: [...ALL_ROLES] };
  },
};
const as = (subject: string) => ({ authorization: `Bearer ${subject}` });

async function app(limits: Partial<HttpLimits> = {}) {
  const made = await createHttpApp({
    service: 'hardened',
    description: 'a service with one route of each kind',
    logger: pino({ level: 'silent' }),
    ready: async () => ({ ready: true, checks: {} }),
    auth: namedCallers,
    limits: { ...httpLimitsFromEnv({}), ...limits },
  });
  made.post(
    '/notes/:noteId',
    {
      config: { roles: ALL_ROLES },
      schema: {
        params: z.object({ noteId: z.string() }),
        querystring: z.object({ tag: z.string().optional() }).strict(),
        body: z.object({ text: z.string(), lines: z.array(z.object({ text: z.string() })).optional() }),
        response: { 200: z.object({ ok: z.boolean() }) },
      },
    },
    async () => ({ ok: true }),
  );
  made.get(
    '/notes/:noteId',
    { config: { roles: ALL_ROLES }, schema: { params: z.object({ noteId: EntityId }) } },
    async () => ({ ok: true }),
  );
  await made.ready();
  return made;
}

describe('every service is hardened at the door (#15 item 7)', () => {
  it('sends security headers, with a content security policy the dashboard and /docs work under', async () => {
    const a = await app();
    const res = await a.inject({ method: 'GET', url: '/notes/n-1', headers: as('alice') });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['strict-transport-security']).toBeDefined();
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'self'");
    // Served over plain HTTP inside the network: upgrading the page's own requests would break it.
    expect(csp).not.toContain('upgrade-insecure-requests');
    const docs = await a.inject({ method: 'GET', url: '/docs', headers: as('alice') });
    expect(docs.statusCode).toBe(200);
    expect(String(docs.headers['content-security-policy'])).toContain("script-src 'self'");
    // No inline script in the page: every script is a file of its own, which 'self' allows.
    expect(docs.body).not.toMatch(/<script>(?!\s*<\/script>)/);
    await a.close();
  });

  it('limits requests per caller: the token subject when authenticated, else the address - 429 with Retry-After', async () => {
    const a = await app({ rateLimitMax: 3, rateLimitWindowMs: 60_000 });
    for (let i = 0; i < 3; i++)
      expect((await a.inject({ method: 'GET', url: '/notes/n-1', headers: as('alice') })).statusCode).toBe(
        200,
      );
    const limited = await a.inject({ method: 'GET', url: '/notes/n-1', headers: as('alice') });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toEqual({
      error: 'rate_limited',
      message: expect.stringMatching(/more than 3 requests in 1 minute from alice: try again in \d+ s/),
    });
    // Bob, from the same address, has his own allowance.
    expect((await a.inject({ method: 'GET', url: '/notes/n-1', headers: as('bob') })).statusCode).toBe(200);
    await a.close();
  });

  it('never limits the probes and public paths: /health and /ready answer however often they are asked (probe F8)', async () => {
    // /metrics and /letters/signing-key are public routes too (config roles 'public'): the same rule.
    const a = await app({ rateLimitMax: 3, rateLimitWindowMs: 60_000 });
    for (let i = 0; i < 10; i++)
      for (const url of ['/health', '/ready'])
        expect({ url, status: (await a.inject({ method: 'GET', url })).statusCode }).toEqual({
          url,
          status: 200,
        });
    await a.close();
  });

  it('has generous default limits: 100,000 requests a minute per caller, 30 s to send a request', () => {
    expect(httpLimitsFromEnv({})).toMatchObject({
      rateLimitMax: 100_000,
      rateLimitWindowMs: 60_000,
      requestTimeoutMs: 30_000,
    });
    expect(httpLimitsFromEnv({ RATE_LIMIT_MAX: '50', REQUEST_TIMEOUT_MS: '5000' })).toMatchObject({
      rateLimitMax: 50,
      requestTimeoutMs: 5000,
    });
    expect(() => httpLimitsFromEnv({ REQUEST_TIMEOUT_MS: 'soon' })).toThrow(/REQUEST_TIMEOUT_MS/);
  });

  it('answers 503 with Retry-After while the event loop is saturated (back-pressure), /health still 200', async () => {
    const a = await app({
      maxEventLoopDelayMs: 0,
      maxEventLoopUtilization: 0.5,
      pressureSampleIntervalMs: 200,
    });
    const until = Date.now() + 600;
    while (Date.now() < until); // the process busy: no turn of the event loop for 0.6 s
    await new Promise((resolve) => setTimeout(resolve, 20)); // the sample after it is taken
    const busy = await a.inject({ method: 'GET', url: '/notes/n-1', headers: as('alice') });
    expect(busy.statusCode).toBe(503);
    expect(Number(busy.headers['retry-after'])).toBeGreaterThan(0);
    expect(busy.json()).toEqual({
      error: 'overloaded',
      message: expect.stringMatching(/^the service is overloaded \(event loop utilisation \d+%\): try again/),
    });
    expect((await a.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    await a.close();
  });

  it('refuses a NUL character in any text of body, query or path with a 400 naming the field', async () => {
    const a = await app();
    const inBody = await a.inject({
      method: 'POST',
      url: '/notes/n-1',
      headers: as('alice'),
      payload: { text: 'fine', lines: [{ text: 'bad\u0000' }] },
    });
    expect(inBody.statusCode).toBe(400);
    expect(inBody.json()).toEqual({
      error: 'invalid_request',
      message: 'body.lines.0.text: must not contain the NUL character (U+0000)',
      issues: [{ field: 'body.lines.0.text', message: 'must not contain the NUL character (U+0000)' }],
    });
    const inQuery = await a.inject({
      method: 'POST',
      url: '/notes/n-1?tag=a%00b',
      headers: as('alice'),
      payload: { text: 'fine' },
    });
    expect(inQuery.statusCode).toBe(400);
    expect(inQuery.json().issues).toEqual([{ field: 'querystring.tag', message: expect.any(String) }]);
    const inPath = await a.inject({
      method: 'POST',
      url: '/notes/n%001',
      headers: as('alice'),
      payload: { text: 'fine' },
    });
    expect(inPath.statusCode).toBe(400);
    expect(inPath.json().issues).toEqual([{ field: 'params.noteId', message: expect.any(String) }]);
    const inKey = await a.inject({
      method: 'POST',
      url: '/notes/n-1',
      headers: as('alice'),
      payload: { text: 'fine', 'x\u0000': 1 },
    });
    expect(inKey.statusCode).toBe(400);
    await a.close();
  });

  it('refuses a lone UTF-16 surrogate in any text with a 400 naming the field - PostgreSQL cannot store it (#17 group-commit probe F1: 500)', async () => {
    const a = await app();
    // JSON may escape half a surrogate pair; JSON.parse keeps it, and jsonb refuses it ('22P02').
    for (const [payload, field] of [
      ['{"text": "bad\\ud800reason"}', 'body.text'],
      ['{"text": "fine", "lines": [{"text": "r\\udfffef"}]}', 'body.lines.0.text'],
      ['{"text": "fine", "x\\udc00": 1}', 'body.x\\udc00'],
    ] as const) {
      const res = await a.inject({
        method: 'POST',
        url: '/notes/n-1',
        headers: { ...as('alice'), 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().issues).toEqual([
        {
          field,
          message: 'must be well-formed text: a lone UTF-16 surrogate (U+D800-U+DFFF) cannot be stored',
        },
      ]);
    }
    // A pair is one character (an emoji): accepted.
    const pair = await a.inject({
      method: 'POST',
      url: '/notes/n-1',
      headers: { ...as('alice'), 'content-type': 'application/json' },
      payload: '{"text": "ok \\ud83d\\ude00"}',
    });
    expect(pair.statusCode).not.toBe(400);
    await a.close();
  });

  it('refuses a body nested too deeply with a 400 naming the body and the limit - never a 500 (probe F4)', async () => {
    const a = await app();
    // 20 KB: {"text": [[[[...10,000 deep...]]]]} - JSON.parse takes it; a recursive walk overflowed the stack.
    const deep = `{"text": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const res = await a.inject({
      method: 'POST',
      url: '/notes/n-1',
      headers: { ...as('alice'), 'content-type': 'application/json' },
      payload: deep,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: 'invalid_request',
      message: 'body: nested too deeply (more than 64 levels of objects and arrays)',
      issues: [{ field: 'body', message: 'nested too deeply (more than 64 levels of objects and arrays)' }],
    });
    // Objects too, and a NUL below the limit is still found where it is.
    const deepObjects = `{"text": ${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`;
    const objects = await a.inject({
      method: 'POST',
      url: '/notes/n-1',
      headers: { ...as('alice'), 'content-type': 'application/json' },
      payload: deepObjects,
    });
    expect(objects.statusCode).toBe(400);
    expect(objects.json().issues).toEqual([
      { field: 'body', message: expect.stringContaining('nested too deeply') },
    ]);
    // 64 levels are fine (the route's schema then answers for the shape).
    const atLimit = await a.inject({
      method: 'POST',
      url: '/notes/n-1',
      headers: { ...as('alice'), 'content-type': 'application/json' },
      payload: `{"text": "ok", "lines": [{"text": "fine"}], "extra": ${'['.repeat(62)}${']'.repeat(62)}}`,
    });
    expect(atLimit.statusCode).toBe(200);
    await a.close();
  });

  it('answers a body too large 413, malformed JSON 400, another content type 415, an unknown method 405 - each as JSON', async () => {
    const a = await app();
    const big = await a.inject({
      method: 'POST',
      url: '/notes/n-1',
      headers: { ...as('alice'), 'content-type': 'application/json' },
      payload: JSON.stringify({ text: 'x'.repeat(10 * 1024 * 1024) }),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ error: 'body_too_large' });
    const malformed = await a.inject({
      method: 'POST',
      url: '/notes/n-1',
      headers: { ...as('alice'), 'content-type': 'application/json' },
      payload: '{"text": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ error: 'invalid_json' });
    const wrongType = await a.inject({
      method: 'POST',
      url: '/notes/n-1',
      headers: { ...as('alice'), 'content-type': 'text/plain' },
      payload: 'text=hello',
    });
    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.json()).toMatchObject({ error: 'unsupported_media_type' });
    const trace = await a.inject({ method: 'TRACE', url: '/notes/n-1', headers: as('alice') });
    expect(trace.statusCode).toBe(405);
    expect(trace.headers.allow).toBe('GET, HEAD, POST');
    expect(trace.json()).toMatchObject({ error: 'method_not_allowed' });
    const del = await a.inject({ method: 'DELETE', url: '/notes/n-1', headers: as('alice') });
    expect(del.statusCode).toBe(405);
    // Found by fuzzing (#15 item 8): a method that carries a body (QUERY) reached the body parser
    // first - 400 'must provide a Content-Type header', or the body's own 413/415 - never the 405.
    for (const headers of [{}, { 'content-type': 'text/plain' }, { 'content-type': 'application/json' }]) {
      const query = await a.inject({
        method: 'QUERY' as 'GET',
        url: '/notes/n-1',
        headers: { ...as('alice'), ...headers },
        ...('content-type' in headers
          ? { payload: headers['content-type'] === 'text/plain' ? 'x' : '{"a"' }
          : {}),
      });
      expect({ headers, status: query.statusCode, allow: query.headers.allow }).toEqual({
        headers,
        status: 405,
        allow: 'GET, HEAD, POST',
      });
    }
    expect((await a.inject({ method: 'GET', url: '/nothing-here', headers: as('alice') })).statusCode).toBe(
      404,
    );
    await a.close();
  });

  it('answers a dependency away 503 saying what failed, not where (no internal address)', async () => {
    const a = await createHttpApp({
      service: 'hardened',
      description: 'a service whose database is away',
      logger: pino({ level: 'silent' }),
      ready: async () => ({ ready: true, checks: {} }),
      auth: namedCallers,
      limits: httpLimitsFromEnv({}),
    });
    a.get('/away', { config: { roles: ALL_ROLES } }, async () => {
      throw Object.assign(
        new Error('connect ECONNREFUSED 10.1.2.3:5432 (postgres://app@db.internal:5432/ar)'),
        {
          code: 'ECONNREFUSED',
        },
      );
    });
    const res = await a.inject({ method: 'GET', url: '/away', headers: as('alice') });
    expect(res.statusCode).toBe(503);
    expect(res.json().message).toBe(
      'unavailable, try again shortly: connect ECONNREFUSED (address withheld) ((address withheld))',
    );
    await a.close();
  });

  it('documents 429 on every operation, 413 and 415 where a body is taken', async () => {
    const a = await app();
    const doc = (await a.inject({ method: 'GET', url: '/docs/json', headers: as('alice') })).json();
    const post = doc.paths['/notes/{noteId}'].post.responses;
    const get = doc.paths['/notes/{noteId}'].get.responses;
    for (const status of ['400', '401', '403', '413', '415', '429', '503'])
      expect(post[status]?.content?.['application/json']?.schema?.properties).toHaveProperty('message');
    expect(get['429']).toBeDefined();
    expect(get['413']).toBeUndefined();
    await a.close();
  });
});
