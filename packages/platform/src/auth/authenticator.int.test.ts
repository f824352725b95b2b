import { AuthEnv } from './auth-config';
import { Unauthenticated } from './authenticator';
import { DevIssuer } from './dev-issuer';

/**
 * The verifier against an issuer served over HTTP, as against a real one: its discovery document,
 * its remote JWK set, keys rotated while the service runs, roles where Keycloak puts them.
 */
describe('bearer tokens against an issuer over HTTP', () => {
  let issuer: DevIssuer;
  beforeAll(async () => {
    issuer = await DevIssuer.create();
    await issuer.serve(0);
  });
  afterAll(() => issuer.stop());

  it('finds the keys through the discovery document and reads the caller from the token', async () => {
    const auth = issuer.remoteAuthenticator();
    const token = await issuer.token({ roles: ['finance'], subject: 'fay', name: 'Fay Finance' });
    expect(await auth.authenticate(token)).toEqual({
      subject: 'fay',
      name: 'Fay Finance',
      roles: ['finance'],
    });
  });

  it("reads Keycloak's realm roles, and ignores roles the table does not know", async () => {
    const auth = issuer.remoteAuthenticator();
    const token = await issuer.token({
      roles: [],
      subject: 'rita',
      claims: { realm_access: { roles: ['risk', 'offline_access', 'uma_authorization'] } },
    });
    expect((await auth.authenticate(token)).roles).toEqual(['risk']);
    const custom = issuer.remoteAuthenticator({ roleClaims: ['resource_access.receivables.roles'] });
    const clientRoles = await issuer.token({
      roles: ['admin'],
      claims: { resource_access: { receivables: { roles: ['bi'] } } },
    });
    expect((await custom.authenticate(clientRoles)).roles).toEqual(['bi']);
  });

  it('follows a key rotation without a restart: the new key verifies, a withdrawn key no longer does', async () => {
    const auth = issuer.remoteAuthenticator({ jwksCooldownMs: 0 });
    const before = await issuer.token({ roles: ['bi'] });
    await auth.authenticate(before);
    await issuer.rotate();
    const after = await issuer.token({ roles: ['bi'] });
    expect((await auth.authenticate(after)).roles).toEqual(['bi']);
    expect((await auth.authenticate(before)).roles).toEqual(['bi']); // still published
    await issuer.rotate({ dropPrevious: true });
    await auth.authenticate(await issuer.token({ roles: ['bi'] }));
    await expect(auth.authenticate(after)).rejects.toThrow(Unauthenticated);
    await expect(auth.authenticate(after)).rejects.toThrow('signed by a key the issuer does not publish');
  });

  it('a rotated key verifies within the JWK set cooldown (5 s by default), not 30 s after the last fetch', async () => {
    const auth = issuer.remoteAuthenticator(); // the defaults a service runs with
    await auth.authenticate(await issuer.token({ roles: ['bi'] })); // the set fetched just now
    await issuer.rotate();
    const rotated = await issuer.token({ roles: ['bi'] });
    const began = Date.now();
    for (;;) {
      try {
        expect((await auth.authenticate(rotated)).roles).toEqual(['bi']);
        break;
      } catch (error) {
        expect(error).toBeInstanceOf(Unauthenticated); // refused until the cooldown is over
        if (Date.now() - began > 7000) throw new Error('the new key id was still refused after 7 s');
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    expect(Date.now() - began).toBeLessThan(7000);
  }, 20_000);

  it('a withdrawn key stops verifying once the cached set is older than its max age, with nothing else fetching', async () => {
    const auth = issuer.remoteAuthenticator({ jwksMaxAgeMs: 1000 });
    const token = await issuer.token({ roles: ['bi'] });
    expect((await auth.authenticate(token)).roles).toEqual(['bi']);
    await issuer.rotate({ dropPrevious: true }); // no token of the new key is ever shown to it
    await new Promise((r) => setTimeout(r, 1500));
    await expect(auth.authenticate(token)).rejects.toThrow('signed by a key the issuer does not publish');
  });

  it('OIDC_JWKS_COOLDOWN_MS and OIDC_JWKS_MAX_AGE_MS: 5 s and 10 min unless set', () => {
    expect(AuthEnv.parse({})).toMatchObject({ OIDC_JWKS_COOLDOWN_MS: 5000, OIDC_JWKS_MAX_AGE_MS: 600_000 });
    expect(AuthEnv.parse({ OIDC_JWKS_COOLDOWN_MS: '1000', OIDC_JWKS_MAX_AGE_MS: '60000' })).toMatchObject({
      OIDC_JWKS_COOLDOWN_MS: 1000,
      OIDC_JWKS_MAX_AGE_MS: 60_000,
    });
  });

  it('an issuer that does not answer is not the caller fault: IssuerUnavailable, not a 401', async () => {
    const gone = await DevIssuer.create();
    const url = await gone.serve(0);
    const token = await gone.token({ roles: ['bi'] });
    await gone.stop();
    const auth = gone.remoteAuthenticator();
    await expect(auth.authenticate(token)).rejects.toMatchObject({ name: 'IssuerUnavailable' });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('gives a service client its token by client credentials, with the secret only', async () => {
    const token = (secret: string) =>
      fetch(`${issuer.issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`contract:${secret}`).toString('base64')}`,
        },
        body: 'grant_type=client_credentials',
      });
    expect((await token('wrong')).status).toBe(401);
    const granted = (await (await token(issuer.clientSecret)).json()) as { access_token: string };
    expect(await issuer.remoteAuthenticator().authenticate(granted.access_token)).toMatchObject({
      subject: 'service:contract',
      roles: ['service:contract'],
    });
  });
});

describe('the development issuer of several distributed services on one machine', () => {
  it('is served by the first; the next ones verify its tokens with the shared key instead of failing on the port', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { authFromEnv, AuthEnv } = await import('./auth-config');
    const { createServer } = await import('node:net');
    const dataDir = mkdtempSync(join(tmpdir(), 'ar-dev-issuer-'));
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const env = AuthEnv.parse({ AUTH_DEV_MODE: 'true', DEV_ISSUER_PORT: String(port) });
    const logger = (await import('pino')).default({ level: 'silent' });
    const first = await authFromEnv({ development: false, dataDir, logger, service: 'invoicing' }, env);
    try {
      const second = await authFromEnv({ development: false, dataDir, logger, service: 'collections' }, env);
      expect(second.devIssuer).toBeUndefined(); // the first one's to serve and stop
      const token = await first.devIssuer!.token({ roles: ['collector'], subject: 'li' });
      await expect(second.auth.authenticate(token)).resolves.toMatchObject({
        subject: 'li',
        roles: ['collector'],
      });
    } finally {
      await first.devIssuer?.stop();
    }
  });
});
