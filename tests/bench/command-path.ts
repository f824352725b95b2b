/**
 * The command path over real HTTP (autocannon, not fastify's inject): invoicing's event-sourced
 * `POST /invoices` (store -> relay -> reporting's copy -> aging projection) listening on a port,
 * against a bare fastify route that inserts one row into PostgreSQL, in alternating rounds of
 * one run; then, at half the event-sourced path's rate, open-loop (requests sent on a schedule,
 * not when the previous answered), how long after each 201 the aging read model holds the invoice.
 * Twice: embedded (in-process bus, as `pnpm start` wires it) and over the real Kafka broker. The
 * load comes from another process (`http-load-worker.ts`), as a client's would.
 */
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { invoicingService } from '@ar/invoicing';
import { spawnTypeScript } from '@ar/platform';
import { createSchemaPool } from '@ar/postgres';
import { reportingService } from '@ar/reporting';
import Fastify from 'fastify';
import { authHeaders } from '../support/auth';
import { inProcessPlatform, kafkaPlatform } from '../support/platform';

const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 32);
const LAG_SECONDS = Number(process.env.BENCH_HTTP_LAG_SECONDS ?? 10);

interface Load {
  /** Requests sent (numbers taken), and answered 201: those cut off at the round's end may or may not be handled. */
  sent: number;
  ok: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number };
}

/** One round's load from a process of its own (`http-load-worker.ts`): its one JSON line. */
function worker<Result>(env: Record<string, string>): Promise<Result> {
  const child = spawnTypeScript('tests/bench/http-load-worker.ts', env, ['ignore', 'pipe', 'inherit']);
  let result: Result | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    result = JSON.parse(line) as Result;
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) =>
      code === 0 && result
        ? resolve(result)
        : reject(new Error(`load worker ${JSON.stringify(env)}: exit ${code}`)),
    );
  });
}

const load = (url: string, authorization: string | undefined, prefix: string, from: number) =>
  worker<Load>({
    URL: url,
    AUTHORIZATION: authorization ?? '',
    PREFIX: prefix,
    FROM: String(from),
    MODE: 'closed',
  });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

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
  const { authorization } = (await authHeaders()) as { authorization: string };
  let n = 0;
  const rounds: { eventSourced: Load; bare: Load }[] = [];
  const loads: number[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? (['eventSourced', 'bare'] as const) : (['bare', 'eventSourced'] as const);
      const round = {} as (typeof rounds)[number];
      for (const which of order) {
        loads.push(loadavg()[0]!);
        if (which === 'bare') {
          round.bare = await load(bare.url, undefined, `bare-${mode}`, bareFrom.n);
          bareFrom.n += round.bare.sent;
        } else {
          round.eventSourced = await load(invoicing.url, authorization, platform.run, n);
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
    const answered = rounds.reduce((sum, r) => sum + r.eventSourced.ok, 0);
    if (Number(rows[0]!.count) < answered)
      throw new Error(`read model holds ${rows[0]!.count} invoices, ${answered} were answered 201`);

    const eventSourced = median(rounds.map((r) => r.eventSourced.requestsPerSecond));
    const bareMedian = median(rounds.map((r) => r.bare.requestsPerSecond));
    const rate = Math.max(1, Math.round(eventSourced / 2));
    const lag = await worker<{ readModelLagMs: { p50: number; p99: number } }>({
      URL: invoicing.url,
      AUTHORIZATION: authorization,
      PREFIX: platform.run,
      FROM: String(n),
      MODE: 'open',
      RATE: String(rate),
      DATABASE_URL: databaseUrl,
      READ_MODEL_SCHEMA: `${platform.run}_reporting`,
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

/**
 * A database of the run's own on the same server (BENCH_HTTP_OWN_DATABASE=0: the shared one): a
 * store's readers wait for the older transactions of their database (global order), and on a
 * server shared with other work another session's long transaction (a bulk load, an ANALYZE held
 * for minutes) would otherwise set the read model's lag, not this path.
 */
async function ownDatabase(databaseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (process.env.BENCH_HTTP_OWN_DATABASE === '0') return { url: databaseUrl, drop: async () => {} };
  const name = `bench_http_${Date.now().toString(36)}`;
  const admin = createSchemaPool(databaseUrl, 'public', { max: 1 });
  await admin.query(`create database ${name}`);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`drop database ${name} with (force)`);
      await admin.end();
    },
  };
}

export async function commandPathOverHttp(sharedDatabaseUrl: string) {
  const database = await ownDatabase(sharedDatabaseUrl);
  const databaseUrl = database.url;
  // The test platform reads DATABASE_URL when it is made.
  const previousUrl = process.env.DATABASE_URL;
  process.env.DATABASE_URL = databaseUrl;
  const bare = await bareRoute(databaseUrl, `bench_bare_${Date.now().toString(36)}`);
  const bareFrom = { n: 0 };
  try {
    const embedded = await compare('embedded', databaseUrl, bare, bareFrom);
    const kafka =
      process.env.BENCH_HTTP_KAFKA === '0' ? undefined : await compare('kafka', databaseUrl, bare, bareFrom);
    return {
      scenario: `POST /invoices over HTTP (autocannon, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${SECONDS} s) against a bare fastify route inserting one row in PostgreSQL; invoicing and reporting in one process, in-process bus (embedded) or the real Kafka broker; then ${LAG_SECONDS} s open loop at half the event-sourced rate, read model lag from each 201 to the aging read model holding the invoice (looked for every 5 ms); the load from a process of its own`,
      embedded,
      ...(kafka && { kafka }),
      database: databaseUrl === sharedDatabaseUrl ? 'shared' : 'its own, on the same server',
    };
  } finally {
    await bare.stop();
    process.env.DATABASE_URL = previousUrl;
    await database.drop();
  }
}
