import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { freshStoreSchema } from '../../../tests/support/infra';
import { AppendNotifier } from './append-notifier';
import { NOTIFY_CHANNEL, signalPayload } from './append-signal';

/** A TCP hop between the notifier and PostgreSQL that can play "the database is down". */
async function outageProxy(target: URL) {
  const sockets = new Set<Socket>();
  let down = false;
  const server: Server = createServer((client) => {
    if (down) return void client.destroy();
    const upstream = tcpConnect(Number(target.port || 5432), target.hostname);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(a);
      a.pipe(b);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        sockets.delete(a);
        b.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    goDown() {
      down = true;
      for (const s of sockets) s.destroy();
    },
    comeBack() {
      down = false;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('append notifier', () => {
  let ctx: Awaited<ReturnType<typeof freshStoreSchema>>;
  let proxy: Awaited<ReturnType<typeof outageProxy>>;
  let notifier: AppendNotifier;
  beforeAll(async () => {
    ctx = await freshStoreSchema('notifier');
    proxy = await outageProxy(new URL(ctx.databaseUrl));
  });
  afterAll(async () => {
    await notifier?.stop();
    proxy.goDown();
    await proxy.close();
    await ctx.pool.end();
  });

  const listening = async () => {
    const { rows } = await ctx.pool.query(
      `select 1 from pg_stat_activity where application_name = $1 and state = 'idle' and query ilike 'listen%'`,
      [notifier.applicationName],
    );
    return rows.length > 0;
  };
  const untilListening = async () => {
    const deadline = Date.now() + 10_000;
    while (!(await listening())) {
      if (Date.now() > deadline) throw new Error('the notifier never listened again');
      await sleep(20);
    }
  };
  /** What an append in another process sends (this process's own are signalled in memory). */
  const appendElsewhere = () =>
    ctx.pool.query('select pg_notify($1, $2)', [
      NOTIFY_CHANNEL,
      signalPayload(ctx.schema, 'another-process'),
    ]);
  /** How long that takes to wake a waiter (the readers' poll is 1 s; waiting gives up at 5 s). */
  const wakeUpMs = async () => {
    const waiting = notifier.wait(ctx.schema, notifier.counter(ctx.schema), 5000);
    const appended = performance.now();
    await appendElsewhere();
    await waiting;
    return performance.now() - appended;
  };

  it('listens again after an outage that outlasts its first reconnect attempts, and wakes readers at once', async () => {
    notifier = new AppendNotifier(proxy.url);
    await notifier.start();
    expect(await wakeUpMs()).toBeLessThan(500);

    proxy.goDown();
    await sleep(200);
    // A reader waiting through the outage, and an append it cannot hear of.
    let wokenAt: number | undefined;
    const waiting = notifier.wait(ctx.schema, notifier.counter(ctx.schema), 20_000).then(() => {
      wokenAt = performance.now();
    });
    await appendElsewhere();
    await sleep(2300);
    expect(wokenAt).toBeUndefined();
    proxy.comeBack();
    await untilListening();
    const listeningAt = performance.now();
    await waiting;
    expect(wokenAt! - listeningAt).toBeLessThan(500); // told to look once it listens again

    expect(await wakeUpMs()).toBeLessThan(500);
  });

  it('listens again when its backend is terminated over and over', async () => {
    const killingEnds = Date.now() + 2000;
    while (Date.now() < killingEnds) {
      await ctx.pool.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
        [notifier.applicationName],
      );
      await sleep(20);
    }
    await untilListening();
    expect(await wakeUpMs()).toBeLessThan(500);
  });
});
