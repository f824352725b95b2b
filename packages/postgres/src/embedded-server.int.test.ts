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

/** Running: a process that exited but is not reaped yet (a zombie: its parent was killed) is not. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
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
    // kill -9 of the process that started the server (tsx runs the script in a node of its own)
    const starter = Number(readFileSync(`${dataDir}.owner`, 'utf8').trim());
    process.kill(starter, 'SIGKILL');
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    while (alive(starter)) await new Promise((r) => setTimeout(r, 50));
    expect(alive(leftBehind)).toBe(true); // what kill -9 leaves

    const second = serveEmbedded(port, dataDir);
    children.push(second.child);
    expect(await selectOne(await second.started)).toBe(1);
    expect(alive(leftBehind)).toBe(false);
  }, 90_000);

  it('a second process on the same data uses the running server and leaves it running; the one that started it stops it', async () => {
    const port = await freePort();
    const dir = join(parent, 'shared');
    const first = serveEmbedded(port, dir);
    children.push(first.child);
    const url = await first.started;
    const server = Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);

    const second = serveEmbedded(port, dir);
    children.push(second.child);
    expect(await second.started).toBe(url);
    expect(alive(server)).toBe(true); // not stopped and restarted under the first
    expect(Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0])).toBe(server);

    second.child.kill('SIGTERM'); // the second did not start it: it leaves it running
    await new Promise((r) => second.child.once('exit', r));
    expect(alive(server)).toBe(true);
    expect(await selectOne(url)).toBe(1);

    first.child.kill('SIGTERM'); // the one that started it stops it
    await new Promise((r) => first.child.once('exit', r));
    for (let waited = 0; alive(server) && waited < 10_000; waited += 100)
      await new Promise((r) => setTimeout(r, 100));
    expect(alive(server)).toBe(false);
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
