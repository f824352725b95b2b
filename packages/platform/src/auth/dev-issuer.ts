import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import {
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  SignJWT,
} from 'jose';
import { type Authenticator, localAuthenticator, type OidcOptions, oidcAuthenticator } from './authenticator';
import { TOKEN_COOKIE } from './http-auth';
import { ALL_ROLES, isRole, ROLES, type Role } from './roles';
import { devServiceTokens, serviceRoles } from './service-tokens';

export const DEV_AUDIENCE = 'receivables';

export interface TokenRequest {
  roles: readonly Role[];
  /** The person or client: `sub`. */
  subject?: string;
  name?: string;
  /** Lifetime; 8 hours by default (a working day). */
  expiresInSeconds?: number;
  /** Other claims (a Keycloak-shaped `realm_access`, ...). */
  claims?: Record<string, unknown>;
  /** Tests make tokens that a verifier must refuse. */
  issuer?: string;
  audience?: string;
}

/**
 * A DEVELOPMENT-ONLY OpenID issuer: its own ES256 key (kept in a file so tokens outlive a
 * restart), its JWK set and discovery document served on a local port, tokens minted for any
 * role on request. The embedded `pnpm start` and the tests use it; distributed services trust
 * only the configured issuer (OIDC_ISSUER) unless explicitly started in development mode.
 */
export class DevIssuer {
  private server?: Server;
  /** The secret every service client presents at this issuer's token endpoint (client credentials). */
  readonly clientSecret = randomUUID();
  private constructor(
    private signingKey: CryptoKey,
    private publicJwk: JWK,
    public issuer: string,
    readonly audience: string,
    private previousKeys: JWK[] = [],
  ) {}

  static async create(
    options: { issuer?: string; audience?: string; keyFile?: string } = {},
  ): Promise<DevIssuer> {
    const issuer = options.issuer ?? 'http://127.0.0.1/dev-issuer';
    const audience = options.audience ?? DEV_AUDIENCE;
    if (options.keyFile && existsSync(options.keyFile)) {
      const saved = JSON.parse(readFileSync(options.keyFile, 'utf8')) as { privateJwk: JWK };
      const { d: _d, ...publicJwk } = saved.privateJwk;
      const key = (await importJWK(saved.privateJwk, 'ES256')) as CryptoKey;
      return new DevIssuer(key, publicJwk, issuer, audience);
    }
    const { key, publicJwk, privateJwk } = await newKey();
    if (options.keyFile) {
      mkdirSync(dirname(options.keyFile), { recursive: true });
      writeFileSync(options.keyFile, JSON.stringify({ privateJwk }), { mode: 0o600 });
    }
    return new DevIssuer(key, publicJwk, issuer, audience);
  }

  /** The JWK set a verifier trusts: the current key and, after a rotation, the previous ones. */
  jwks(): JSONWebKeySet {
    return { keys: [this.publicJwk, ...this.previousKeys] };
  }

  /** A new signing key; the old stays published (tokens it signed stay valid until they expire). */
  async rotate(options: { dropPrevious?: boolean } = {}): Promise<void> {
    const { key, publicJwk } = await newKey();
    this.previousKeys = options.dropPrevious ? [] : [this.publicJwk, ...this.previousKeys];
    this.signingKey = key;
    this.publicJwk = publicJwk;
  }

