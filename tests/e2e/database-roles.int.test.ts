import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, stopProcess } from '@ar/platform';
import { createSchemaPool } from '@ar/postgres';
import { servedAuthHeaders } from '../support/auth';
import { runBuilt } from '../support/built';
import { testInfra, unique } from '../support/infra';
import { runTool } from '../support/own-servers';

/**
 * A PostgreSQL role per service owning only its schema (issue 15 item 6): `pnpm db:roles`
 * (infra/postgres/provision-roles.ts) run as an administrator would, on the shared server with
 * this run's own role and schema names; then the built invoicing runs on its own role - migrates,
 * takes commands, rebuilds a read model - and that role can neither read nor write another
 * service's schema, nor make roles, nor is it a superuser.
 */
const SERVICES = ['credit-scoring', 'contract', 'invoicing', 'collections', 'reporting'];

describe('PostgreSQL: one role per service, owning only its schema', () => {
  const { databaseUrl } = testInfra();
  const run = unique('roles');
  const prefix = `${run}_`;
  const accessDir = join(repoRoot, '.data', 'db-access-test', run);
  const roleOf = (service: string) => `${prefix}${service.replaceAll('-', '_')}`;
  const passwordOf = (service: string) => readFileSync(join(accessDir, `${service}.password`), 'utf8').trim();
  const urlAs = (service: string) => {
    const url = new URL(databaseUrl);
    url.username = roleOf(service);
    url.password = passwordOf(service);
    return url.toString();
  };
  let child: ChildProcess | undefined;
  let output = '';

  const provision = () =>
    runTool('infra/postgres/provision-roles.ts', {
      DATABASE_URL: databaseUrl,
      DB_ROLE_PREFIX: prefix,
      DB_SCHEMA_PREFIX: prefix,
      DB_ACCESS_DIR: accessDir,
    });

  type Db = ReturnType<typeof createSchemaPool>;
  async function asRole<T>(service: string, work: (db: Db) => Promise<T>): Promise<T> {
    const db = createSchemaPool(urlAs(service), 'public', { max: 1 });
    try {
      return await work(db);
    } finally {
      await db.end();
    }
  }
  const attempt = (db: Db, sql: string) =>
    db.query(sql).then(
      () => 'ok',
      (error: Error) => `refused: ${error.message}`,
    );

  beforeAll(async () => {
    output = await provision();
  }, 120_000);

  afterAll(async () => {
    if (child) await stopProcess(child, 'SIGKILL');
    const admin = createSchemaPool(databaseUrl, 'public', { max: 1 });
    try {
      for (const service of SERVICES) {
        const role = roleOf(service);
        const exists = await admin.query('select 1 from pg_roles where rolname = $1', [role]);
        if (!exists.rowCount) continue;
        await admin.query(`drop owned by "${role}" cascade`);
        await admin.query(`drop role "${role}"`);
      }
    } finally {
      await admin.end();
    }
    rmSync(accessDir, { recursive: true, force: true });
  }, 60_000);

  it('makes each role, its password kept in a file of mode 600 and never printed', async () => {
    for (const service of SERVICES) {
      expect(output).toContain(`role ${roleOf(service)}`);
      expect(output).not.toContain(passwordOf(service));
    }
    // Run again: the same passwords (services keep working), nothing new.
    const again = await provision();
    expect(again).toContain('password kept');
    expect(again).not.toContain('new password');
    const role = await asRole('invoicing', (db) =>
      db.query<{ super: boolean; createrole: boolean; createdb: boolean }>(
        'select rolsuper as super, rolcreaterole as createrole, rolcreatedb as createdb from pg_roles where rolname = current_user',
      ),
    );
    expect(role.rows[0]).toEqual({ super: false, createrole: false, createdb: false });
  }, 120_000);

  it('runs the built invoicing on its own role: it migrates, takes commands and rebuilds a read model', async () => {
    const invoicing = await runBuilt('invoicing', {
      DATABASE_URL: urlAs('invoicing'),
      KAFKA_BROKERS: testInfra().kafkaBrokers.join(','),
      DB_SCHEMA: `${prefix}invoicing`,
      TOPIC_PREFIX: `${run}.`,
      GROUP_PREFIX: `${run}.`,
    });
    child = invoicing.child;
    const { url, lines } = invoicing;
    await invoicing.ready('invoicing ready on its own role');
    const created = await invoicing.issueInvoice(`INV-${run}`);
    expect(created.status).toBe(201);
    const rebuild = await fetch(`${url}/admin/projections/invoice-list/rebuild`, {
      method: 'POST',
      headers: await servedAuthHeaders(['admin']),
    });
    expect(rebuild.status).toBe(200);
    const found = await fetch(`${url}/invoices?customerId=C-1`, {
      headers: await servedAuthHeaders(['finance']),
    });
    expect(found.status).toBe(200);
    expect(JSON.stringify(await found.json())).toContain(`INV-${run}`);
    expect(lines.join('')).not.toContain(passwordOf('invoicing'));
    // What it made is its own.
    const owners = await asRole('invoicing', (db) =>
      db.query<{ owner: string }>(
        `select distinct pg_get_userbyid(c.relowner) as owner from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1`,
        [`${prefix}invoicing`],
      ),
    );
    expect(owners.rows.map((r) => r.owner)).toEqual([roleOf('invoicing')]);
  }, 240_000);

  it("gives a service's role nothing of another service's schema, and no power over roles", async () => {
    // Collections' schema, with a table in it as its migrations would make.
    await asRole('collections', (db) => db.query(`create table "${prefix}collections".letters (id text)`));
    await asRole('invoicing', async (db) => {
      expect(await attempt(db, `select * from "${prefix}collections".letters`)).toMatch(
        /^refused: permission denied for schema/,
      );
      expect(await attempt(db, `create table "${prefix}collections".stolen (x int)`)).toMatch(
        /^refused: permission denied for schema/,
      );
      expect(await attempt(db, `drop schema "${prefix}collections" cascade`)).toMatch(
        /^refused: must be owner/,
      );
      expect(await attempt(db, `create role "${prefix}intruder"`)).toMatch(/^refused: permission denied/);
      expect(await attempt(db, `alter role "${roleOf('collections')}" password 'x'`)).toMatch(/^refused/);
    });
  }, 60_000);
});
