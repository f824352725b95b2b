import { AuthEnv, cookieOf, loadConfig, type ServiceHttpApp, TOKEN_COOKIE } from '@ar/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import * as oidc from 'openid-client';
import { z } from 'zod';

/**
 * The dashboard's sign-in at the company's OpenID provider (issue 15 item 5): the authorization
 * code flow with PKCE (openid-client). A browser asking a dashboard page without a token is sent
 * to `/dashboard/sign-in`, which sends it to the provider; the provider sends it back to
 * `/dashboard/callback` with a code, exchanged here for the person's access token, kept in the
 * browser as the `ar_token` cookie (HttpOnly, SameSite=Strict, for reading only, as the
 * development issuer's sign-in does). Configured by DASHBOARD_OIDC_CLIENT_ID (a client of
 * OIDC_ISSUER allowed the code flow to <DASHBOARD_URL>/dashboard/callback) and, for a confidential
 * client, DASHBOARD_OIDC_CLIENT_SECRET; without them the routes say how to sign in instead.
 */
export const DashboardSignInEnv = z.object({
  DASHBOARD_OIDC_CLIENT_ID: z.string().min(1).optional(),
  DASHBOARD_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** The dashboard's address as browsers reach it (behind a proxy); default: the request's own. */
  DASHBOARD_URL: z.string().url().optional(),
});

export const SIGN_IN_PATH = '/dashboard/sign-in';
const CALLBACK_PATH = '/dashboard/callback';
/** The flow's state and PKCE verifier, between the two legs (10 minutes). */
const FLOW_COOKIE = 'ar_sign_in';
const FLOW_SECONDS = 600;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

interface Flow {
  state: string;
  verifier: string;
}

/**
 * Registers the sign-in routes; answers the path a dashboard page sends a browser without a token
 * to when a provider is configured (else undefined: such a browser gets the 401).
 */
export function dashboardSignInRoutes(app: ServiceHttpApp): string | undefined {
  const env = loadConfig(DashboardSignInEnv);
  const issuer = loadConfig(AuthEnv).OIDC_ISSUER;
  let discovered: Promise<oidc.Configuration> | undefined;
  const configuration = () => {
    discovered ??= oidc
      .discovery(
        new URL(issuer!),
        env.DASHBOARD_OIDC_CLIENT_ID!,
        env.DASHBOARD_OIDC_CLIENT_SECRET,
        env.DASHBOARD_OIDC_CLIENT_SECRET ? undefined : oidc.None(),
        // An issuer inside the network may speak plain HTTP, as the services do.
        new URL(issuer!).protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((error) => {
        discovered = undefined; // asked again next time
        throw error;
      });
    return discovered;
  };
  /**
   * Where the provider sends the browser back: DASHBOARD_URL; without it the request's own
   * address, but only on this machine (a Host header names any site, so a deployment reached by
   * name says where it is).
   */
  const base = (request: FastifyRequest): string | undefined => {
    if (env.DASHBOARD_URL) return env.DASHBOARD_URL.replace(/\/$/, '');
    return LOOPBACK.has(request.hostname) ? `${request.protocol}://${request.host}` : undefined;
  };
  const noBase = (reply: FastifyReply) =>
    reply.code(400).send({
      error: 'bad_request',
      message: 'the dashboard is reached by another name than this machine: set DASHBOARD_URL to its address',
    });
  const notConfigured = (reply: FastifyReply) =>
    reply.code(404).send({
      error: 'not_found',
      message:
        'no sign-in at an OpenID provider is configured (DASHBOARD_OIDC_CLIENT_ID with OIDC_ISSUER): sign in at the development issuer, or send a bearer token',
    });
  const unavailable = (request: FastifyRequest, reply: FastifyReply, error: unknown) => {
    request.log.warn({ err: error }, 'dashboard sign-in: the OpenID provider cannot be reached');
    return reply.code(503).header('retry-after', '5').send({
      error: 'unavailable',
      message: 'the identity provider cannot be reached; try again shortly',
    });
  };

  app.get(SIGN_IN_PATH, { config: { roles: 'public' }, schema: { hide: true } }, async (request, reply) => {
    if (!issuer || !env.DASHBOARD_OIDC_CLIENT_ID) return notConfigured(reply);
    let config: oidc.Configuration;
    try {
      config = await configuration();
    } catch (error) {
      return unavailable(request, reply, error);
    }
    const origin = base(request);
    if (!origin) return noBase(reply);
    const flow: Flow = { state: oidc.randomState(), verifier: oidc.randomPKCECodeVerifier() };
    const target = oidc.buildAuthorizationUrl(config, {
      redirect_uri: `${origin}${CALLBACK_PATH}`,
      scope: 'openid',
      state: flow.state,
      code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
    });
    // Lax: the provider's redirect back is a top-level navigation from another site.
    return reply
      .header(
        'set-cookie',
        `${FLOW_COOKIE}=${Buffer.from(JSON.stringify(flow)).toString('base64url')}; Path=${CALLBACK_PATH}; Max-Age=${FLOW_SECONDS}; HttpOnly; SameSite=Lax`,
      )
      .redirect(target.href);
  });

  app.get(CALLBACK_PATH, { config: { roles: 'public' }, schema: { hide: true } }, async (request, reply) => {
    if (!issuer || !env.DASHBOARD_OIDC_CLIENT_ID) return notConfigured(reply);
    const flow = flowOf(request);
    const clear = `${FLOW_COOKIE}=; Path=${CALLBACK_PATH}; Max-Age=0; HttpOnly; SameSite=Lax`;
    if (!flow)
      return reply
        .code(400)
        .header('set-cookie', clear)
        .send({
          error: 'bad_request',
          message: `no sign-in under way in this browser (or it took longer than ${FLOW_SECONDS / 60} minutes): start again at ${SIGN_IN_PATH}`,
        });
    let config: oidc.Configuration;
    try {
      config = await configuration();
    } catch (error) {
      return unavailable(request, reply, error);
    }
    const origin = base(request);
    if (!origin) return noBase(reply);
    let tokens: oidc.TokenEndpointResponse;
    try {
      tokens = await oidc.authorizationCodeGrant(config, new URL(`${origin}${request.url}`), {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
      });
    } catch (error) {
      request.log.warn({ err: error }, 'dashboard sign-in refused');
      return reply
        .code(400)
        .header('set-cookie', clear)
        .send({
          error: 'bad_request',
          message: `sign-in refused: ${(error as Error).message}; start again at ${SIGN_IN_PATH}`,
        });
    }
    const maxAge = Math.max(60, Math.min(tokens.expires_in ?? 600, 8 * 3600));
    // A page that moves on by itself: the cookie (SameSite=Strict) goes along only on a navigation
    // this site starts, not on a redirect at the end of the provider's.
    return reply
      .header('set-cookie', [
        clear,
        `${TOKEN_COOKIE}=${encodeURIComponent(tokens.access_token)}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict`,
      ])
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(
        '<!doctype html><meta http-equiv="refresh" content="0;url=/dashboard/"><title>Signed in</title><p>Signed in. <a href="/dashboard/">Open the dashboard</a>.</p>',
      );
  });
  return issuer && env.DASHBOARD_OIDC_CLIENT_ID ? SIGN_IN_PATH : undefined;
}

function flowOf(request: FastifyRequest): Flow | undefined {
  const raw = cookieOf(request, FLOW_COOKIE);
  if (!raw) return undefined;
  try {
    const flow = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Flow>;
    return typeof flow.state === 'string' && typeof flow.verifier === 'string'
      ? { state: flow.state, verifier: flow.verifier }
      : undefined;
  } catch {
    return undefined;
  }
}
