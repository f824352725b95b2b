import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { isRole, type Role } from './roles';
import type { ServiceTokens } from './service-tokens';

/** Who calls: the token's subject, name and the roles of our table it carries. */
export interface Caller {
  subject: string;
  name?: string | undefined;
  roles: Role[];
}

/** Why a request was not authenticated, in words the caller can act on (the 401's reason). */
export class Unauthenticated extends Error {
  override readonly name = 'Unauthenticated';
  constructor(
    message: string,
    /** RFC 6750: `invalid_token`, or null when no credentials were sent (the challenge names no error). */
    readonly oauthError: 'invalid_token' | null = 'invalid_token',
  ) {
    super(message);
  }
}

/** The issuer's keys could not be had (its JWKS endpoint down): not the caller's fault, a 503. */
export class IssuerUnavailable extends Error {
  override readonly name = 'IssuerUnavailable';
}

export interface Authenticator {
  /** Verifies a bearer token: signature by the issuer's current keys, issuer, audience, expiry. */
  authenticate(token: string): Promise<Caller>;
  /** What the service trusts, for the log and the OpenAPI document. */
  readonly issuer: string;
  readonly audience: string;
  readonly development: boolean;
  /** How a service of this deployment gets its own token for calling another (client credentials). */
  serviceTokens?: ServiceTokens | undefined;
}

/**
 * Asymmetric algorithms only (RFC 8725 §3.1: never `none`, never a shared secret the verifier
 * also holds, never whatever the token's header says): RSA, RSA-PSS, ECDSA, EdDSA.
 */
export const ALLOWED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'EdDSA',
];
/** Clocks of issuer and service differ a little: expiry and not-before are checked with this leeway. */
export const CLOCK_TOLERANCE_SECONDS = 30;
/** Where the roles are in a token: our own `roles` claim, and Keycloak's realm roles. */
export const DEFAULT_ROLE_CLAIMS = ['roles', 'realm_access.roles'];

export interface OidcOptions {
  issuer: string;
  audience: string;
  /** The issuer's JWK set; by default the `jwks_uri` of its discovery document. */
  jwksUrl?: string | undefined;
  /** Dot paths of the claims holding roles (e.g. `roles`, `realm_access.roles`, `resource_access.ar.roles`). */
  roleClaims?: string[];
  development?: boolean;
  /** How soon after a fetch an unknown key id may fetch the JWK set again (OIDC_JWKS_COOLDOWN_MS, 5 s). */
  jwksCooldownMs?: number;
  /** How long a fetched JWK set is used before it is fetched again on use (OIDC_JWKS_MAX_AGE_MS, 10 min). */
  jwksMaxAgeMs?: number;
}

export const DEFAULT_JWKS_COOLDOWN_MS = 5000;
export const DEFAULT_JWKS_MAX_AGE_MS = 10 * 60_000;

/**
 * Bearer JWTs of an OpenID Connect issuer, checked with `jose` against its remote JWK set: a key
 * id the set does not know makes jose fetch the set again (at most once per cooldown, 5 s), so a
 * rotated signing key verifies within seconds without a restart; and a set older than its max age
 * (10 min) is fetched again before it is used, so a key the issuer withdrew stops verifying
 * within that even when no new key id comes along to cause a fetch.
 */
export function oidcAuthenticator(options: OidcOptions): Authenticator {
  let keys: Promise<JWTVerifyGetKey> | undefined;
  const resolveKeys = () => {
    keys ??= (async () =>
      createRemoteJWKSet(new URL(options.jwksUrl ?? (await discoverJwksUrl(options.issuer))), {
        timeoutDuration: 5000,
        cooldownDuration: options.jwksCooldownMs ?? DEFAULT_JWKS_COOLDOWN_MS,
        cacheMaxAge: options.jwksMaxAgeMs ?? DEFAULT_JWKS_MAX_AGE_MS,
      }))();
    // A failed discovery is tried again by the next request rather than remembered.
    keys.catch(() => {
      keys = undefined;
    });
    return keys;
  };
  return authenticatorWith(options, async (header, token) => (await resolveKeys())(header, token));
}

/** The same checks against keys held in this process (the development issuer's, tests'). */
export function localAuthenticator(options: OidcOptions, jwks: JSONWebKeySet): Authenticator {
  return authenticatorWith(options, createLocalJWKSet(jwks));
}

async function discoverJwksUrl(issuer: string): Promise<string> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  } catch (error) {
    throw new IssuerUnavailable(
      `the issuer's discovery document ${url} did not answer: ${(error as Error).message}`,
    );
  }
  if (!response.ok)
    throw new IssuerUnavailable(`the issuer's discovery document ${url} answered ${response.status}`);
  const document = (await response.json()) as { jwks_uri?: unknown; issuer?: unknown };
  if (document.issuer !== issuer)
    throw new IssuerUnavailable(
      `the discovery document at ${url} names issuer ${String(document.issuer)}, not ${issuer}`,
    );
  if (typeof document.jwks_uri !== 'string') throw new IssuerUnavailable(`no jwks_uri in ${url}`);
  return document.jwks_uri;
}

