/**
 * `pnpm db:roles`: a PostgreSQL role per service owning only its schema (issue 15 item 6), made by
 * a database administrator (DATABASE_URL of a role that may create roles):
 *   - role `<DB_ROLE_PREFIX><service>` (default prefix `ar_`; `credit_scoring` with an underscore),
 *     LOGIN, not a superuser, no CREATEROLE / CREATEDB, its password in
 *     `<DB_ACCESS_DIR>/<service>.password` (made, mode 600, when missing; kept when there),
 *   - the service's schema (`<DB_SCHEMA_PREFIX><schema>`) created and owned by it, with everything
 *     already in it (an existing deployment moving to roles), and nothing granted to PUBLIC,
 *   - CREATE on the database: a projection rebuild fills a shadow schema of its own and swaps
 *     it in (the role owns what it creates; it can neither read nor change another's schema).
 * Then a service runs with DATABASE_URL=postgres://ar_<service>:<password>@host/db.
 *
 *   DATABASE_URL=postgres://postgres:...@db/ar pnpm db:roles
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { allServices } from '@ar/all-in-one';
import { loadConfig, passwordInFile, repoRoot } from '@ar/platform';
import { Client, escapeIdentifier, escapeLiteral } from 'pg';
import { z } from 'zod';

const Env = z.object({
  DATABASE_URL: z.string().url(),
  DB_ROLE_PREFIX: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'lower-case letters, digits and _')
    .default('ar_'),
  DB_SCHEMA_PREFIX: z
    .string()
    .regex(/^([a-z_][a-z0-9_]*)?$/, 'lower-case letters, digits and _')
    .default(''),
  DB_ACCESS_DIR: z
    .string()
    .min(1)
    .default(join(repoRoot, '.data', 'db-access')),
});

async function main(): Promise<void> {
  const env = loadConfig(Env);
  mkdirSync(env.DB_ACCESS_DIR, { recursive: true, mode: 0o700 });
  const db = new Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  try {
    const { rows } = await db.query<{ db: string }>('select current_database() as db');
    const database = escapeIdentifier(rows[0]!.db);
    for (const def of allServices) {
      const roleName = `${env.DB_ROLE_PREFIX}${def.name.replaceAll('-', '_')}`;
      const schemaName = `${env.DB_SCHEMA_PREFIX}${def.schema}`;
      const role = escapeIdentifier(roleName);
      const schema = escapeIdentifier(schemaName);
      const { file, password, made } = passwordInFile(env.DB_ACCESS_DIR, def.name);
      await db.query('begin');
      try {
        const exists = await db.query('select 1 from pg_roles where rolname = $1', [roleName]);
        // The password is sent to the server in this statement (PostgreSQL keeps its SCRAM
        // verifier); it is never printed here.
        await db.query(
          `${exists.rowCount ? 'alter' : 'create'} role ${role} login nosuperuser nocreaterole nocreatedb noreplication password ${escapeLiteral(password)}`,
        );
        await db.query(`grant connect, create on database ${database} to ${role}`);
        await db.query(`create schema if not exists ${schema}`);
        await db.query(`alter schema ${schema} owner to ${role}`);
        await db.query(`revoke all on schema ${schema} from public`);
        // What the service's migrations made before it had a role of its own becomes its own.
        const owned = await db.query<{ kind: string; name: string }>(
          `select case c.relkind when 'S' then 'sequence' when 'v' then 'view' when 'm' then 'materialized view' else 'table' end as kind,
                  format('%I.%I', n.nspname, c.relname) as name
             from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = $1 and c.relkind in ('r', 'p', 'S', 'v', 'm')
              and not (c.relkind = 'S' and exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype in ('a', 'i')))
           union all
           select case p.prokind when 'p' then 'procedure' else 'function' end,
                  format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
             from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = $1`,
          [schemaName],
        );
        for (const o of owned.rows) await db.query(`alter ${o.kind} ${o.name} owner to ${role}`);
        await db.query('commit');
        console.log(
          `${def.name}: role ${roleName} (${made ? 'new password' : 'password kept'} in ${file}) owns schema ${schemaName}` +
            (owned.rowCount ? ` and the ${owned.rowCount} objects already in it` : ''),
        );
      } catch (error) {
        await db.query('rollback');
        throw error;
      }
    }
  } finally {
    await db.end();
  }
}

main().catch((error: Error) => {
  console.error(`db:roles failed: ${error.message}`);
  process.exit(1);
});
