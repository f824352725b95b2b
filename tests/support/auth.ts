import { ALL_ROLES, type Authenticator, DevIssuer, devServiceTokens, type Role } from '@ar/platform';

/**
 * The tests' OpenID issuer: a development issuer with its own key, made once per test process.
 * Services started by tests trust it (`auth: testAuth`); `call` and `authHeaders` send its tokens.
 */
const issuer = DevIssuer.create({ issuer: 'https://issuer.test.invalid', audience: 'receivables' });
let verifier: Authenticator | undefined;

export const testIssuer = () => issuer;

/** What a service started by a test verifies tokens with (the test issuer's keys, in-process). */
export const testAuth: Authenticator = {
  issuer: 'https://issuer.test.invalid',
  audience: 'receivables',
  development: true,
  // A service calling another (contract -> credit-scoring) gets its token from the test issuer.
  serviceTokens: devServiceTokens(issuer),
  async authenticate(token) {
    verifier ??= (await issuer).authenticator();
    return verifier.authenticate(token);
  },
};

const cached = new Map<string, Promise<string>>();

/** A token of the test issuer for a person or client with these roles (every role by default). */
export function tokenFor(
  roles: readonly Role[] = ALL_ROLES,
  subject = 'test-user',
  name?: string,
): Promise<string> {
  const key = JSON.stringify([roles, subject, name]);
  let token = cached.get(key);
  if (!token) {
    token = issuer.then((i) => i.token({ roles, subject, ...(name ? { name } : {}) }));
    cached.set(key, token);
  }
  return token;
}

/** `authorization: Bearer ...` for a caller with these roles (every role by default). */
export async function authHeaders(
  roles: readonly Role[] = ALL_ROLES,
  subject?: string,
  name?: string,
): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await tokenFor(roles, subject, name)}` };
}

let served: Promise<{ issuer: DevIssuer; env: Record<string, string> }> | undefined;

/**
 * For services run as processes of their own: a development issuer served over HTTP on a free
 * port (discovery, JWK set, client-credentials token endpoint), which the processes trust through
 * `env` (OIDC_ISSUER, OIDC_AUDIENCE, OIDC_CLIENT_SECRET) exactly as they would a real one.
 * `servedAuthHeaders` makes its tokens.
 */
export function servedTestIssuer(): Promise<{ issuer: DevIssuer; env: Record<string, string> }> {
  served ??= (async () => {
    const issuer = await DevIssuer.create({ audience: 'receivables' });
    const url = await issuer.serve(0);
    return {
      issuer,
      env: { OIDC_ISSUER: url, OIDC_AUDIENCE: issuer.audience, OIDC_CLIENT_SECRET: issuer.clientSecret },
    };
  })();
  return served;
}

/** `authorization: Bearer ...` of the served issuer (every role by default). */
export async function servedAuthHeaders(
  roles: readonly Role[] = ALL_ROLES,
  subject = 'test-user',
): Promise<{ authorization: string }> {
  const { issuer } = await servedTestIssuer();
  return { authorization: `Bearer ${await issuer.token({ roles, subject })}` };
}
