import { runScript } from './own-servers';

/** infra/keycloak/realm-ar.json's development secret of the contract service's client. */
export const CONTRACT_CLIENT_SECRET = 'contract-development-secret';
/** The public client of realm `ar` (and `other`) that may use the password grant: tests only. */
export const CLI_CLIENT = 'receivables-cli';
/** What the realms' audience mapper puts in `aud`. */
export const KEYCLOAK_AUDIENCE = 'receivables';

/** How long infra/keycloak/start.sh may take (it waits for a start already under way, CI's early one). */
const START_WITHIN_MS = 300_000;
/** How long a Keycloak named by KEYCLOAK_URL may take to answer: it is said to run. */
const ANSWER_WITHIN_MS = 30_000;

export interface Keycloak {
  url: string;
  /** A realm's issuer: exactly its tokens' `iss`. */
  issuer(realm?: string): string;
  /** A person's access token: the password grant of `receivables-cli` (user = role, password `<role>-password`). */
  userToken(username: string, realm?: string): Promise<string>;
  /** A client's access token by client credentials. */
  clientToken(clientId: string, secret: string, realm?: string): Promise<string>;
}

async function servesRealm(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/realms/ar/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(5000),
    });
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * The real Keycloak of infra/keycloak: KEYCLOAK_URL when given (one running with realm `ar`), else
 * the one infra/keycloak/start.sh starts, finds running, or waits for (CI starts it early, in the
 * background). Never a skip: without a Keycloak the test fails, with the reason.
 */
export async function keycloak(): Promise<Keycloak> {
  let url = process.env.KEYCLOAK_URL?.replace(/\/$/, '');
  if (url) {
    const deadline = Date.now() + ANSWER_WITHIN_MS;
    while (!(await servesRealm(url))) {
      if (Date.now() > deadline)
        throw new Error(`KEYCLOAK_URL=${url} does not serve realm ar (infra/keycloak/start.sh starts one)`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  } else {
    url = await runScript('keycloak/start.sh', {}, START_WITHIN_MS);
    if (!url.startsWith('http')) throw new Error(`infra/keycloak/start.sh printed ${url}`);
  }
  const base = url;
  const issuer = (realm = 'ar') => `${base}/realms/${realm}`;
  const token = async (realm: string, form: Record<string, string>, basic?: string) => {
    const res = await fetch(`${issuer(realm)}/protocol/openid-connect/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(basic ? { authorization: `Basic ${Buffer.from(basic).toString('base64')}` } : {}),
      },
      body: new URLSearchParams(form),
    });
    const body = (await res.json()) as { access_token?: string; error_description?: string };
    if (!res.ok || !body.access_token)
      throw new Error(`Keycloak refused a token (${res.status}): ${body.error_description ?? ''}`);
    return body.access_token;
  };
  return {
    url: base,
    issuer,
    userToken: (username, realm = 'ar') =>
      token(realm, {
        grant_type: 'password',
        client_id: CLI_CLIENT,
        username,
        password: `${username}-password`,
      }),
    clientToken: (clientId, secret, realm = 'ar') =>
      token(realm, { grant_type: 'client_credentials' }, `${clientId}:${secret}`),
  };
}
