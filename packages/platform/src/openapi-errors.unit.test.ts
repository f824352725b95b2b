import { EntityId, IsoDate, PositiveAmount } from '@ar/contracts';
import pino from 'pino';
import { z } from 'zod';
import type { Authenticator } from './auth/authenticator';
import { ALL_ROLES } from './auth/roles';
import { httpLimitsFromEnv } from './hardening';
import { createHttpApp } from './http-app';

const everyone: Authenticator = {
  issuer: 'https://issuer.test.invalid',
  audience: 'receivables',
  development: true,
  async authenticate(token) {
    return { subject: token, roles: [...ALL_ROLES] };
  },
};

type Response = { description?: string; content?: Record<string, { schema?: Record<string, unknown> }> };
type Operation = { responses: Record<string, Response> };
type Document = { paths: Record<string, Record<string, Operation>> };

/** A service with one route of each kind, and its OpenAPI document. */
async function service() {
  const app = await createHttpApp({
    service: 'documented',
    description: 'one route of each kind',
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    ready: async () => ({ ready: true, checks: {} }),
    auth: everyone,
    limits: httpLimitsFromEnv({}),
  });
  // A list without an id: nothing to miss, nothing to refuse.
  app.get(
    '/notes',
    {
      config: { roles: ALL_ROLES },
      schema: {
        querystring: z.object({ tag: z.string().optional() }),
        response: { 200: z.array(z.string()) },
      },
    },
    async () => [],
  );
  // One thing by its id: 404 when the id names nothing.
  app.get(
    '/notes/:noteId',
    {
      config: { roles: ALL_ROLES },
      schema: { params: z.object({ noteId: EntityId }), response: { 200: z.object({ text: z.string() }) } },
    },
    async () => ({ text: '' }),
  );
  // A command on one thing: 404, a conflict 409, the rules' refusal 422.
  app.post(
    '/notes/:noteId/pins',
    {
      config: { roles: ALL_ROLES },
      schema: {
        params: z.object({ noteId: EntityId }),
        body: z.object({ amount: PositiveAmount, on: IsoDate }),
        response: { 200: z.object({ ok: z.boolean() }) },
      },
    },
    async () => ({ ok: true }),
  );
  // A command creating a thing under a client-chosen id in its body: 409, 422, no 404.
  app.post(
    '/notes',
    {
      config: { roles: ALL_ROLES },
      schema: { body: z.object({ noteId: EntityId }), response: { 201: z.object({ ok: z.boolean() }) } },
    },
    async () => ({ ok: true }),
  );
  // A command the rules never refuse and that conflicts with nothing says so.
  app.post(
    '/notes/screen',
    {
      config: { roles: ALL_ROLES, refusals: { 409: false, 422: false } },
      schema: { body: z.object({ text: z.string() }), response: { 200: z.object({ ok: z.boolean() }) } },
    },
    async () => ({ ok: true }),
  );
  // A read that a rule may refuse (a period too long) names it.
  app.get(
    '/notes/report',
    {
      config: { roles: ALL_ROLES, refusals: { 422: 'the period is longer than a year' } },
      schema: { querystring: z.object({ from: IsoDate }), response: { 200: z.object({ ok: z.boolean() }) } },
    },
    async () => ({ ok: true }),
  );
  // A route that declares no success answers one all the same (found by fuzzing: undocumented 200).
  app.get(
    '/notes/:noteId/attachment',
    { config: { roles: ALL_ROLES }, schema: { params: z.object({ noteId: EntityId }) } },
    async (_request, reply) => reply.header('content-type', 'application/pdf').send(Buffer.from('%PDF-1.7')),
  );
  app.get(
    '/notes/:noteId/summary',
    { config: { roles: ALL_ROLES }, schema: { params: z.object({ noteId: EntityId }) } },
    async () => ({ lines: 2, extra: { kept: true } }),
  );
  await app.ready();
  return app;
}

async function documented(): Promise<Document> {
  const app = await service();
  const res = await app.inject({
    method: 'GET',
    url: '/docs/json',
    headers: { authorization: 'Bearer alice' },
  });
  await app.close();
  expect(res.statusCode).toBe(200);
  return res.json() as Document;
}

