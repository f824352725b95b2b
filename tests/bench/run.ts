/**
 * `pnpm bench`: on this machine, (1) throughput from HTTP command to read model, (2) the aging
 * reports over 1,000,000 open invoices, (3) kafkajs against @platformatic/kafka on the same
 * broker and (4) the event store: appends by 1, 16 and 64 writers against
 * @event-driven-io/emmett-postgresql in alternating rounds, another process's reader, a long
 * stream. Bounded in count and time; results go to tests/bench/results.json (and to stdout),
 * merged into what is there, so running one scenario keeps the others' last results. Uses
 * DATABASE_URL and KAFKA_BROKERS, or starts the test PostgreSQL and Kafka through infra/ when
 * they are not set. BENCH_ONLY=commands|http|aging|kafka|store runs one of them.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { invoicingService } from '@ar/invoicing';
import { InProcessBus } from '@ar/messaging';
import { BusinessClock, localDatabaseUrl, localKafkaBrokers, startService } from '@ar/platform';
import { AppendNotifier } from '@ar/postgres';
import { reportingService } from '@ar/reporting';
import pino from 'pino';
import { authHeaders, testAuth } from '../support/auth';
import { agingAtScale } from './aging-at-scale';
import { commandPathOverHttp } from './command-path';
import { kafkaClients } from './kafka-clients';
import { overdueClockDay } from './overdue-clock-day';
import { rebuildBench } from './rebuild';
import { simulateBench } from './simulate';
import { storeBench } from './store';
import { storeAppendsAgainstEmmett } from './store-appends';

const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);

async function commandThroughput(url: string, notifier: AppendNotifier) {
  const run = `bench_${Date.now().toString(36)}`;
  const logger = pino({ level: 'silent' });
  const infra = {
    databaseUrl: url,
    bus: new InProcessBus(),
    notifier,
    logger,
    host: '127.0.0.1',
    port: 0,
    auth: testAuth,
    clock: new BusinessClock('2026-01-05'),
  };
  const reporting = await startService(reportingService, { ...infra, schema: `${run}_reporting` });
  const invoicing = await startService(invoicingService, { ...infra, schema: `${run}_invoicing` });

  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < COMMANDS) {
      const i = next++;
      const t = performance.now();
      const res = await invoicing.app.inject({
        headers: await authHeaders(),
        method: 'POST',
        url: '/invoices',
        payload: {
          invoiceId: `B-${i}`,
          customerId: `C-${i % 200}`,
          amount: 10_000 + i,
          currency: 'CNY',
          issueDate: '2026-01-05',
          dueDate: '2026-02-04',
        },
      });
      if (res.statusCode !== 201) throw new Error(`POST /invoices answered ${res.statusCode}: ${res.body}`);
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const commandsDone = performance.now();
  await invoicing.caughtUp();
  await reporting.caughtUp();
  const readModelDone = performance.now();
  const aging = (
    await reporting.app.inject({
      headers: await authHeaders(),
      method: 'GET',
      url: '/reports/aging?asOf=2026-03-01',
    })
  ).json();
  const agingCount = aging.reports[0]?.total.count;
  if (agingCount !== COMMANDS) throw new Error(`read model has ${agingCount} invoices, expected ${COMMANDS}`);

  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Number(latencies[Math.floor((latencies.length - 1) * p)]!.toFixed(2));
  const result = {
    scenario: `POST /invoices x ${COMMANDS}, ${CONCURRENCY} concurrent, embedded mode (in-process bus), to the reporting aging read model`,
    commandsPerSecond: Math.round(COMMANDS / ((commandsDone - started) / 1000)),
    commandLatencyMs: { p50: pct(0.5), p95: pct(0.95), p99: pct(0.99) },
    httpToReadModelSeconds: Number(((readModelDone - started) / 1000).toFixed(2)),
    readModelLagAfterLastCommandMs: Math.round(readModelDone - commandsDone),
  };
  console.log(JSON.stringify(result));
  await invoicing.stop();
  await reporting.stop();
  return result;
}

const SCENARIOS = ['commands', 'http', 'aging', 'kafka', 'store', 'rebuild', 'dayjobs', 'simulate'];

/** Indented JSON with arrays of numbers on one line, as biome formats it (`pnpm lint` checks the file). */
function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /\[\s+(-?[\d.e+-]+(?:,\s+-?[\d.e+-]+)*)\s+\]/g,
    (_, items: string) => `[${items.split(/,\s+/).join(', ')}]`,
  );
}

async function main() {
  const only = process.env.BENCH_ONLY;
  if (only && !SCENARIOS.includes(only))
    throw new Error(`BENCH_ONLY=${only}: one of ${SCENARIOS.join(', ')}`);
  const selected = (name: string) => !only || only === name;
  const file = join(__dirname, 'results.json');
  const stored = (): Record<string, unknown> =>
    existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const results: Record<string, unknown> = stored();
  const mine = new Set<string>();
  // Re-read before each write and put back only this run's keys, so two scenarios run at once
  // (BENCH_ONLY in two shells) each keep the other's results.
  const save = () => {
    const merged = stored();
    for (const key of mine) merged[key] = results[key];
    writeFileSync(file, `${toJson(merged)}\n`);
  };
  const set = (key: string, value: unknown) => {
    results[key] = value;
    mine.add(key);
  };
  const machine = () => ({
    cpus: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  });

  if (selected('commands') || selected('aging')) {
    const url = localDatabaseUrl();
    const notifier = new AppendNotifier(url);
    await notifier.start();
    set('date', new Date().toISOString());
    set('machine', machine());
    if (selected('commands')) {
      set('commands', await commandThroughput(url, notifier));
      save();
    }
    if (selected('aging')) {
      set('aging', await agingAtScale(url, notifier));
      save();
    }
    await notifier.stop();
  }
  if (selected('http')) {
    // The services of this scenario are wired as the tests wire them (tests/support/platform.ts),
    // which read the servers from the environment: the ones started here when it names none.
    process.env.DATABASE_URL = localDatabaseUrl();
    process.env.KAFKA_BROKERS = localKafkaBrokers().join(',');
    set('commandPathOverHttp', {
      date: new Date().toISOString(),
      machine: machine(),
      ...(await commandPathOverHttp(localDatabaseUrl())),
    });
    save();
  }
  if (selected('kafka')) {
    const date = new Date().toISOString();
    set('kafkaClients', { date, machine: machine(), ...(await kafkaClients(localKafkaBrokers())) });
    save();
  }
  if (selected('store')) {
    const date = new Date().toISOString();
    const url = localDatabaseUrl();
    // BENCH_STORE=emmett runs the comparison alone and keeps the other store figures' last results.
    const againstEmmett = await storeAppendsAgainstEmmett(url);
    const rest = process.env.BENCH_STORE === 'emmett' ? {} : await storeBench(url);
    set('store', { ...(results.store as object), date, machine: machine(), ...rest, againstEmmett });
    save();
  }
  if (selected('rebuild')) {
    const url = localDatabaseUrl();
    const notifier = new AppendNotifier(url);
    await notifier.start();
    const date = new Date().toISOString();
    set('rebuild', { date, machine: machine(), ...(await rebuildBench(url, notifier)) });
    save();
    await notifier.stop();
  }
  if (selected('dayjobs')) {
    set('dayJobs', { machine: machine(), ...(await overdueClockDay(localDatabaseUrl())) });
    save();
  }
  if (selected('simulate')) {
    set('simulate', {
      machine: machine(),
      ...(await simulateBench(localDatabaseUrl(), localKafkaBrokers())),
    });
    save();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
