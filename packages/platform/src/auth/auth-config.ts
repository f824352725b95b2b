import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../config';
import { privateKeyFolder } from '../private-folder';
import {
  type Authenticator,
  DEFAULT_JWKS_COOLDOWN_MS,
  DEFAULT_JWKS_MAX_AGE_MS,
  DEFAULT_ROLE_CLAIMS,
  oidcAuthenticator,
} from './authenticator';
import { DEV_AUDIENCE, DevIssuer } from './dev-issuer';
import { ROLES } from './roles';
import { clientCredentialsTokens } from './service-tokens';

/**
 * Whose tokens a service trusts. OIDC_ISSUER (the issuer's URL, exactly as in its tokens' `iss`),
 * OIDC_AUDIENCE (what `aud` must contain), OIDC_JWKS_URL (else the discovery document's
 * `jwks_uri`), OIDC_ROLE_CLAIMS (dot paths, comma-separated). AUTH_DEV_MODE=true without an
 * issuer runs the development issuer instead (never in production).
 */
export const AuthEnv = z.object({
  OIDC_ISSUER: z.string().url('must be the issuer URL, as in its tokens').optional(),
  OIDC_AUDIENCE: z.string().min(1).default(DEV_AUDIENCE),
  OIDC_JWKS_URL: z.string().url().optional(),
  OIDC_ROLE_CLAIMS: z
    .string()
    .default(DEFAULT_ROLE_CLAIMS.join(','))
    .transform((s) =>
      s
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    ),
  /** This service's own client (client credentials), for what it asks of other services. */
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_TOKEN_URL: z.string().url().optional(),
  /** A new key id waits at most this long for the JWK set to be fetched again (key rotation). */
  OIDC_JWKS_COOLDOWN_MS: z.coerce.number().int().min(0).default(DEFAULT_JWKS_COOLDOWN_MS),
  /** A withdrawn key verifies at most this long after the JWK set was last fetched. */
  OIDC_JWKS_MAX_AGE_MS: z.coerce.number().int().min(1000).default(DEFAULT_JWKS_MAX_AGE_MS),
  AUTH_DEV_MODE: z.enum(['true', 'false']).default('false'),
  DEV_ISSUER_PORT: z.coerce.number().int().min(0).max(65535).default(4100),
});
export type AuthEnv = z.infer<typeof AuthEnv>;

export interface AuthSetup {
  auth: Authenticator;
  /** The development issuer this process runs, if any (stopped with the process). */
  devIssuer?: DevIssuer;
}

/** Where the development issuer keeps its key: tokens from `pnpm token` verify across restarts. */
export function devIssuerKeyFile(dataDir: string): string {
  return join(dataDir, 'dev-issuer', 'signing-key.json');
}

export function devIssuerUrl(port: number): string {
  return `http://127.0.0.1:${port}`;
}

/**
 * The configured issuer; without one, the development issuer when `development` is allowed (the
 * embedded default, or AUTH_DEV_MODE=true), else a refusal to start.
 */
export async function authFromEnv(
  options: { development: boolean; dataDir: string; logger: Logger; service?: string | undefined },
  env: AuthEnv = loadConfig(AuthEnv),
): Promise<AuthSetup> {
  if (env.OIDC_ISSUER) {
    options.logger.info(
      { issuer: env.OIDC_ISSUER, audience: env.OIDC_AUDIENCE, jwks: env.OIDC_JWKS_URL ?? '(discovery)' },
      'authentication: bearer tokens of the configured OpenID issuer',
    );
    // The service's client at the issuer: OIDC_CLIENT_ID, by default the service's name.
    const serviceTokens = env.OIDC_CLIENT_SECRET
      ? clientCredentialsTokens({
          issuer: env.OIDC_ISSUER,
          clientId: env.OIDC_CLIENT_ID ?? options.service,
          clientSecret: env.OIDC_CLIENT_SECRET,
          audience: env.OIDC_AUDIENCE,
          tokenUrl: env.OIDC_TOKEN_URL,
        })
      : undefined;
    return {
      auth: {
        ...oidcAuthenticator({
          issuer: env.OIDC_ISSUER,
          audience: env.OIDC_AUDIENCE,
          jwksUrl: env.OIDC_JWKS_URL,
          roleClaims: env.OIDC_ROLE_CLAIMS,
          jwksCooldownMs: env.OIDC_JWKS_COOLDOWN_MS,
          jwksMaxAgeMs: env.OIDC_JWKS_MAX_AGE_MS,
        }),
        serviceTokens,
      },
    };
  }
  if (!options.development && env.AUTH_DEV_MODE !== 'true')
    throw new ConfigError(
      'invalid configuration:\n  OIDC_ISSUER: required - the OpenID issuer whose tokens this service trusts (AUTH_DEV_MODE=true runs a development issuer instead; never in production)',
    );
  // Whoever may write in the key folder could put their own key there and mint any role's token.
  privateKeyFolder(dirname(devIssuerKeyFile(options.dataDir)));
  const devIssuer = await DevIssuer.create({
    issuer: devIssuerUrl(env.DEV_ISSUER_PORT),
    audience: env.OIDC_AUDIENCE,
    keyFile: devIssuerKeyFile(options.dataDir),
  });
  const dashboard = `http://127.0.0.1:${process.env.REPORTING_PORT ?? 4105}/dashboard/`;
  try {
    await devIssuer.serve(env.DEV_ISSUER_PORT, '127.0.0.1', dashboard);
  } catch (error) {
    if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
    // Another service of this machine (AUTH_DEV_MODE, same data folder) serves the development
    // issuer already: its tokens are signed with the key this one just read, so verify them here.
    options.logger.info(
      { issuer: devIssuer.issuer, keyFile: devIssuerKeyFile(options.dataDir) },
      'development issuer already served on its port (another service here): verifying its tokens with the shared key',
    );
    return { auth: devIssuer.authenticator() };
  }
  printDevelopmentIssuer(devIssuer, devIssuerKeyFile(options.dataDir), dashboard);
  return { auth: devIssuer.remoteAuthenticator(), devIssuer };
}

function printDevelopmentIssuer(issuer: DevIssuer, keyFile: string, dashboard: string): void {
  const line = '='.repeat(78);
  const roles = Object.keys(ROLES);
  process.stdout.write(
    [
      line,
      ' DEVELOPMENT ONLY identity provider - never use it in production.',
      ` Issuer ${issuer.issuer} (JWKS at ${issuer.issuer}/jwks), audience ${issuer.audience}.`,
      ` Its signing key was generated here and is kept in ${keyFile}.`,
      ' A token for a role (8 hours):   pnpm token <role> [--sub alice] [--name "Alice Li"]',
      `   roles: ${roles.join(', ')}`,
      `   curl -H "authorization: Bearer $(pnpm -s token finance)" 127.0.0.1:${process.env.INVOICING_PORT ?? 4103}/invoices/INV-1`,
      ` The dashboard: sign in at ${issuer.issuer}/ (pick a role); it opens ${dashboard}`,
      line,
      '',
    ].join('\n'),
  );
}
