import { DependencyUnavailable } from '@ar/kernel';
import type { DevIssuer } from './dev-issuer';
import { isRole, type Role } from './roles';

/**
 * A service's own access token, for what it asks of another service (contract's credit checks):
 * the caller there is the service (`service:contract`), checked like any other caller.
 */
export interface ServiceTokens {
  tokenFor(service: string): Promise<string>;
}

/** The service's role in the role table (`service:contract`), if it has one. */
export function serviceRoles(service: string): Role[] {
  const role = `service:${service}`;
  return isRole(role) ? [role] : [];
}

/** The development issuer mints the service's token itself (embedded mode, tests). */
export function devServiceTokens(issuer: Promise<DevIssuer> | DevIssuer): ServiceTokens {
  return {
    async tokenFor(service) {
      return (await issuer).token({
        roles: serviceRoles(service),
        subject: `service:${service}`,
        expiresInSeconds: 3600,
      });
    },
  };
}

/**
 * OAuth 2 client credentials (RFC 6749 §4.4) at the issuer's token endpoint (OIDC_TOKEN_URL, or the
 * discovery document's), with the service's OIDC_CLIENT_ID / OIDC_CLIENT_SECRET; a token is reused
 * until a minute before it expires.
 */
export function clientCredentialsTokens(options: {
  issuer: string;
  /** The client; by default the calling service's name (one process running several: each its own). */
  clientId?: string | undefined;
  clientSecret: string;
  audience?: string;
  tokenUrl?: string | undefined;
}): ServiceTokens {
  const cache = new Map<string, { token: string; until: number }>();
  const tokenUrl = async () => {
    if (options.tokenUrl) return options.tokenUrl;
    const response = await fetch(`${options.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(5000),
    });
    const document = (await response.json()) as { token_endpoint?: string };
    if (!document.token_endpoint)
      throw new Error(`no token_endpoint in ${options.issuer}'s discovery document`);
    return document.token_endpoint;
  };
  return {
    async tokenFor(service) {
      const clientId = options.clientId ?? service;
      const cached = cache.get(clientId);
      if (cached && cached.until > Date.now()) return cached.token;
      try {
        const response = await fetch(await tokenUrl(), {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(options.clientSecret)}`).toString('base64')}`,
          },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            ...(options.audience ? { audience: options.audience } : {}),
          }),
          signal: AbortSignal.timeout(5000),
        });
        if (!response.ok) throw new Error(`the token endpoint answered ${response.status}`);
        const body = (await response.json()) as { access_token: string; expires_in?: number };
        cache.set(clientId, {
          token: body.access_token,
          until: Date.now() + ((body.expires_in ?? 300) - 60) * 1000,
        });
        return body.access_token;
      } catch (error) {
        throw new DependencyUnavailable(
          'IDENTITY_PROVIDER_UNAVAILABLE',
          `no service token from the identity provider: ${(error as Error).message}`,
        );
      }
    },
  };
}
