import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { servedAuthHeaders, servedTestIssuer } from '../support/auth';
import { ensureBuilt, spawnBuilt } from '../support/built';
import { eventually, testInfra, unique } from '../support/infra';
import { stopProcess } from '../support/process';

// Response bodies are asserted on, not typed: the OpenAPI document is their contract.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = any;
const json = async (response: Response): Promise<Json> => response.json();

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A service as its own process, as in production: the built `infra/deploy/dist/<name>/main.js`. */
async function startServiceProcess(name: string, env: Record<string, string>) {
  const port = await freePort();
  await ensureBuilt();
  const child = spawnBuilt(name, {
    ...env,
    ...(await servedTestIssuer()).env,
    PORT: String(port),
    LOG_LEVEL: 'warn',
  });
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    async () => ((await fetch(`${url}/ready`)).ok ? true : undefined),
    60_000,
    `${name} ready`,
  );
  return { child, url };
}

describe('invoice to aging, through real Kafka, services as separate processes', () => {
  const { databaseUrl, kafkaBrokers } = testInfra();
  const run = unique('e2e');
  const shared = {
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: kafkaBrokers.join(','),
    TOPIC_PREFIX: `${run}.`,
    GROUP_PREFIX: `${run}.`,
  };
  const processes: ChildProcess[] = [];
  let invoicing: string;
  let reporting: string;

  beforeAll(async () => {
    const [inv, rep] = await Promise.all([
      startServiceProcess('invoicing', { ...shared, DB_SCHEMA: `${run}_invoicing` }),
      startServiceProcess('reporting', { ...shared, DB_SCHEMA: `${run}_reporting` }),
    ]);
    processes.push(inv.child, rep.child);
    invoicing = inv.url;
    reporting = rep.url;
  });
  afterAll(async () => {
    for (const child of processes) if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('shows an issued invoice in the right aging bucket as of a date', async () => {
    const response = await fetch(`${invoicing}/invoices`, {
      method: 'POST',
      headers: { ...(await servedAuthHeaders()), 'content-type': 'application/json' },
      body: JSON.stringify({
        invoiceId: 'INV-E2E-1',
        customerId: 'C-1',
        amount: 250_000,
        currency: 'CNY',
        issueDate: '2026-01-10',
        dueDate: '2026-02-09',
      }),
    });
    expect(response.status).toBe(201);

    // 2026-03-15 is 34 days past the due date: the 31-60 bucket.
    const aging = await eventually(
      async () => {
        const body = await json(
          await fetch(`${reporting}/reports/aging?asOf=2026-03-15`, { headers: await servedAuthHeaders() }),
        );
        return body.reports.length > 0 ? body : undefined;
      },
      30_000,
      'the invoice in reporting',
    );
    const cny = aging.reports.find((r: { currency: string }) => r.currency === 'CNY');
    const bucket = (label: string) => cny.buckets.find((b: { bucket: string }) => b.bucket === label);
    expect(bucket('31-60')).toMatchObject({ amount: 250_000, count: 1 });
    expect(cny.total).toEqual({ amount: 250_000, count: 1 });

    // As of a day before its due date it is not yet due; before its issue date it does not exist.
    const earlier = await json(
      await fetch(`${reporting}/reports/aging?asOf=2026-02-01`, { headers: await servedAuthHeaders() }),
    );
    expect(earlier.reports[0].buckets[0]).toMatchObject({ bucket: 'current', amount: 250_000, count: 1 });
    const before = await json(
      await fetch(`${reporting}/reports/aging?asOf=2026-01-09`, { headers: await servedAuthHeaders() }),
    );
    expect(before.reports).toEqual([]);
  });

  it('refuses bad input with a 400 that names each field, and stores nothing', async () => {
    const response = await fetch(`${invoicing}/invoices`, {
      method: 'POST',
      headers: { ...(await servedAuthHeaders()), 'content-type': 'application/json' },
      body: JSON.stringify({
        invoiceId: 'INV-BAD',
        customerId: 'C-1',
        amount: 12.5,
        currency: 'CNY',
        issueDate: '2026-01-10',
        dueDate: 'soon',
      }),
    });
    expect(response.status).toBe(400);
    const body = await json(response);
    expect(body.issues.map((i: { field: string }) => i.field).sort()).toEqual([
      'body.amount',
      'body.dueDate',
    ]);
    expect(
      (await fetch(`${invoicing}/invoices/INV-BAD`, { headers: await servedAuthHeaders() })).status,
    ).toBe(404);
  });

  it('stops both services gracefully on SIGTERM', async () => {
    const codes = await Promise.all(processes.map((child) => stopProcess(child, 'SIGTERM')));
    expect(codes).toEqual([0, 0]);
  });
});
