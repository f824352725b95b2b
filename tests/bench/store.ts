import type { ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { foldEvents, NO_STREAM } from '@ar/kernel';
import { BusinessClock, type ServiceContext, spawnTypeScript, stopProcess } from '@ar/platform';
import { createSchemaPool, eventStoreMigrations, migrate, PostgresEventStore } from '@ar/postgres';
import { type CustomerEvent, customerDecider } from '../../services/credit-scoring/src/customer/decider';
import { acmeProfile, longCreditFile } from '../../services/credit-scoring/src/customer/fixtures';
import { customerHandler } from '../../services/credit-scoring/src/customer/handler';
import { DEFAULT_CREDIT_POLICY } from '../../services/credit-scoring/src/policy/credit-policy';

const WRITERS = Number(process.env.BENCH_STORE_WRITERS ?? 16);
const SECONDS = Number(process.env.BENCH_STORE_SECONDS ?? 10);
const WAKE_UPS = 100;
const LONG_STREAM = 20_000;
const metadata = { correlationId: 'bench-store' };
const now = () => performance.timeOrigin + performance.now();

/** The store follower in a process of its own, and the times at which it had read n events. */
function follow(databaseUrl: string, schema: string) {
  const child: ChildProcess = spawnTypeScript(
    'tests/bench/store-follower.ts',
    { DATABASE_URL: databaseUrl, SCHEMA: schema },
    ['ignore', 'pipe', 'inherit'],
  );
  let read = 0;
  const waiting: { count: number; resolve: (at: number) => void }[] = [];
  let ready: () => void;
  const started = new Promise<void>((resolve) => {
    ready = resolve;
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as { ready?: true; n: number; at: number };
    if (message.ready) return ready();
    read += message.n;
    for (const w of waiting.filter((w) => read >= w.count)) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve(message.at);
    }
  });
  return {
    started,
    /** When the follower had read `count` events in all. */
    hasRead: (count: number) =>
      read >= count
        ? Promise.resolve(now())
        : new Promise<number>((resolve) => waiting.push({ count, resolve })),
    stop: () => stopProcess(child, 'SIGKILL'),
  };
}

/** Appends of one event to a new stream by 16 concurrent writers, read by another process. */
async function appendThroughput(databaseUrl: string) {
  const schema = `bench_store_${Date.now().toString(36)}`;
  const pool = createSchemaPool(databaseUrl, schema, { max: WRITERS + 2 });
  await migrate(pool, schema, eventStoreMigrations);
  const store = new PostgresEventStore(pool, schema);
  const follower = follow(databaseUrl, schema);
  await follower.started;
  try {
    const append = (stream: string) =>
      store.appendToStream(stream, [{ type: 'InvoiceIssued', data: { stream } }], {
        expectedVersion: NO_STREAM,
        metadata,
      });

    // Idle: one append at a time, 20 ms apart: how soon the other process reads it.
    const wakeUps: number[] = [];
    for (let i = 0; i < WAKE_UPS; i++) {
      await append(`invoice-wake-${i}`);
      const committed = now();
      wakeUps.push((await follower.hasRead(i + 1)) - committed);
      await sleep(20);
    }

    // Busy: 16 writers for SECONDS.
    let appended = 0;
    const started = performance.now();
    const until = started + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        for (let i = 0; performance.now() < until; i++) {
          await append(`invoice-w${w}-${i}`);
          appended++;
        }
      }),
    );
    const elapsed = performance.now() - started;
    const lastCommitted = now();
    const caughtUp = await follower.hasRead(WAKE_UPS + appended);
    return {
      writers: WRITERS,
      appendsPerSecond: Math.round(appended / (elapsed / 1000)),
      otherProcessReaderLagAfterLastAppendMs: Math.max(0, Math.round(caughtUp - lastCommitted)),
      idleAppendToOtherProcessReadMs: percentiles(wakeUps),
    };
  } finally {
    await follower.stop();
    await pool.end();
  }
}

/**
 * Loading one customer (credit-scoring) whose stream holds 20,000 events: every event read and
 * folded, then through its aggregate - the first load takes a snapshot, the next start from it.
 */
async function longStreamLoad(databaseUrl: string) {
  const schema = `bench_stream_${Date.now().toString(36)}`;
  const pool = createSchemaPool(databaseUrl, schema);
  await migrate(pool, schema, eventStoreMigrations);
  const store = new PostgresEventStore(pool, schema);
  const stream = `customer-${acmeProfile.customerId}`;
  try {
    const decider = customerDecider(DEFAULT_CREDIT_POLICY);
    const events = longCreditFile(decider, LONG_STREAM);
    for (let i = 0; i < events.length; i += 1000) {
      await store.appendToStream(stream, events.slice(i, i + 1000), { expectedVersion: i, metadata });
    }
    const timed = async (times: number, work: () => unknown) => {
      const ms: number[] = [];
      for (let r = 0; r < times; r++) {
        const started = performance.now();
        await work();
        ms.push(performance.now() - started);
      }
      return median(ms);
    };
    const foldMs = await timed(5, () => foldEvents(decider, events));
    const readAndFoldAllMs = await timed(5, async () =>
      foldEvents(
        decider,
        (await store.readStream<CustomerEvent>(stream)).events as unknown as CustomerEvent[],
      ),
    );
    const customers = customerHandler(
      { store, clock: new BusinessClock('2026-06-01') } as ServiceContext,
      DEFAULT_CREDIT_POLICY,
    );
    const load = async () => {
      const { version } = await customers.load(acmeProfile.customerId);
      if (version !== LONG_STREAM) throw new Error(`loaded version ${version}, expected ${LONG_STREAM}`);
    };
    const firstLoadTakingSnapshotMs = await timed(1, load);
    const loadFromSnapshotMs = await timed(5, load);
    return {
      events: LONG_STREAM,
      kind: 'credit-scoring customer: payment behaviour and the scores it moves',
      foldMs,
      readAndFoldAllMs,
      firstLoadTakingSnapshotMs,
      loadFromSnapshotMs,
    };
  } finally {
    await pool.end();
  }
}

const median = (xs: number[]) => Number([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(1));

function percentiles(xs: number[]) {
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (p: number) => Number(sorted[Math.floor((sorted.length - 1) * p)]!.toFixed(1));
  return { p50: at(0.5), p95: at(0.95), max: at(1) };
}

/**
 * The event store on this machine: append throughput with 16 concurrent writers while a reader
 * in another process follows; how soon that reader sees an append at idle; loading a 20,000-event
 * stream.
 */
export async function storeBench(databaseUrl: string) {
  // The machine may be shared: how busy it was says how far to trust the figures.
  const loadAverage = loadavg()[0]!.toFixed(1);
  const appends = await appendThroughput(databaseUrl);
  console.log(JSON.stringify({ appends }));
  const longStream = await longStreamLoad(databaseUrl);
  console.log(JSON.stringify({ longStream }));
  return {
    scenario: `${WRITERS} writers appending one event to a new stream each for ${SECONDS} s, a reader in another process following; a ${LONG_STREAM}-event customer stream loaded`,
    loadAverageAtStart: Number(loadAverage),
    appends,
    longStream,
  };
}
