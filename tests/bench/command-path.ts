/**
 * The command path over real HTTP (autocannon, not fastify's inject): invoicing's event-sourced
 * `POST /invoices` (store -> relay -> reporting's copy -> aging projection) listening on a port,
 * against a bare fastify route that inserts one row into PostgreSQL, in alternating rounds of
 * one run; then, at half the event-sourced path's rate, open-loop (requests sent on a schedule,
 * not when the previous answered), how long after each 201 the aging read model holds the invoice.
 * Twice: embedded (in-process bus, as `pnpm start` wires it) and over the real Kafka broker.
 */
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { invoicingService } from '@ar/invoicing';
import { createSchemaPool } from '@ar/postgres';
import { reportingService } from '@ar/reporting';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { authHeaders } from '../support/auth';
import { inProcessPlatform, kafkaPlatform } from '../support/platform';

const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 32);
const LAG_SECONDS = Number(process.env.BENCH_HTTP_LAG_SECONDS ?? 10);
/** How often the read model is looked at for the invoices answered and not yet seen there. */
const LAG_POLL_MS = 5;

type Payload = (n: number) => object;

const invoice =
  (run: string): Payload =>
  (n) => ({
    invoiceId: `H-${run}-${n}`,
    customerId: `C-${n % 200}`,
    amount: 10_000 + n,
    currency: 'CNY',
    issueDate: '2026-01-05',
    dueDate: '2026-02-04',
  });

/** A bare fastify route that inserts one row (the request's JSON) and answers 201. */
async function bareRoute(databaseUrl: string, schema: string) {
  const pool = createSchemaPool(databaseUrl, schema, { max: 10 });
  await pool.query(`create schema ${schema}`);
  await pool.query('create table invoices (invoice_id text primary key, body jsonb not null)');
  const app = Fastify({ logger: false });
  app.post<{ Body: { invoiceId: string } }>('/invoices', async (request, reply) => {
    await pool.query('insert into invoices (invoice_id, body) values ($1, $2)', [
      request.body.invoiceId,
      JSON.stringify(request.body),
    ]);
    return reply.code(201).send({ invoiceId: request.body.invoiceId });
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    stop: async () => {
      await app.close();
      await pool.query(`drop schema ${schema} cascade`);
      await pool.end();
    },
  };
}

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
    requestsPerSecond: Math.round(ok / SECONDS),
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
  };
}

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return Number(sorted[Math.floor((sorted.length - 1) * p)]!.toFixed(1));
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

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

async function compare(
  mode: 'embedded' | 'kafka',
  databaseUrl: string,
  bare: { url: string },
  bareFrom: { n: number },
) {
  const platform =
    mode === 'embedded'
      ? inProcessPlatform('bench_http', '2026-01-05')
      : kafkaPlatform('bench_http', '2026-01-05');
  const reporting = await platform.start(reportingService);
  const invoicing = await platform.start(invoicingService);
  await Promise.all([reporting.started(), invoicing.started()]);
  const readModel = createSchemaPool(databaseUrl, `${platform.run}_reporting`, { max: 1 });
  const headers = (await authHeaders()) as Record<string, string>;
  const payload = invoice(platform.run);
  const barePayload = invoice(`bare-${mode}`);
  let n = 0;
  const rounds: { eventSourced: Awaited<ReturnType<typeof load>>; bare: Awaited<ReturnType<typeof load>> }[] =
    [];
  const loads: number[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? (['eventSourced', 'bare'] as const) : (['bare', 'eventSourced'] as const);
      const round = {} as (typeof rounds)[number];
      for (const which of order) {
        loads.push(loadavg()[0]!);
        if (which === 'bare') {
          round.bare = await load(bare.url, {}, barePayload, bareFrom.n);
          bareFrom.n += round.bare.sent;
        } else {
          round.eventSourced = await load(invoicing.url, headers, payload, n);
          n += round.eventSourced.sent;
        }
        console.log(JSON.stringify({ mode, round: r + 1, which, ...round[which] }));
      }
      rounds.push(round);
    }
    // Everything of the rounds in the read model before the lag is measured from a standstill.
    const behindAtEnd = performance.now();
    await invoicing.caughtUp();
    await reporting.caughtUp();
    const catchUpAfterRoundsMs = Math.round(performance.now() - behindAtEnd);
    const { rows } = await readModel.query<{ count: string }>('select count(*) from aging_invoices');
    if (Number(rows[0]!.count) !== n)
      throw new Error(`read model holds ${rows[0]!.count} invoices, ${n} were answered`);

    const eventSourced = median(rounds.map((r) => r.eventSourced.requestsPerSecond));
    const bareMedian = median(rounds.map((r) => r.bare.requestsPerSecond));
    const rate = Math.max(1, Math.round(eventSourced / 2));
    const lag = await readModelLag(invoicing.url, headers, payload, n, rate, async (ids) => {
      const found = await readModel.query<{ invoice_id: string }>(
        'select invoice_id from aging_invoices where invoice_id = any($1::text[])',
        [ids],
      );
      return found.rows.map((row) => row.invoice_id);
    });
    console.log(JSON.stringify({ mode, lag }));
    const result = {
      mode,
      loadAverage: { min: Number(Math.min(...loads).toFixed(1)), max: Number(Math.max(...loads).toFixed(1)) },
      eventSourcedRequestsPerSecond: eventSourced,
      bareRequestsPerSecond: bareMedian,
      ratio: Number((eventSourced / bareMedian).toFixed(2)),
      ratioPerRound: rounds.map((r) =>
        Number((r.eventSourced.requestsPerSecond / r.bare.requestsPerSecond).toFixed(2)),
      ),
      eventSourcedP99Ms: median(rounds.map((r) => r.eventSourced.latencyMs.p99)),
      bareP99Ms: median(rounds.map((r) => r.bare.latencyMs.p99)),
      readModelBehindAfterRoundsMs: catchUpAfterRoundsMs,
      atHalfRate: lag,
      rounds,
    };
    console.log(
      `${mode}: POST /invoices ${eventSourced}/s (p99 ${result.eventSourcedP99Ms} ms) against the bare route ${bareMedian}/s (p99 ${result.bareP99Ms} ms): ${result.ratio}x (rounds ${result.ratioPerRound.join(', ')}); at ${rate}/s open loop, read model lag p50 ${lag.readModelLagMs.p50} / p99 ${lag.readModelLagMs.p99} ms`,
    );
    return result;
  } finally {
    await readModel.end();
    await platform.stop();
  }
}

export async function commandPathOverHttp(databaseUrl: string) {
  const bare = await bareRoute(databaseUrl, `bench_bare_${Date.now().toString(36)}`);
  const bareFrom = { n: 0 };
  try {
    const embedded = await compare('embedded', databaseUrl, bare, bareFrom);
    const kafka =
      process.env.BENCH_HTTP_KAFKA === '0' ? undefined : await compare('kafka', databaseUrl, bare, bareFrom);
    return {
      scenario: `POST /invoices over HTTP (autocannon, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${SECONDS} s) against a bare fastify route inserting one row in PostgreSQL; invoicing and reporting in one process, in-process bus (embedded) or the real Kafka broker; then ${LAG_SECONDS} s open loop at half the event-sourced rate, read model lag from each 201 to the aging read model holding the invoice (looked for every ${LAG_POLL_MS} ms)`,
      embedded,
      ...(kafka && { kafka }),
    };
  } finally {
    await bare.stop();
  }
}
