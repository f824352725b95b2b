import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allServices } from '@ar/all-in-one';
import { AuthEnv, authFromEnv, type RunningService } from '@ar/platform';
import { quietLogger } from '../support/infra';
import { KEYCLOAK_AUDIENCE, type Keycloak, keycloak } from '../support/keycloak';
import { inProcessPlatform } from '../support/platform';

/**
 * Issue #15 item 5: the dashboard signs in at a real OpenID provider - Keycloak's realm `ar`, its
 * public client `ar-dashboard` (infra/keycloak/realm-ar.json) - by the authorization code flow with
 * PKCE, driven here as a browser would: redirects followed by hand, cookies kept per site, the
 * provider's login form filled in. No Keycloak: this test fails, it never skips.
 */
describe('the dashboard signs in at the OpenID provider (authorization code + PKCE)', () => {
  const platform = inProcessPlatform('dsi', '2026-03-02');
  let kc: Keycloak;
  let reporting: RunningService;
  const saved = { ...process.env };

  beforeAll(async () => {
    kc = await keycloak();
    // As a deployment configures reporting: the issuer it trusts and the dashboard's client there.
    process.env.OIDC_ISSUER = kc.issuer('ar');
    process.env.DASHBOARD_OIDC_CLIENT_ID = 'ar-dashboard';
    const auth = (
      await authFromEnv(
        {
          development: false,
          dataDir: mkdtempSync(join(tmpdir(), 'ar-dsi-')),
          logger: quietLogger,
          service: 'reporting',
        },
        AuthEnv.parse({ OIDC_ISSUER: kc.issuer('ar'), OIDC_AUDIENCE: KEYCLOAK_AUDIENCE }),
      )
    ).auth;
    reporting = await platform.start(allServices.find((s) => s.name === 'reporting')!, { auth });
  }, 360_000);
  afterAll(async () => {
    process.env = saved;
    await platform.stop();
  });

  /** A browser's cookies, per origin (enough for two sites on 127.0.0.1 with other ports). */
  const jar = new Map<string, Map<string, string>>();
  const cookiesFor = (url: string) => {
    const site = jar.get(new URL(url).origin);
    return site ? [...site].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  };
  const browse = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { accept: 'text/html', cookie: cookiesFor(url), ...(init.headers as Record<string, string>) },
    });
    const site = jar.get(new URL(url).origin) ?? new Map<string, string>();
    jar.set(new URL(url).origin, site);
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const [name, value] = [pair!.slice(0, at), pair!.slice(at + 1)];
      if (/max-age=0/i.test(line) || value === '') site.delete(name);
      else site.set(name, value);
    }
    const location = res.headers.get('location');
    return {
      res,
      location: location ? new URL(location, url).href : undefined,
      setCookies: res.headers.getSetCookie(),
    };
  };

  it('sends a browser without a token to the provider, and back signed in with its own roles', async () => {
    // 1. The dashboard, not signed in: to the sign-in (an API client still gets its 401).
    const page = await browse(`${reporting.url}/dashboard/`);
    expect(page.res.status).toBe(302);
    expect(page.location).toBe(`${reporting.url}/dashboard/sign-in`);
    expect((await fetch(`${reporting.url}/dashboard/`)).status).toBe(401);
    // 2. The sign-in: to Keycloak's authorization endpoint, with PKCE (S256) and a state.
    const signIn = await browse(page.location!);
    expect(signIn.res.status).toBe(302);
    const authorize = new URL(signIn.location!);
    expect(authorize.href.startsWith(`${kc.issuer('ar')}/protocol/openid-connect/auth`)).toBe(true);
    expect(authorize.searchParams.get('client_id')).toBe('ar-dashboard');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${reporting.url}/dashboard/callback`);
    // 3. Keycloak's login form, filled in as the finance user.
    const form = await browse(authorize.href);
    expect(form.res.status).toBe(200);
    const action = /<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"/.exec(await form.res.text())?.[1];
    expect(action).toBeDefined();
    const login = await browse(action!.replaceAll('&amp;', '&'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'finance', password: 'finance-password' }),
    });
    expect(login.res.status).toBe(302);
    expect(login.location!.startsWith(`${reporting.url}/dashboard/callback?`)).toBe(true);
    // 4. Back at the dashboard: the code exchanged, the token kept as an HttpOnly, Strict cookie.
    const callback = await browse(login.location!);
    expect(callback.res.status).toBe(200);
    const tokenCookie = callback.setCookies.find((c) => c.startsWith('ar_token='));
    expect(tokenCookie).toMatch(/HttpOnly/);
    expect(tokenCookie).toMatch(/SameSite=Strict/);
    expect(await callback.res.text()).toContain('url=/dashboard/');
    // 5. Signed in: the dashboard and its reports read with the person's token.
    const dashboard = await browse(`${reporting.url}/dashboard/`);
    expect(dashboard.res.status).toBe(200);
    const aging = await browse(`${reporting.url}/reports/aging?asOf=2026-03-02`, {
      headers: { accept: 'application/json' },
    });
    expect(aging.res.status).toBe(200);
    // A cookie never carries a command.
    const command = await browse(`${reporting.url}/admin/projections/aging/rebuild`, { method: 'POST' });
    expect(command.res.status).toBe(401);
  }, 120_000);

  it('sends the provider back only to this machine unless DASHBOARD_URL says where the dashboard is', async () => {
    // A Host header names any site: without DASHBOARD_URL, a sign-in asked by another name is refused.
    const { port } = new URL(reporting.url);
    const answer = await new Promise<{ status: number; location?: string }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/dashboard/sign-in', headers: { host: 'evil.example' } },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, location: res.headers.location });
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(answer.status).toBe(400);
    expect(answer.location).toBeUndefined();
  }, 60_000);

  it('refuses a callback whose state is not the one this browser started with, or with no sign-in under way', async () => {
    const fresh = await fetch(`${reporting.url}/dashboard/callback?code=x&state=y`, { redirect: 'manual' });
    expect(fresh.status).toBe(400);
    expect(((await fresh.json()) as { message: string }).message).toContain('no sign-in under way');
    const started = await browse(`${reporting.url}/dashboard/sign-in`);
    expect(started.res.status).toBe(302);
    const forged = await browse(`${reporting.url}/dashboard/callback?code=stolen&state=not-the-state`);
    expect(forged.res.status).toBe(400);
    expect(forged.setCookies.some((c) => c.startsWith('ar_token='))).toBe(false);
  }, 60_000);
});
