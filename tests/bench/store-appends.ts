/**
 * This project's event store against @event-driven-io/emmett-postgresql on the same PostgreSQL:
 * 1, 16 and 64 writers appending one event each to new streams, the two stores in alternating
 * rounds (who goes first swaps every round) so a machine shared with other work weighs on both
 * alike. Each round is a fresh process and a fresh schema/database (`store-appends-worker.ts`).
 */
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { spawnTypeScript } from '@ar/platform';

const WRITER_COUNTS = (process.env.BENCH_APPEND_WRITERS ?? '1,16,64').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_APPEND_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_APPEND_SECONDS ?? 5);

type Store = 'ar' | 'emmett';

interface Round {
  appends: number;
  elapsedSeconds: number;
  latencies: number[];
}

function round(databaseUrl: string, store: Store, writers: number): Promise<Round> {
  const child = spawnTypeScript(
    'tests/bench/store-appends-worker.ts',
    { DATABASE_URL: databaseUrl, STORE: store, WRITERS: String(writers), SECONDS: String(SECONDS) },
    ['ignore', 'pipe', 'inherit'],
  );
  let result: Round | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    result = JSON.parse(line) as Round;
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) =>
      code === 0 && result
        ? resolve(result)
        : reject(new Error(`${store} round with ${writers} writers: exit ${code}`)),
    );
  });
}

const percentile = (sorted: number[], p: number) =>
  Number(sorted[Math.floor((sorted.length - 1) * p)]!.toFixed(1));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ratio = (a: number, b: number) => Number((a / b).toFixed(2));

export async function storeAppendsAgainstEmmett(databaseUrl: string) {
  const loads: number[] = [];
  const rounds: Record<number, Record<Store, Round[]>> = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const writers of WRITER_COUNTS) {
      const order: Store[] = r % 2 === 0 ? ['ar', 'emmett'] : ['emmett', 'ar'];
      rounds[writers] ??= { ar: [], emmett: [] };
      for (const store of order) {
        loads.push(loadavg()[0]!);
        const result = await round(databaseUrl, store, writers);
        rounds[writers]![store].push(result);
        console.log(
          JSON.stringify({
            round: r + 1,
            writers,
            store,
            appendsPerSecond: Math.round(result.appends / result.elapsedSeconds),
            load: Number(loadavg()[0]!.toFixed(1)),
          }),
        );
      }
    }
  }
  const summary = (results: Round[]) => {
    const perRound = results.map((r) => Math.round(r.appends / r.elapsedSeconds));
    const sorted = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
    return {
      appendsPerSecond: median(perRound),
      perRound,
      latencyMs: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) },
    };
  };
  const byWriters = WRITER_COUNTS.map((writers) => {
    const ar = summary(rounds[writers]!.ar);
    const emmett = summary(rounds[writers]!.emmett);
    return {
      writers,
      ar,
      emmett,
      ratio: {
        appendsPerSecond: ratio(ar.appendsPerSecond, emmett.appendsPerSecond),
        perRound: ar.perRound.map((a, i) => ratio(a, emmett.perRound[i]!)),
        p99: ratio(ar.latencyMs.p99, emmett.latencyMs.p99),
      },
    };
  });
  for (const w of byWriters)
    console.log(
      `${w.writers} writers: ar ${w.ar.appendsPerSecond}/s (p50 ${w.ar.latencyMs.p50} / p99 ${w.ar.latencyMs.p99} ms), emmett ${w.emmett.appendsPerSecond}/s (p50 ${w.emmett.latencyMs.p50} / p99 ${w.emmett.latencyMs.p99} ms): ${w.ratio.appendsPerSecond}x (rounds ${w.ratio.perRound.join(', ')})`,
    );
  return {
    scenario: `1 event per append to new streams, ${WRITER_COUNTS.join('/')} writers, this store against @event-driven-io/emmett-postgresql 0.42.0 on the same PostgreSQL, ${ROUNDS} alternating rounds of ${SECONDS} s, each in a fresh process and schema/database; median of rounds, latency percentiles over every append`,
    loadAverage: { min: Number(Math.min(...loads).toFixed(1)), max: Number(Math.max(...loads).toFixed(1)) },
    byWriters,
  };
}
