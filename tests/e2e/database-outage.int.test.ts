import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot, stopProcess } from '@ar/platform';
import { servedAuthHeaders, servedTestIssuer } from '../support/auth';
import { ensureBuilt, spawnBuilt } from '../support/built';
import { eventually, testInfra, unique } from '../support/infra';
import { OwnServers, portOpen } from '../support/own-servers';
import { freePort } from '../support/service-instances';

// A PostgreSQL server of this test's own, stopped and started under a running service; never
// the shared one. Kafka is the shared broker (unique topics and groups). The service is the
// built invoicing (infra/deploy/dist/invoicing/main.js under plain node), as production runs it.
const PG_PORT = 55470;
const KAFKA_PORT = 29470; // claimed with the pair, not used

describe('a PostgreSQL outage under a running service', () => {
  const { kafkaBrokers } = testInfra();
  const servers = OwnServers.claim(PG_PORT, KAFKA_PORT, join(repoRoot, '.data', 'database-outage'));
  const run = unique('outage');
  const lines: string[] = [];
  let child: ChildProcess;
  let url: string;
  let exited: { code: number | null; signal: string | null } | undefined;

  beforeAll(async () => {
    await servers.stopPostgres(); // what an earlier run of this test left behind
    if (await portOpen(servers.pgPort))
      throw new Error(`port ${servers.pgPort} is taken by a server this test did not start`);
    rmSync(servers.pgDataDir, { recursive: true, force: true });
  }, 60_000);
  afterAll(async () => {
    if (child) await stopProcess(child, 'SIGKILL');
    await servers.stopPostgres();
    servers.release();
  }, 60_000);

  let invoices = 0;
  /** Issues a new invoice (a command: it needs PostgreSQL, not the broker). */
  const post = async () =>
    fetch(`${url}/invoices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await servedAuthHeaders(['finance'])) },
      body: JSON.stringify({
        invoiceId: `INV-${run}-${++invoices}`,
        customerId: 'C-1',
        amount: 100_000,
        currency: 'CNY',
        issueDate: '2026-03-02',
        dueDate: '2026-04-01',
      }),
      signal: AbortSignal.timeout(15_000),
    });

  it('starts while PostgreSQL is down, listening and saying what it waits for, and is ready once it is up', async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    await ensureBuilt();
    child = spawnBuilt(
      'invoicing',
      {
        DATABASE_URL: servers.databaseUrl,
        KAFKA_BROKERS: kafkaBrokers.join(','),
        DB_SCHEMA: `${run}_invoicing`,
        TOPIC_PREFIX: `${run}.`,
        GROUP_PREFIX: `${run}.`,
        PORT: String(port),
        BUSINESS_DATE: '2026-03-02',
        LOG_LEVEL: 'info',
        ...(await servedTestIssuer()).env,
      },
      ['ignore', 'pipe', 'pipe'],
    );
    for (const stream of [child.stdout!, child.stderr!])
      createInterface({ input: stream }).on('line', (line) => lines.push(line));
    child.once('exit', (code, signal) => {
      exited = { code, signal };
    });
    await eventually(
      async () =>
        lines.some((l) => l.includes(`waiting for PostgreSQL at 127.0.0.1:${PG_PORT}`)) ? true : undefined,
      30_000,
      'the service to say it waits for PostgreSQL',
    );
    expect(exited).toBeUndefined();
    // Listening meanwhile: alive, not ready, saying what it waits for; commands 503, not 500.
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const waiting = await fetch(`${url}/ready`);
    expect(waiting.status).toBe(503);
    expect(Number(waiting.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await waiting.json()) as { checks: { startup: string } }).checks.startup).toContain(
      `waiting for PostgreSQL at 127.0.0.1:${PG_PORT}/postgres`,
    );
    const early = await post();
    expect(early.status).toBe(503);
    expect(Number(early.headers.get('retry-after'))).toBeGreaterThan(0);
    await servers.startPostgres();
    await eventually(
      async () => ((await fetch(`${url}/ready`)).ok ? true : undefined),
      90_000,
      'the service ready once PostgreSQL is up',
    );
    expect((await post()).status).toBe(201);
  }, 150_000);

  it('answers 503 with Retry-After while PostgreSQL is down, stays alive, and serves again after', async () => {
    await servers.stopPostgres();
    const refused = await post();
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: string }).error).toBe('unavailable');

    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(503);
    expect(Number(ready.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await ready.json()) as { reason: string; checks: Record<string, string> };
    expect(body.checks.database).toContain(`down: PostgreSQL at 127.0.0.1:${PG_PORT}`);
    expect(body.checks.kafka).toBe('ok');
    expect(body.reason).toMatch(/^not ready: database down/);
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { reason: string }).reason).toContain('running');
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('ar_metrics_source_up{source="database",service="invoicing"} 0');

    // Long enough for every pooled, listening and lease connection to have seen the loss.
    await new Promise((r) => setTimeout(r, 5000));
    expect((await post()).status).toBe(503);
    expect(exited).toBeUndefined();

    await servers.startPostgres();
    await eventually(
      async () => ((await post()).status === 201 ? true : undefined),
      60_000,
      'a command accepted again',
    );
    await eventually(
      async () => ((await fetch(`${url}/ready`)).ok ? true : undefined),
      30_000,
      'ready again',
    );
    expect(exited).toBeUndefined();
  }, 150_000);
});
