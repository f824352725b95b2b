import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { RETRY_AFTER_SECONDS } from '../error-handler';
import { type Authenticator, type Caller, IssuerUnavailable, Unauthenticated } from './authenticator';
import { type Access, ALL_ROLES, ROLES, type Role } from './roles';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route: the roles of which one suffices, or 'public' (health probes only). */
    roles?: Access;
    /**
     * Where a browser signs in (the dashboard's OpenID Connect code flow): a page asked without a
     * valid token (GET, HTML accepted) is sent there instead of answered 401.
     */
    signIn?: string;
  }
  interface FastifyRequest {
    /** The authenticated caller (from the bearer token); set on every route that is not public. */
    caller?: Caller;
  }
}

export const SECURITY_SCHEME = 'bearerAuth';
const REALM = 'receivables';
/** A browser (the dashboard, /docs) may carry the token in this cookie - for reading (GET) only. */
export const TOKEN_COOKIE = 'ar_token';

/** The routes every service serves without a token: probes an orchestrator calls, and /metrics. */
// A letter's recipient verifies its seal with a key they fetch without any account of ours; a
// browser signs in to the dashboard before it has a token.
const PUBLIC_PATHS = new Set([
  '/health',
  '/ready',
  '/metrics',
  '/letters/signing-key',
  '/dashboard/sign-in',
  '/dashboard/callback',
]);

/** What one route asks: its declaration; /docs (the OpenAPI document and its UI) any role. */
function accessOf(route: RouteOptions): Access | undefined {
  if (route.config?.roles) return route.config.roles;
  if (route.url === '/docs' || route.url.startsWith('/docs/')) return ALL_ROLES;
  return undefined;
}

export interface RouteRule {
  method: string;
  url: string;
  access: Access;
}

/**
 * Authentication and roles for every route, in one place (registered before any route): a route
 * must declare who may call it (`config: { roles }`), or the service refuses to start; a request
 * without a valid bearer token is a 401 saying why, one whose token lacks every role the route
 * names a 403 naming them. The roles go into the route's OpenAPI `security`.
 */
export function registerAuthentication(app: FastifyInstance, authenticator: Authenticator): RouteRule[] {
  const rules: RouteRule[] = [];
  app.decorateRequest('caller', undefined);
  app.addHook('onRoute', (route) => {
    const access = accessOf(route);
    const methods = [route.method].flat();
    if (!access) {
      throw new Error(
        `route ${methods.join(',')} ${route.url} declares no roles: add config: { roles: [...] } (packages/platform/src/auth/roles.ts)`,
      );
    }
    if (access === 'public' && !PUBLIC_PATHS.has(route.url))
      throw new Error(`route ${route.url} may not be public: only ${[...PUBLIC_PATHS].join(', ')} are`);
    for (const method of methods) rules.push({ method, url: route.url, access });
    if (access === 'public') return;
    const signIn = route.config?.signIn;
    const refuse = (request: FastifyRequest, reply: FastifyReply, error: Unauthenticated) =>
      signIn && request.method === 'GET' && (request.headers.accept ?? '').includes('text/html')
        ? reply.redirect(signIn)
        : unauthenticated(reply, error);
    const check = async (request: FastifyRequest, reply: FastifyReply) => {
      const token = bearerToken(request);
      if (!token)
        return refuse(
          request,
          reply,
          new Unauthenticated('no bearer token: send Authorization: Bearer <token>', null),
        );
      try {
        request.caller = await authenticator.authenticate(token);
      } catch (error) {
        if (error instanceof Unauthenticated) return refuse(request, reply, error);
        if (error instanceof IssuerUnavailable) {
          request.log.warn({ err: error }, 'token not checked: the issuer is unavailable');
          return reply.code(503).header('retry-after', String(RETRY_AFTER_SECONDS)).send({
            error: 'unavailable',
            message: 'the identity provider cannot be reached to check the token; try again shortly',
          });
        }
        throw error;
      }
      if (!access.some((role) => request.caller!.roles.includes(role))) {
        const message = `needs the role ${access.join(' or ')}; the token carries ${request.caller.roles.join(', ') || 'no role of this platform'}`;
        return reply
          .code(403)
          .header(
            'www-authenticate',
            `Bearer realm="${REALM}", error="insufficient_scope", error_description="${quoted(message)}"`,
          )
          .send({ error: 'forbidden', message, requiredRoles: access });
      }
    };
    route.onRequest = [check, ...[route.onRequest ?? []].flat()];
    if (!route.schema?.hide) {
      const who = `**Roles:** ${access.map((r) => `\`${r}\``).join(', ')} (any one). Without a valid token: 401; without one of these roles: 403.`;
      route.schema = {
        ...route.schema,
        security: [{ [SECURITY_SCHEME]: [...access] }],
        description: [route.schema?.description, who].filter(Boolean).join('\n\n'),
      };
    }
  });
  return rules;
}

/** The bearer token of the request: the Authorization header, or (reads only) the dashboard's cookie. */
function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1];
  }
  // A cookie rides along on any request the browser makes: accepted for reading only (GET/HEAD),
  // so a page elsewhere cannot make a signed-in browser change anything (and it is SameSite=Strict).
  if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
  return cookieOf(request, TOKEN_COOKIE);
}

/** A cookie's value on the request (URI-decoded), or undefined when absent, empty or malformed. */
export function cookieOf(request: FastifyRequest, name: string): string | undefined {
  const cookie = request.headers.cookie
    ?.split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${name}=`));
  if (!cookie) return undefined;
  try {
    return decodeURIComponent(cookie.slice(name.length + 1)) || undefined;
  } catch {
    return undefined; // a malformed %-escape: no such cookie, not an error
  }
}

function unauthenticated(reply: FastifyReply, error: Unauthenticated) {
  const challenge = error.oauthError
    ? `Bearer realm="${REALM}", error="${error.oauthError}", error_description="${quoted(error.message)}"`
    : `Bearer realm="${REALM}"`;
  return reply
    .code(401)
    .header('www-authenticate', challenge)
    .send({ error: 'unauthenticated', message: error.message });
}

/** RFC 6750: error_description is printable ASCII without `"` or `\`. */
function quoted(text: string): string {
  return text.replace(/[^\x20-\x7e]|["\\]/g, "'");
}

/** The caller of a route that is not public (its hook has authenticated it). */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new Error(`no authenticated caller on ${request.method} ${request.url}`);
  return request.caller;
}

/** The OpenAPI security scheme, with the role table as its description. */
export function securitySchemes() {
  const table = Object.entries(ROLES)
    .map(([role, what]) => `- \`${role}\`: ${what}`)
    .join('\n');
  return {
    [SECURITY_SCHEME]: {
      type: 'http' as const,
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: `An OAuth 2 / OpenID Connect access token of the configured issuer (OIDC_ISSUER), for the audience OIDC_AUDIENCE, carrying roles in its \`roles\` claim (or Keycloak's \`realm_access.roles\`). Each operation lists the roles of which one suffices. The roles:\n${table}`,
    },
  };
}

export type { Role };