/** How many verified tokens an authenticator remembers (the oldest forgotten first). */
export const VERIFIED_TOKENS_KEPT = 10_000;

function authenticatorWith(options: OidcOptions, keys: JWTVerifyGetKey): Authenticator {
  const roleClaims = options.roleClaims ?? DEFAULT_ROLE_CLAIMS;
  /**
   * Tokens verified already (#17: a client sends the same bearer token with every request, and
   * checking its signature cost ~1 ms of CPU per request): the caller, the key the signature was
   * checked with, and until when the token is valid (its expiry and the clock tolerance). A
   * token is taken from here only while the issuer's keys still give that same key for it - the
   * key lookup runs as for a full check, so a rotated, withdrawn or stale JWK set (refetched
   * after its max age) makes it a full check again - and before its expiry.
   */
  const verified = new Map<string, { caller: Caller; key: unknown; until: number }>();
  const keyOf = async (token: string): Promise<unknown> => {
    try {
      return await keys(decodeProtectedHeader(token) as Parameters<JWTVerifyGetKey>[0], undefined as never);
    } catch {
      return undefined;
    }
  };
  return {
    issuer: options.issuer,
    audience: options.audience,
    development: options.development ?? false,
    async authenticate(token) {
      const known = verified.get(token);
      if (known) {
        if (Date.now() < known.until && (await keyOf(token)) === known.key)
          return { ...known.caller, roles: [...known.caller.roles] };
        verified.delete(token);
      }
      const caller = await verify(token);
      if (verified.size >= VERIFIED_TOKENS_KEPT) verified.delete(verified.keys().next().value!);
      verified.set(token, caller);
      return { ...caller.caller, roles: [...caller.caller.roles] };
    },
  };

  async function verify(token: string): Promise<{ caller: Caller; key: unknown; until: number }> {
    let payload: JWTPayload;
    let key: unknown;
    const recordingKeys: JWTVerifyGetKey = async (header, input) => {
      key = await keys(header, input);
      return key as Awaited<ReturnType<JWTVerifyGetKey>>;
    };
    try {
      ({ payload } = await jwtVerify(token, recordingKeys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ALLOWED_ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      throw reasonOf(error);
    }
    const roles = new Set<Role>();
    for (const path of roleClaims) {
      const value = path
        .split('.')
        .reduce<unknown>((at, key) => (at as Record<string, unknown>)?.[key], payload);
      if (Array.isArray(value)) for (const role of value) if (isRole(role)) roles.add(role);
    }
    const subject = payload.sub as string;
    // The subject is the actor recorded with every command: it names someone, in text PostgreSQL
    // can store (a NUL was a 500 on every command; "" was recorded as the actor).
    if (subject === '') throw new Unauthenticated("the token's sub claim is empty: it must name the caller");
    if (CONTROL.test(subject))
      throw new Unauthenticated(
        "the token's sub claim holds a control character (U+0000 to U+001F or U+007F to U+009F)",
      );
    const name = [payload.name, payload.preferred_username, payload.azp]
      .map((v) => (typeof v === 'string' ? v.replace(CONTROLS, '') : undefined))
      .find((v) => v !== undefined && v.trim() !== '');
    return {
      caller: { subject, name, roles: [...roles] },
      key,
      until: ((payload.exp as number) + CLOCK_TOLERANCE_SECONDS) * 1000,
    };
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is looked for
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/** jose's failures in the words of a 401 (or a 503 when the issuer's keys cannot be fetched). */
function reasonOf(error: unknown): Error {
  if (error instanceof IssuerUnavailable) return error;
  if (error instanceof errors.JWTExpired) return new Unauthenticated('the token has expired');
  if (error instanceof errors.JWTClaimValidationFailed)
    return new Unauthenticated(`the token's ${error.claim} claim is not accepted: ${error.message}`);
  if (error instanceof errors.JWKSNoMatchingKey)
    return new Unauthenticated('the token is signed by a key the issuer does not publish');
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return new Unauthenticated('the token signature does not verify');
  if (error instanceof errors.JOSEAlgNotAllowed)
    return new Unauthenticated(
      `the token's algorithm is not allowed (allowed: ${ALLOWED_ALGORITHMS.join(', ')})`,
    );
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid)
    return new IssuerUnavailable(`the issuer's keys could not be fetched: ${(error as Error).message}`);
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported
  )
    return new Unauthenticated(`the token is malformed: ${(error as Error).message}`);
  if (error instanceof errors.JOSEError)
    return new Unauthenticated(`the token is not accepted: ${error.message}`);
  // fetch failing (the JWKS endpoint refused or unreachable)
  return new IssuerUnavailable(`the issuer's keys could not be fetched: ${(error as Error).message}`);
}
