import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';

const repoRoot = resolve(__dirname, '../../..');

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

async function selectOne(databaseUrl: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<{ n: number }>('select 1 as n')).rows[0]!.n;
  } finally {
    await client.end();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** infra/postgres/serve-embedded.ts (what `pnpm start` and infra/postgres/start.sh run), in a process of its own. */
function serveEmbedded(port: number, dataDir: string) {
  const child = spawn(join(repoRoot, 'node_modules/.bin/tsx'), ['infra/postgres/serve-embedded.ts'], {
    cwd: repoRoot,
    env: { ...process.env, PGPORT: String(port), PG_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const started = new Promise<string>((done, fail) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('postgres://'));
      if (line) done(line.trim());
    });
    child.once('exit', (code) => fail(new Error(`serve-embedded exited ${code}: ${err.slice(-2000)}`)));
  });
  return { child, started };
}

/**
 * `pnpm start` killed with `kill -9` cannot stop its embedded PostgreSQL: the server lives on,
 * holding the data folder and the port. The next start must still come up (it used to exit
 * with `undefined`).
 */
describe('the embedded PostgreSQL after its process was killed', () => {
  const parent = mkdtempSync(join(tmpdir(), 'ar-embedded-'));
  const dataDir = join(parent, 'data');
  const children: ChildProcess[] = [];

  afterAll(async () => {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 2000));
    rmSync(parent, { recursive: true, force: true });
  });

  it('starts again on the same data and port, the server left behind stopped first', async () => {
    const port = await freePort();
    const first = serveEmbedded(port, dataDir);
    children.push(first.child);
    const url = await first.started;
    expect(await selectOne(url)).toBe(1);
    const leftBehind = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    expect(alive(leftBehind)).toBe(true); // what kill -9 leaves

    const second = serveEmbedded(port, dataDir);
    children.push(second.child);
    expect(await selectOne(await second.started)).toBe(1);
    expect(alive(leftBehind)).toBe(false);
  }, 90_000);

  it('says why when the port is taken by a server it did not start', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const { port } = blocker.address() as { port: number };
    try {
      const other = serveEmbedded(port, join(parent, 'other'));
      children.push(other.child);
      await expect(other.started).rejects.toThrow(new RegExp(`port ${port}: another server listens there`));
    } finally {
      blocker.close();
    }
  }, 60_000);
});