  async token(request: TokenRequest): Promise<string> {
    const subject = request.subject ?? `dev-${request.roles.join('+') || 'nobody'}`;
    return new SignJWT({ roles: [...request.roles], name: request.name ?? subject, ...request.claims })
      .setProtectedHeader({ alg: 'ES256', kid: this.publicJwk.kid!, typ: 'at+jwt' })
      .setIssuer(request.issuer ?? this.issuer)
      .setAudience(request.audience ?? this.audience)
      .setSubject(subject)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${request.expiresInSeconds ?? 8 * 3600}s`)
      .sign(this.signingKey);
  }

  /** Verifies against the keys in this process (tests; one process). */
  authenticator(): Authenticator {
    return {
      ...localAuthenticator({ issuer: this.issuer, audience: this.audience, development: true }, this.jwks()),
      serviceTokens: devServiceTokens(this),
    };
  }

  /**
   * Serves the discovery document and the JWK set over HTTP (127.0.0.1 only), so services verify
   * exactly as against a real issuer (remote JWK set, key rotation); the issuer becomes its URL.
   */
  async serve(
    port = 0,
    host = '127.0.0.1',
    dashboardUrl = 'http://127.0.0.1:4105/dashboard/',
  ): Promise<string> {
    const server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://x');
      const send = (status: number, body: unknown) =>
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const fail = (error: unknown) => send(500, { error: 'server_error', error_description: String(error) });
      if (url.pathname === '/.well-known/openid-configuration')
        return send(200, {
          issuer: this.issuer,
          jwks_uri: `${this.issuer}/jwks`,
          token_endpoint: `${this.issuer}/token`,
          grant_types_supported: ['client_credentials'],
          id_token_signing_alg_values_supported: ['ES256'],
          description: 'DEVELOPMENT ONLY issuer of the receivables platform: never trust it in production',
        });
      if (url.pathname === '/jwks') return send(200, this.jwks());
      if (url.pathname === '/token' && request.method === 'POST') {
        let body = '';
        request.on('data', (chunk) => {
          body += chunk;
        });
        request.on('end', () => {
          const form = new URLSearchParams(body);
          const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? '')?.[1];
          const [id, secret] = basic
            ? Buffer.from(basic, 'base64').toString().split(':').map(decodeURIComponent)
            : [form.get('client_id'), form.get('client_secret')];
          if (form.get('grant_type') !== 'client_credentials' || !id || secret !== this.clientSecret)
            return send(401, { error: 'invalid_client' });
          this.token({ roles: serviceRoles(id), subject: `service:${id}`, expiresInSeconds: 3600 }).then(
            (token) => send(200, { access_token: token, token_type: 'Bearer', expires_in: 3600 }),
            fail,
          );
        });
        return;
      }
      // The dashboard's sign-in, development only: pick a role, get its token as a cookie.
      if (url.pathname === '/') {
        const links = ALL_ROLES.filter((r) => !r.startsWith('service:'))
          .map((r) => `<li><a href="/sign-in?role=${r}">${r}</a>: ${ROLES[r]}</li>`)
          .join('');
        return response
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(
            `<!doctype html><title>Development sign-in</title><h1>DEVELOPMENT ONLY sign-in</h1><p>Signs this browser in to the receivables platform on 127.0.0.1 with a token for the role you pick (8 hours).</p><ul>${links}</ul>`,
          );
      }
      if (url.pathname === '/sign-in') {
        const role = url.searchParams.get('role');
        if (!isRole(role)) return send(400, { error: 'unknown role' });
        const back = url.searchParams.get('redirect') ?? dashboardUrl;
        this.token({ roles: [role], subject: `dev-${role}` }).then((token) => {
          response
            .writeHead(303, {
              // Only back to this machine: the sign-in is no open redirect.
              location: back.startsWith('http://127.0.0.1:') ? back : dashboardUrl,
              'set-cookie': `${TOKEN_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=28800`,
            })
            .end();
        }, fail);
        return;
      }
      return send(404, { error: 'not_found' });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    // Serving the keys never keeps a process alive on its own: the services do.
    server.unref();
    this.server = server;
    this.issuer = `http://${host}:${(server.address() as AddressInfo).port}`;
    return this.issuer;
  }

  /** A verifier of the served issuer, through its discovery document and remote JWK set. */
  remoteAuthenticator(options: Partial<OidcOptions> = {}): Authenticator {
    return {
      ...oidcAuthenticator({ issuer: this.issuer, audience: this.audience, development: true, ...options }),
      serviceTokens: devServiceTokens(this),
    };
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function newKey() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = randomUUID();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' };
  return { key: privateKey, publicJwk, privateJwk };
}
