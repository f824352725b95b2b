import type { RouteRule } from './http-auth';
import { ROLES } from './roles';

export const ACCESS_TABLE_BEGIN =
  '<!-- access-table:begin (generated from the code; tests/e2e/access-every-route.int.test.ts checks it) -->';
export const ACCESS_TABLE_END = '<!-- access-table:end -->';

/**
 * The README's role table: every role of the table in code, then every route of every service
 * with the roles it names. Made from the services' own declarations, so the README cannot drift.
 */
export function accessTableMarkdown(services: { name: string; rules: RouteRule[] }[]): string {
  const roles = Object.entries(ROLES).map(([role, what]) => `| \`${role}\` | ${what} |`);
  const who = (rule: RouteRule) => (rule.access === 'public' ? 'anyone (no token)' : rule.access.join(', '));
  const rowsOf = (rules: RouteRule[]) => {
    const rows = new Map<string, string>();
    for (const rule of rules) {
      if (rule.method === 'HEAD' || rule.url === '/docs' || rule.url.startsWith('/docs/')) continue;
      rows.set(`${rule.method} ${rule.url}`, who(rule));
    }
    return rows;
  };
  const perService = services.map((s) => ({ name: s.name, rows: rowsOf(s.rules) }));
  // What the platform gives every service (probes, clock, dead letters) is listed once.
  const common = [...(perService[0]?.rows ?? [])].filter(([route, roles]) =>
    perService.every((s) => s.rows.get(route) === roles),
  );
  const routes = [
    ...common.map(([route, roles]) => `| every service | \`${route}\` | ${roles} |`),
    ...perService.flatMap((s) =>
      [...s.rows]
        .filter(([route]) => !common.some(([c]) => c === route))
        .map(([route, roles]) => `| ${s.name} | \`${route}\` | ${roles} |`),
    ),
  ];
  return [
    ACCESS_TABLE_BEGIN,
    '| role | what it is for |',
    '|---|---|',
    ...roles,
    '',
    'Each route and the roles of which one suffices (every service also serves `/docs` to any role):',
    '',
    '| service | route | roles |',
    '|---|---|---|',
    ...routes,
    ACCESS_TABLE_END,
  ].join('\n');
}

/** The generated block as it stands in a README (between the markers), or undefined. */
export function accessTableIn(readme: string): string | undefined {
  const begin = readme.indexOf(ACCESS_TABLE_BEGIN);
  const end = readme.indexOf(ACCESS_TABLE_END);
  if (begin < 0 || end < begin) return undefined;
  return readme.slice(begin, end + ACCESS_TABLE_END.length);
}
