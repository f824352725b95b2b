import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from '@ar/platform';

/** Runs an infra/ script with `env`; resolves with its last line of output, rejects with its stderr. */
export function runScript(script: string, env: Record<string, string>, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(repoRoot, 'infra', script)], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(out.trim().split('\n').at(-1) ?? '');
      reject(new Error(`infra/${script} failed (${signal ?? `exit ${code}`}):\n${err.slice(-3000)}`));
    });
  });
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A PostgreSQL server and a Kafka broker of one test's own (infra/postgres and infra/kafka on
 * other ports, data under .data/), so the test can stop and start them under running services
 * without touching the servers other tests share. Fails loudly when they cannot start.
 *
 * Two runs at once (two `pnpm test` on one machine) must not stop each other's servers: a run
 * claims a pair of ports with a lock file naming its process; a pair claimed by a live process
 * is left alone and the next pair (+10) is tried; one claimed by a dead process is taken over
 * (its servers, left running, are stopped by their pid files).
 */
export class OwnServers {
  readonly pgDataDir: string;
  readonly kafkaDataDir: string;
  readonly databaseUrl: string;
  readonly kafkaBrokers: string[];
  private readonly lockFile: string;

  private constructor(
    readonly pgPort: number,
    readonly kafkaPort: number,
    workDir: string,
  ) {
    this.pgDataDir = join(repoRoot, '.data', `postgres-${pgPort}`); // where infra/postgres keeps it
    this.kafkaDataDir = join(workDir, `kafka-${kafkaPort}`);
    this.lockFile = join(workDir, `ports-${pgPort}-${kafkaPort}.lock`);
    this.databaseUrl = `postgres://postgres:postgres@127.0.0.1:${pgPort}/postgres`;
    this.kafkaBrokers = [`127.0.0.1:${kafkaPort}`];
  }

  /** Claims the first pair of ports from (pgPort, kafkaPort) on that no live run holds. */
  static claim(pgPort: number, kafkaPort: number, workDir: string): OwnServers {
    mkdirSync(workDir, { recursive: true });
    for (let k = 0; k < 10; k++) {
      const servers = new OwnServers(pgPort + 10 * k, kafkaPort + 10 * k, workDir);
      try {
        writeFileSync(servers.lockFile, String(process.pid), { flag: 'wx' });
        return servers;
      } catch {
        const holder = Number(readFileSync(servers.lockFile, 'utf8'));
        if (holder && alive(holder)) continue;
        writeFileSync(servers.lockFile, String(process.pid)); // a dead run's: ours now
        return servers;
      }
    }
    throw new Error(`no free pair of ports from ${pgPort}/${kafkaPort}: ten runs at once?`);
  }

  /** Lets the next run have the ports. */
  release(): void {
    try {
      if (Number(readFileSync(this.lockFile, 'utf8')) === process.pid) rmSync(this.lockFile);
    } catch {
      // already gone
    }
  }

  private get pgEnv() {
    return { PGPORT: String(this.pgPort) };
  }

  private get kafkaEnv() {
    return {
      KAFKA_PORT: String(this.kafkaPort),
      KAFKA_CONTROLLER_PORT: String(this.kafkaPort + 1),
      KAFKA_DATA_DIR: this.kafkaDataDir,
      KAFKA_HEAP: '512m',
    };
  }

  /** Fresh servers: what an earlier run left (by its pid files) stopped, the data wiped, both started. */
  async start(): Promise<void> {
    await Promise.all([this.stopPostgres(), this.stopKafka()]);
    for (const port of [this.pgPort, this.kafkaPort, this.kafkaPort + 1]) {
      if (await portOpen(port))
        throw new Error(
          `port ${port} is taken by a server this test did not start: free it or move the test`,
        );
    }
    rmSync(this.pgDataDir, { recursive: true, force: true });
    rmSync(this.kafkaDataDir, { recursive: true, force: true });
    await Promise.all([this.startPostgres(), this.startKafka()]);
  }

  async startPostgres(): Promise<void> {
    const url = await runScript('postgres/start.sh', this.pgEnv);
    if (!url.startsWith('postgres://')) throw new Error(`infra/postgres/start.sh printed ${url}`);
  }

  async stopPostgres(): Promise<void> {
    await runScript('postgres/stop.sh', this.pgEnv);
  }

  /** A stop that left the port open would make start.sh reuse the old server: no restart at all. */
  private async closed(port: number, what: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (await portOpen(port)) {
      if (Date.now() > deadline) throw new Error(`${what} still listens on ${port} after its stop script`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async startKafka(): Promise<void> {
    const address = await runScript('kafka/start.sh', this.kafkaEnv);
    if (address !== this.kafkaBrokers[0]) throw new Error(`infra/kafka/start.sh printed ${address}`);
  }

  async stopKafka(): Promise<void> {
    await runScript('kafka/stop.sh', this.kafkaEnv);
  }

  /** stop.sh, then start.sh on the same data: what an operator's restart does. */
  async restartPostgres(): Promise<void> {
    await this.stopPostgres();
    await this.closed(this.pgPort, 'postgres');
    await this.startPostgres();
  }

  async restartKafka(): Promise<void> {
    await this.stopKafka();
    await this.closed(this.kafkaPort, 'kafka');
    await this.startKafka();
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.stopPostgres(), this.stopKafka()]);
  }
}

/**
 * Runs one of the project's TypeScript tools (`pnpm <script>`'s file, e.g.
 * infra/kafka/provision-access.ts) with `env` added, as an operator would; resolves with all it
 * printed, rejects with it when it exits otherwise than 0.
 */
export function runTool(file: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(repoRoot, 'node_modules', '.bin', 'tsx'), [file], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${file} failed:\n${out}`))));
  });
}
