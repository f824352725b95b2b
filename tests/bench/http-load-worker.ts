/**
 * The load of one round of `command-path.ts`, in a process of its own so that the load generator
 * does not share the services' event loop: `MODE=closed` runs autocannon (CONNECTIONS connections
 * for SECONDS), `MODE=open` sends RATE requests/s on a schedule for LAG_SECONDS and watches the
 * aging read model (READ_MODEL_SCHEMA) for each invoice answered 201. Prints one JSON line.
 * env: URL, AUTHORIZATION (optional), PREFIX, FROM, MODE, RATE, DATABASE_URL, READ_MODEL_SCHEMA,
 * BENCH_HTTP_CONNECTIONS, BENCH_HTTP_SECONDS, BENCH_HTTP_LAG_SECONDS
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createSchemaPool } from '@ar/postgres';
import autocannon from 'autocannon';

const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 32);
const LAG_SECONDS = Number(process.env.BENCH_HTTP_LAG_SECONDS ?? 10);
/** How often the read model is looked at for the invoices answered and not yet seen there. */
const LAG_POLL_MS = 5;

type Payload = (n: number) => object;

const invoice =
  (prefix: string): Payload =>
  (n) => ({
    invoiceId: `H-${prefix}-${n}`,
    customerId: `C-${n % 200}`,
    amount: 10_000 + n,
    currency: 'CNY',
    issueDate: '2026-01-05',
    dueDate: '2026-02-04',
  });

/** autocannon, CONNECTIONS connections for SECONDS: answers per second and latency (closed loop). */
async function load(url: string, headers: Record<string, string>, payload: Payload, from: number) {
  let n = from;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: 'POST',
        path: '/invoices',
        headers: { ...headers, 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: JSON.stringify(payload(n++)) }),
      },
    ],
  });
  const ok = result['2xx'];
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} answers not 2xx, ${result.errors} errors`);
  return {
    sent: n - from,
    ok,
    requestsPerSecond: Math.round(ok / SECONDS),
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
  };
}

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return Number(sorted[Math.floor((sorted.length - 1) * p)]!.toFixed(1));
};

/**
 * Open loop at `rate` requests/s for LAG_SECONDS: each request leaves at its scheduled time
 * whatever the earlier ones are doing; for each 201, when the aging read model first held the
 * invoice (looked for every LAG_POLL_MS; the time is when that look answered).
 */
async function readModelLag(
  url: string,
  headers: Record<string, string>,
  payload: Payload,
  from: number,
  rate: number,
  holds: (ids: string[]) => Promise<string[]>,
) {
  const answered = new Map<string, number>();
  const lags: number[] = [];
  const latencies: number[] = [];
  let failed = 0;
  let sending = true;
  const watcher = (async () => {
    while (sending || answered.size > 0) {
      if (answered.size > 0) {
        const seen = await holds([...answered.keys()]);
        const at = performance.now();
        for (const id of seen) {
          lags.push(at - answered.get(id)!);
          answered.delete(id);
        }
      }
      await sleep(LAG_POLL_MS);
    }
  })();
  const count = Math.round(rate * LAG_SECONDS);
  const started = performance.now();
  const requests: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const body = payload(from + i) as { invoiceId: string };
    requests.push(
      fetch(`${url}/invoices`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(
        async (res) => {
          await res.arrayBuffer();
          const at = performance.now();
          latencies.push(at - due);
          if (res.status === 201) answered.set(body.invoiceId, at);
          else failed++;
        },
        () => {
          failed++;
        },
      ),
    );
  }
  await Promise.all(requests);
  const sentFor = (performance.now() - started) / 1000;
  sending = false;
  await watcher;
  return {
    rate,
    achievedRequestsPerSecond: Math.round(count / sentFor),
    failed,
    commandLatencyMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) },
    readModelLagMs: { p50: percentile(lags, 0.5), p99: percentile(lags, 0.99), max: percentile(lags, 1) },
  };
}

async function main() {
  const { URL: url, AUTHORIZATION, PREFIX, FROM, MODE, RATE, DATABASE_URL, READ_MODEL_SCHEMA } = process.env;
  if (!url || !PREFIX || !FROM) throw new Error('URL, PREFIX and FROM are required');
  const headers: Record<string, string> = AUTHORIZATION ? { authorization: AUTHORIZATION } : {};
  const payload = invoice(PREFIX);
  if (MODE === 'closed') {
    process.stdout.write(`${JSON.stringify(await load(url, headers, payload, Number(FROM)))}\n`);
    return;
  }
  if (MODE !== 'open' || !RATE || !DATABASE_URL || !READ_MODEL_SCHEMA)
    throw new Error('MODE=closed, or MODE=open with RATE, DATABASE_URL and READ_MODEL_SCHEMA');
  const readModel = createSchemaPool(DATABASE_URL, READ_MODEL_SCHEMA, { max: 1 });
  try {
    const lag = await readModelLag(url, headers, payload, Number(FROM), Number(RATE), async (ids) => {
      const found = await readModel.query<{ invoice_id: string }>(
        'select invoice_id from aging_invoices where invoice_id = any($1::text[])',
        [ids],
      );
      return found.rows.map((row) => row.invoice_id);
    });
    process.stdout.write(`${JSON.stringify(lag)}\n`);
  } finally {
    await readModel.end();
  }
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
