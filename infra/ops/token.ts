/**
 * `pnpm token <role>[,<role>...] [--sub alice] [--name "Alice Li"]`: a bearer token of the
 * embedded mode's DEVELOPMENT ONLY issuer (its key under DATA_DIR/dev-issuer, written by
 * `pnpm start`), for trying the API: `curl -H "authorization: Bearer $(pnpm -s token finance)" ...`.
 * A real deployment gets its tokens from its identity provider, never from here.
 */
import { existsSync } from 'node:fs';
import {
  ALL_ROLES,
  DevIssuer,
  devIssuerKeyFile,
  devIssuerUrl,
  isRole,
  type Role,
} from '../../packages/platform/src';

export async function devToken(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const option = (name: string) => {
    const at = args.indexOf(`--${name}`);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const positional = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  const roles = (positional[0] ?? '').split(',').filter(Boolean);
  const unknown = roles.filter((r) => !isRole(r));
  if (roles.length === 0 || unknown.length > 0)
    throw new Error(
      `usage: pnpm token <role>[,<role>...] [--sub <who>] [--name <name>]\n  roles: ${ALL_ROLES.join(', ')}${unknown.length ? `\n  unknown: ${unknown.join(', ')}` : ''}`,
    );
  // DATA_DIR if given; else the embedded platform's (pnpm start), else the distributed services'
  // (AUTH_DEV_MODE=true pnpm start:service ...).
  const candidates = env.DATA_DIR ? [env.DATA_DIR] : ['.data/embedded', '.data/distributed'];
  const keyFile = candidates.map(devIssuerKeyFile).find((file) => existsSync(file));
  if (!keyFile)
    throw new Error(
      `no development issuer key at ${candidates.map(devIssuerKeyFile).join(' or ')}: start the embedded platform first (pnpm start), or a service with AUTH_DEV_MODE=true`,
    );
  const issuer = await DevIssuer.create({
    issuer: devIssuerUrl(Number(env.DEV_ISSUER_PORT ?? 4100)),
    audience: env.OIDC_AUDIENCE,
    keyFile,
  });
  const subject = option('sub');
  const name = option('name');
  return issuer.token({
    roles: roles as Role[],
    ...(subject ? { subject } : {}),
    ...(name ? { name } : {}),
  });
}

if (require.main === module) {
  devToken(process.argv.slice(2)).then(
    (token) => process.stdout.write(`${token}\n`),
    (error: Error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    },
  );
}
