import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allServices } from '@ar/all-in-one';
import {
  ALL_ROLES,
  accessTableIn,
  accessTableMarkdown,
  type Role,
  type RunningService,
  repoRoot,
  SECURITY_SCHEME,
} from '@ar/platform';
import { authHeaders } from '../support/auth';
import { inProcessPlatform } from '../support/platform';

type Operation = { security?: Record<string, string[]>[] };
type OpenApi = { paths: Record<string, Record<string, Operation>> };

/**
 * Issue #15's proof: every route of every service, enumerated from the service's own OpenAPI
 * document (so a new route without a rule fails here) and from the routes it registered (the
 * hidden ones: the dashboard, /docs): without a token 401 with a challenge, with a role the
 * route does not name 403 naming the roles, with one it names neither 401 nor 403.
 */
describe('access: every route of every service asks who calls', () => {
  const platform = inProcessPlatform('access', '2026-03-02');
  const services: RunningService[] = [];

  beforeAll(async () => {
    for (const def of allServices) services.push(await platform.start(def));
  });
  afterAll(() => platform.stop());

  /** Every (method, url, roles) of a service: its OpenAPI operations and its hidden routes. */
  async function routesOf(service: RunningService) {
    const docs = await service.app.inject({
      method: 'GET',
      url: '/docs/json',
      headers: await authHeaders(['bi']),
    });
    expect(docs.statusCode).toBe(200);
    const openApi = docs.json() as OpenApi;
    const routes: { method: string; url: string; roles: Role[]; documented: boolean }[] = [];
    for (const [path, operations] of Object.entries(openApi.paths))
      for (const [method, operation] of Object.entries(operations)) {
        const roles = operation.security?.[0]?.[SECURITY_SCHEME];
        // A route in the document must name its roles there.
        expect({ route: `${method.toUpperCase()} ${path}`, roles }).toEqual({
          route: `${method.toUpperCase()} ${path}`,
          roles: expect.arrayContaining([expect.any(String)]),
        });
        routes.push({ method: method.toUpperCase(), url: path, roles: roles as Role[], documented: true });
      }
    const documented = new Set(routes.map((r) => `${r.method} ${r.url.replace(/\{(\w+)\}/g, ':$1')}`));
    for (const rule of service.app.routeRules) {
      if (rule.method === 'HEAD' || rule.access === 'public') continue;
      if (documented.has(`${rule.method} ${rule.url}`)) continue;
      routes.push({ method: rule.method, url: rule.url, roles: [...rule.access], documented: false });
    }
    return routes;
  }

  const concrete = (url: string) => url.replace(/\{\w+\}|:\w+|\*/g, 'X-1');

  it('no token: 401 with a challenge; a wrong role: 403 naming the roles; the right role: neither', async () => {
    let walked = 0;
    const failures: string[] = [];
    for (const service of services) {
      const routes = await routesOf(service);
      expect(routes.length).toBeGreaterThan(3);
      for (const route of routes) {
        const url = concrete(route.url);
        const name = `${service.name} ${route.method} ${route.url}`;
        const send = async (headers: Record<string, string>) =>
          service.app.inject({
            method: route.method as 'GET',
            url,
            headers: {
              ...headers,
              ...(route.method === 'GET' ? {} : { 'content-type': 'application/json' }),
            },
            ...(route.method === 'GET' ? {} : { payload: '{}' }),
          });

        const anonymous = await send({});
        if (
          anonymous.statusCode !== 401 ||
          String(anonymous.headers['www-authenticate']) !== 'Bearer realm="receivables"'
        )
          failures.push(`${name}: anonymous answered ${anonymous.statusCode}`);
        const forged = await send({ authorization: 'Bearer not-a-jwt' });
        if (forged.statusCode !== 401)
          failures.push(`${name}: a malformed token answered ${forged.statusCode}`);

        const wrong = ALL_ROLES.filter((r) => !route.roles.includes(r));
        const wrongRoles = wrong.length > 0 ? [wrong[0]!] : [];
        const refused = await send(await authHeaders(wrongRoles, 'someone-else'));
        if (refused.statusCode !== 403 || !route.roles.every((r) => refused.json().message.includes(r)))
          failures.push(`${name}: role ${wrongRoles.join() || '(none)'} answered ${refused.statusCode}`);

        for (const role of route.roles) {
          const allowed = await send(await authHeaders([role], `a-${role}`));
          if (allowed.statusCode === 401 || allowed.statusCode === 403)
            failures.push(`${name}: role ${role} answered ${allowed.statusCode} ${allowed.body}`);
        }
        walked++;
      }
      // The probes stay open: an orchestrator has no token.
      for (const url of ['/health', '/ready', '/metrics'])
        expect({ url, status: (await service.app.inject({ method: 'GET', url })).statusCode }).toEqual({
          url,
          status: 200,
        });
    }
    expect(failures).toEqual([]);
    expect(walked).toBeGreaterThan(50);
  });

  it("the README's role table is the code's (roles and every route's rule)", async () => {
    const table = accessTableMarkdown(services.map((s) => ({ name: s.name, rules: s.app.routeRules })));
    // ACCESS_TABLE_OUT=<file> writes the table to paste into the README.
    if (process.env.ACCESS_TABLE_OUT) writeFileSync(process.env.ACCESS_TABLE_OUT, `${table}\n`);
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    expect(accessTableIn(readme)).toEqual(table);
  });

  it('every operation documents the errors it can answer, each with the error body (#15 items 7, 8)', async () => {
    const missing: string[] = [];
    for (const service of services) {
      const docs = await service.app.inject({
        method: 'GET',
        url: '/docs/json',
        headers: await authHeaders(),
      });
      const openApi = docs.json() as {
        paths: Record<
          string,
          Record<string, { requestBody?: unknown; responses: Record<string, Documented> }>
        >;
      };
      type Documented = { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> };
      for (const [path, operations] of Object.entries(openApi.paths))
        for (const [method, operation] of Object.entries(operations)) {
          const expected = [
            '401',
            '403',
            '429',
            '503',
            ...(operation.requestBody ? ['400', '413', '415'] : []),
            // An id in the path can name nothing; a command can conflict or be refused by the rules.
            ...(path.includes('{') ? ['404'] : []),
            ...(method !== 'get' ? ['409', '422'] : []),
          ];
          for (const status of expected)
            if (!operation.responses[status])
              missing.push(`${service.name} ${method.toUpperCase()} ${path} ${status}`);
          // Each error it documents, with the error body.
          for (const [status, response] of Object.entries(operation.responses))
            if (Number(status) >= 400 && !response.content?.['application/json']?.schema?.properties?.message)
              missing.push(
                `${service.name} ${method.toUpperCase()} ${path} ${status} without the error body`,
              );
          // And a success.
          if (!Object.keys(operation.responses).some((status) => status.startsWith('2')))
            missing.push(`${service.name} ${method.toUpperCase()} ${path}: no success documented`);
        }
    }
    expect(missing).toEqual([]);
  });

  it('the dashboard and the API docs need a token too', async () => {
    const reporting = services.find((s) => s.name === 'reporting')!;
    for (const url of ['/dashboard/', '/docs', '/docs/json', '/'])
      expect({ url, status: (await reporting.app.inject({ method: 'GET', url })).statusCode }).toEqual({
        url,
        status: 401,
      });
    const page = await reporting.app.inject({
      method: 'GET',
      url: '/dashboard/',
      headers: await authHeaders(['bi']),
    });
    expect(page.statusCode).toBe(200);
  });

  it('refuses tokens of another issuer, for another audience, expired, or unsigned', async () => {
    const invoicing = services.find((s) => s.name === 'invoicing')!;
    const { testIssuer } = await import('../support/auth');
    const issuer = await testIssuer();
    const get = (token: string) =>
      invoicing.app.inject({
        method: 'GET',
        url: '/invoices/X-1',
        headers: { authorization: `Bearer ${token}` },
      });
    const reasons = async (token: string) => {
      const res = await get(token);
      return { status: res.statusCode, message: res.json().message as string };
    };
    expect(
      await reasons(await issuer.token({ roles: ['finance'], issuer: 'https://evil.example' })),
    ).toMatchObject({
      status: 401,
      message: expect.stringContaining('iss'),
    });
    expect(await reasons(await issuer.token({ roles: ['finance'], audience: 'another-api' }))).toMatchObject({
      status: 401,
      message: expect.stringContaining('aud'),
    });
    expect(await reasons(await issuer.token({ roles: ['finance'], expiresInSeconds: -120 }))).toMatchObject({
      status: 401,
      message: 'the token has expired',
    });
    // alg "none" (RFC 8725 §2.1): a token anyone could write.
    const payload = Buffer.from(
      JSON.stringify({
        iss: issuer.issuer,
        aud: issuer.audience,
        sub: 'mallory',
        roles: ['admin'],
        exp: 2e9,
      }),
    ).toString('base64url');
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    expect((await get(unsigned)).statusCode).toBe(401);
    // A key of another issuer, same claims: the signature does not verify against the trusted keys.
    const other = await (await import('@ar/platform')).DevIssuer.create({
      issuer: issuer.issuer,
      audience: issuer.audience,
    });
    expect((await get(await other.token({ roles: ['finance'] }))).statusCode).toBe(401);
  });
});
