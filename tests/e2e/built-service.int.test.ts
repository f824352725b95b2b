import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, stopProcess } from '@ar/platform';
import { createSchemaPool } from '@ar/postgres';
import { buildAll, deployDir } from '../../infra/deploy/build';
import { servedAuthHeaders, servedTestIssuer } from '../support/auth';
import { eventually, testInfra, unique } from '../support/infra';
import { freePort } from '../support/service-instances';

// Response bodies are asserted on, not typed: the OpenAPI document is their contract.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = any;

/** infra/deploy/postgres/service-database.sql as psql would run it with `-v service=... -v password=...`. */
function serviceDatabaseStatements(service: string, password: string): string[] {
  const sql = readFileSync(join(deployDir, 'postgres', 'service-database.sql'), 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .join('\n')
    .replaceAll(':"service"', `"${service}"`)
    .replaceAll(":'password'", `'${password}'`);
  return sql
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The artifact as the image runs it: `pnpm build`, then `pnpm deploy` of @ar/deploy (what the
 * Dockerfile copies into its last stage) into a folder outside the workspace, so nothing can be
 * found in the workspace's node_modules; invoicing started from there by plain `node dist/run.js`
 * with type stripping off (no TypeScript could load), under a PostgreSQL login and database of
 * its own made by infra/deploy/postgres/service-database.sql (as docker-compose.yml's PostgreSQL does).
 */
describe('a built service from the deployed tree (no TypeScript at run time, its own database login)', () => {
  const { databaseUrl, kafkaBrokers } = testInfra();
  const name = unique('built');
  const password = `pw_${name}`;
  const admin = createSchemaPool(databaseUrl, 'public', { max: 1 });
  let deployed: string;
  let child: ChildProcess;
  let url: string;
  let port: number;
  let serviceDatabaseUrl: string;
  const output: string[] = [];

  beforeAll(async () => {
    await buildAll();
    deployed = join(mkdtempSync(join(tmpdir(), 'ar-deploy-')), 'app');
    // --prefer-offline, not --offline: the packages are in the store after the install, but on a
    // fresh machine pnpm's metadata cache is not (ERR_PNPM_NO_OFFLINE_META for zod), and deploy asks it.
    execFileSync(
      'pnpm',
      ['--filter', '@ar/deploy', 'deploy', '--legacy', '--prod', '--prefer-offline', deployed],
      {
        cwd: repoRoot,
        stdio: 'pipe',
      },
    );
    for (const statement of serviceDatabaseStatements(name, password)) await admin.query(statement);
    const address = new URL(databaseUrl);
    address.username = name;
    address.password = password;
    address.pathname = `/${name}`;
    serviceDatabaseUrl = address.toString();

    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['--no-experimental-strip-types', 'dist/run.js', 'invoicing'], {
      cwd: deployed,
      // Only what the container would be given: no NODE_OPTIONS, no NODE_PATH from the workspace.
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: serviceDatabaseUrl,
        KAFKA_BROKERS: kafkaBrokers.join(','),
        PORT: String(port),
        TOPIC_PREFIX: `${name}.`,
        GROUP_PREFIX: `${name}.`,
        BUSINESS_DATE: '2026-03-02',
        LOG_LEVEL: 'warn',
        ...(await servedTestIssuer()).env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout!, child.stderr!])
      stream.on('data', (d: Buffer) => output.push(String(d)));
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) await stopProcess(child, 'SIGKILL');
    await admin.query(`drop database if exists "${name}" with (force)`).catch(() => {});
    await admin.query(`drop role if exists "${name}"`).catch(() => {});
    await admin.end();
    if (deployed) rmSync(join(deployed, '..'), { recursive: true, force: true });
  });

  const get = async (path: string) => {
    const response = await fetch(`${url}${path}`, { headers: await servedAuthHeaders() });
    return { status: response.status, body: (await response.json()) as Json };
  };

  it('answers /health and becomes ready (database and Kafka), as a login that is not a superuser', async () => {
    const ready = await eventually(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`exited ${child.exitCode}: ${output.join('').slice(-2000)}`);
        const answer = await get('/ready');
        return answer.status === 200 ? answer : undefined;
      },
      90_000,
      'the built invoicing ready',
    );
    expect(ready.body.checks).toMatchObject({ database: 'ok', kafka: 'ok' });
    expect(await get('/health')).toMatchObject({ status: 200, body: { status: 'ok', service: 'invoicing' } });
    const role = await admin.query(
      'select rolsuper, rolcreatedb, rolcreaterole from pg_roles where rolname = $1',
      [name],
    );
    expect(role.rows).toEqual([{ rolsuper: false, rolcreatedb: false, rolcreaterole: false }]);
    // Its tables are its own, in its own database.
    const own = createSchemaPool(serviceDatabaseUrl, 'invoicing', { max: 1 });
    try {
      const schema = await own.query(
        "select pg_get_userbyid(nspowner) as owner from pg_namespace where nspname = 'invoicing'",
      );
      expect(schema.rows).toEqual([{ owner: name }]);
    } finally {
      await own.end();
    }
  });

  it('handles a command and answers the query after it', async () => {
    const issued = await fetch(`${url}/invoices`, {
      method: 'POST',
      headers: {
        ...(await servedAuthHeaders()),
        'content-type': 'application/json',
        'idempotency-key': `${name}-1`,
      },
      body: JSON.stringify({
        customerId: 'C-BUILT',
        amount: 123_456,
        currency: 'CNY',
        issueDate: '2026-02-01',
        dueDate: '2026-03-03',
      }),
    });
    expect(issued.status).toBe(201);
    const { invoiceId } = (await issued.json()) as { invoiceId: string };
    const invoice = await get(`/invoices/${invoiceId}`);
    expect(invoice.status).toBe(200);
    expect(invoice.body).toMatchObject({ invoiceId, customerId: 'C-BUILT', amount: 123_456 });
  });

  it("the image's probe and launcher work from the deployed tree; SIGTERM stops it cleanly", async () => {
    const node = (...args: string[]) =>
      spawnSync(process.execPath, args, { cwd: deployed, encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(node('dist/probe.js', '/ready', String(port)).status).toBe(0);
    const unknown = node('dist/run.js', 'billing');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain(
      'one of: all-in-one, collections, contract, credit-scoring, dlq, invoicing',
    );
    expect(await stopProcess(child, 'SIGTERM')).toBe(0);
    expect(node('dist/probe.js', '/health', String(port)).status).toBe(1);
  });
});
