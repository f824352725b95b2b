import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { repoRoot, stopProcess } from '@ar/platform';
import { createSchemaPool } from '@ar/postgres';
import { servedTestIssuer } from '../support/auth';
import { ensureBuilt } from '../support/built';
import { eventually, testInfra, unique } from '../support/infra';
import { portOpen } from '../support/own-servers';
import { freePort } from '../support/service-instances';

/** Every process below `pid` (children, their children...), read from /proc. */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of parentOf)
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
  };
  walk(pid);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * What an operator (or a process manager) does: start a service with `pnpm start:service`,
 * `pnpm start:built` or `pnpm start`, later send SIGTERM to that pnpm process. The service must stop with it - no
 * process left serving its port without anyone watching it (it used to be: pnpm and the shell
 * died, tsx and the service went on as orphans).
 */
describe('pnpm start scripts stopped by SIGTERM', () => {
  const { databaseUrl, kafkaBrokers } = testInfra();
  const started: ChildProcess[] = [];
  const left: number[] = [];

  afterAll(async () => {
    for (const pid of left) if (alive(pid)) process.kill(pid, 'SIGKILL');
    for (const child of started) await stopProcess(child, 'SIGKILL');
  });

  /** Runs `pnpm <args>`, waits for /health on `port`, SIGTERMs pnpm: everything below it ends, the port closes. */
  async function startThenTerminate(args: string[], port: number, env: Record<string, string>) {
    const pnpm = spawn('pnpm', args, {
      cwd: repoRoot,
      env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    started.push(pnpm);
    await eventually(
      async () =>
        (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.ok ? true : undefined,
      90_000,
      `pnpm ${args.join(' ')} to answer /health`,
    );
    const tree = descendants(pnpm.pid!);
    left.push(...tree);
    expect(tree.length).toBeGreaterThan(0);

    const began = Date.now();
    pnpm.kill('SIGTERM');
    await eventually(async () => ((await portOpen(port)) ? undefined : true), 15_000, 'the port closed');
    await eventually(
      async () => (tree.every((pid) => !alive(pid)) ? true : undefined),
      15_000,
      'every process pnpm started gone',
    );
    expect(Date.now() - began).toBeLessThan(15_000);
  }

  it('pnpm start:service invoicing: the service stops with pnpm', async () => {
    const port = await freePort();
    const run = unique('startsvc');
    await startThenTerminate(['start:service', 'invoicing'], port, {
      ...(await servedTestIssuer()).env,
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: kafkaBrokers.join(','),
      PORT: String(port),
      DB_SCHEMA: `${run}_invoicing`,
      TOPIC_PREFIX: `${run}.`,
      GROUP_PREFIX: `${run}.`,
    });
  }, 150_000);

  it('pnpm start:built invoicing (the built JavaScript): the service stops with pnpm', async () => {
    await ensureBuilt();
    const port = await freePort();
    const run = unique('startbuilt');
    await startThenTerminate(['start:built', 'invoicing'], port, {
      ...(await servedTestIssuer()).env,
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: kafkaBrokers.join(','),
      PORT: String(port),
      DB_SCHEMA: `${run}_invoicing`,
      TOPIC_PREFIX: `${run}.`,
      GROUP_PREFIX: `${run}.`,
    });
  }, 150_000);

  it('pnpm start (the embedded process, one service, a database of its own): it stops with pnpm', async () => {
    const database = unique('startall');
    const admin = createSchemaPool(databaseUrl, 'public', { max: 1 });
    await admin.query(`create database ${database}`);
    const url = new URL(databaseUrl);
    url.pathname = `/${database}`;
    const port = await freePort();
    try {
      await startThenTerminate(['start'], port, {
        ...(await servedTestIssuer()).env,
        DATABASE_URL: url.toString(),
        SERVICES: 'invoicing',
        INVOICING_PORT: String(port),
        BUSINESS_DATE: '2026-03-02',
      });
    } finally {
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.end();
    }
  }, 150_000);
});
