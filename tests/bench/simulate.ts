import { execSync } from 'node:child_process';
import { loadavg } from 'node:os';
import type { IsoDate } from '@ar/kernel';
import { type RunResult, runSimulation } from '../../tools/simulator/src/run';

/** Simulated days (from 2026-01-01) of the default company; `pnpm simulate` runs 365. */
const DAYS = Number(process.env.BENCH_SIM_DAYS ?? 30);

const load = () => loadavg().map((l) => Number(l.toFixed(1)));

function summary(r: RunResult, days: number, wallSeconds: number) {
  return {
    wallSeconds,
    events: r.events,
    secondsPerDay: Number((wallSeconds / days).toFixed(2)),
    waiting: Object.fromEntries(
      Object.entries(r.waiting).map(([k, v]) => [k, k.endsWith('Ms') ? Math.round(v) : v]),
    ),
    tally: r.tally,
    figures: r.figures,
  };
}

/**
 * `pnpm simulate`'s default company (seed 42, 40 customers, policies on) for BENCH_SIM_DAYS days,
 * embedded (one process) then distributed (a process per service, over Kafka), one after the
 * other in one run: the wall time, the events stored, the mean business day and where the
 * distributed run waited; and whether both reached the same figures (they must: the same seed
 * gives the same events).
 */
export async function simulateBench(databaseUrl: string, kafkaBrokers: string[]) {
  const options = {
    seed: 42,
    days: DAYS,
    customers: 40,
    topFiveShare: 0.6,
    annualSales: 6_000_000_000,
    startDate: '2026-01-01' as IsoDate,
    policies: 'on' as const,
    databaseUrl,
  };
  const loadBefore = load();
  const commit = execSync('git rev-parse --short HEAD').toString().trim();
  const timed = async (mode: 'embedded' | 'distributed') => {
    const started = performance.now();
    const result = await runSimulation({
      ...options,
      mode,
      ...(mode === 'distributed' ? { kafkaBrokers } : {}),
    });
    return { result, wallSeconds: Math.round((performance.now() - started) / 1000) };
  };
  const embedded = await timed('embedded');
  const distributed = await timed('distributed');
  const result = {
    scenario: `pnpm simulate's default company (seed 42, 40 customers, policies on), ${DAYS} days from 2026-01-01, embedded then distributed`,
    date: new Date().toISOString(),
    commit,
    loadAverage: { before: loadBefore, after: load() },
    embedded: summary(embedded.result, DAYS, embedded.wallSeconds),
    distributed: summary(distributed.result, DAYS, distributed.wallSeconds),
    sameFigures:
      JSON.stringify(embedded.result.figures) === JSON.stringify(distributed.result.figures) &&
      JSON.stringify(embedded.result.tally) === JSON.stringify(distributed.result.tally),
  };
  console.log(JSON.stringify(result));
  return result;
}