const statuses = (doc: Document, path: string, method: string) =>
  Object.keys(doc.paths[path]?.[method]?.responses ?? {}).sort();

describe('the OpenAPI document tells what each route can answer (#15 item 8)', () => {
  let doc: Document;
  beforeAll(async () => {
    doc = await documented();
  });

  it('documents 404 only where the path has an id to miss', () => {
    expect(statuses(doc, '/notes/{noteId}', 'get')).toContain('404');
    expect(statuses(doc, '/notes/{noteId}/pins', 'post')).toContain('404');
    expect(statuses(doc, '/notes', 'get')).not.toContain('404');
    expect(statuses(doc, '/notes', 'post')).not.toContain('404');
  });

  it('documents 409 and 422 on commands, not on reads, unless the route says otherwise', () => {
    for (const [path, method] of [
      ['/notes/{noteId}/pins', 'post'],
      ['/notes', 'post'],
    ] as const) {
      expect(statuses(doc, path, method)).toEqual(expect.arrayContaining(['409', '422']));
    }
    expect(statuses(doc, '/notes/{noteId}', 'get')).not.toContain('409');
    expect(statuses(doc, '/notes/{noteId}', 'get')).not.toContain('422');
    expect(statuses(doc, '/notes/screen', 'post')).not.toContain('409');
    expect(statuses(doc, '/notes/screen', 'post')).not.toContain('422');
    const report = doc.paths['/notes/report']?.get?.responses['422'];
    expect(report?.description).toContain('the period is longer than a year');
  });

  it('gives every documented error the error body: error, message and the fields at fault', () => {
    let errors = 0;
    for (const [path, operations] of Object.entries(doc.paths))
      for (const [method, operation] of Object.entries(operations))
        for (const [status, response] of Object.entries(operation.responses)) {
          if (Number(status) < 400) continue;
          errors++;
          const schema = response.content?.['application/json']?.schema as
            | { properties?: Record<string, unknown>; required?: string[] }
            | undefined;
          expect({
            at: `${method} ${path} ${status}`,
            properties: Object.keys(schema?.properties ?? {}),
          }).toEqual({
            at: `${method} ${path} ${status}`,
            properties: ['error', 'message', 'issues'],
          });
          expect(schema?.required).toEqual(['error', 'message']);
        }
    expect(errors).toBeGreaterThan(30);
  });

  it("shows the amounts' limits: at least 1 and at most MAX_AMOUNT; dates from 1900", () => {
    const body = (
      doc.paths['/notes/{noteId}/pins']!.post as unknown as {
        requestBody: {
          content: {
            'application/json': { schema: { properties: Record<string, Record<string, unknown>> } };
          };
        };
      }
    ).requestBody.content['application/json'].schema.properties;
    expect(body.amount).toMatchObject({ type: 'integer', minimum: 1, maximum: 10_000_000_000_000 });
    expect(String(body.on?.description)).toContain('1900-01-01');
  });

  it('documents a success on a route that declares none, without a body schema it would not keep', async () => {
    const attachment = doc.paths['/notes/{noteId}/attachment']?.get?.responses['200'];
    expect(attachment?.description).toBeTruthy();
    expect(Object.keys(attachment?.content ?? {})).toEqual(['*/*']);
    const app = await service();
    const res = await app.inject({
      method: 'GET',
      url: '/notes/n-1/attachment',
      headers: { authorization: 'Bearer alice' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.body).toBe('%PDF-1.7');
    const summary = await app.inject({
      method: 'GET',
      url: '/notes/n-1/summary',
      headers: { authorization: 'Bearer alice' },
    });
    expect(summary.json()).toEqual({ lines: 2, extra: { kept: true } });
    await app.close();
  });

  it('answers an id longer than any the API takes 400 naming the field (found by fuzzing: an undocumented 414)', async () => {
    const app = await service();
    const res = await app.inject({
      method: 'GET',
      url: `/notes/${'0'.repeat(200)}`,
      headers: { authorization: 'Bearer alice' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request', issues: [{ field: 'params.noteId' }] });
    await app.close();
  });
});
