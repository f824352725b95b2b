import { Client } from 'pg';
import type { Logger } from 'pino';
import { OutageLog } from './outage-log';

/** Work that must run in one instance at a time: a relay, a projection, a day job. */
export interface LeasedWork {
  /** Unique in the database: include the schema (`invoicing:relay:ar.invoicing.events.v1`). */
  name: string;
  /** This instance became the owner: start the work. */
  start(): void | Promise<void>;
  /** Ownership is lost or given up: stop the work; resolves once it stopped. */
  stop(): Promise<void>;
}

export interface LeasesOptions {
  databaseUrl: string;
  logger: Logger;
  /** How often a standby tries to take a lease (and the owner checks its connection). */
  retryMs?: number;
}

/**
 * One active owner per relay, projection and day job across every instance of a service: a
 * session-level `pg_try_advisory_lock` held on one dedicated connection per process. When the
 * owner dies (`kill -9`, a crash, a lost network), PostgreSQL ends its session and releases
 * its locks, and a standby takes them on its next try - within `retryMs`. A process whose lease
 * connection fails stops its leased work at once. Checkpoints are compare-and-set besides, so an
 * owner that wakes up from a long pause after losing its lease stores nothing.
 */
export class Leases {
  private client: Client | undefined;
  private readonly work = new Map<string, { work: LeasedWork; owned: boolean }>();
  private timer: NodeJS.Timeout | undefined;
  private tick: Promise<void> = Promise.resolve();
  private closed = false;

  private readonly outage: OutageLog;

  constructor(private readonly options: LeasesOptions) {
    this.outage = new OutageLog(options.logger, 'lease check');
  }

  add(work: LeasedWork): void {
    if (this.work.has(work.name)) throw new Error(`lease ${work.name} added twice`);
    this.work.set(work.name, { work, owned: false });
  }

  /** Takes every free lease now (a single instance owns everything from its start), then keeps trying. */
  async start(): Promise<void> {
    await this.tryAll();
    const retryMs = this.options.retryMs ?? 1000;
    this.timer = setInterval(() => {
      this.tick = this.tick.then(() => this.tryAll());
    }, retryMs);
    this.timer.unref();
  }

  /** Which leases this instance holds (for /ready and metrics). */
  owned(): Record<string, boolean> {
    return Object.fromEntries([...this.work].map(([name, w]) => [name, w.owned]));
  }

  isOwner(name: string): boolean {
    return this.work.get(name)?.owned ?? false;
  }

  /** Stops the leased work and gives the leases up, so a standby takes over at once. */
  async stop(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.tick;
    await this.loseAll('stopping');
    await this.client?.end().catch(() => {});
    this.client = undefined;
  }

  private async connection(): Promise<Client> {
    if (this.client) return this.client;
    const client = new Client({
      connectionString: this.options.databaseUrl,
      application_name: 'ar-leases',
      keepAlive: true,
      // A server that does not answer must not stall the lease checks: give up, try again.
      connectionTimeoutMillis: 5000,
      query_timeout: 5000,
    });
    client.on('error', (error) => {
      if (this.client !== client) return;
      this.client = undefined;
      this.options.logger.warn({ err: error }, 'lease connection lost; stopping leased work');
      this.tick = this.tick.then(() => this.loseAll('lease connection lost'));
    });
    await client.connect();
    this.client = client;
    return client;
  }

  private async tryAll(): Promise<void> {
    if (this.closed) return;
    try {
      const client = await this.connection();
      if ([...this.work.values()].some((w) => w.owned)) await client.query('select 1'); // still ours?
      for (const [name, entry] of this.work) {
        if (entry.owned || this.closed) continue;
        const { rows } = await client.query<{ locked: boolean }>(
          'select pg_try_advisory_lock(hashtextextended($1, 0)) as locked',
          [name],
        );
        if (!rows[0]?.locked) continue;
        entry.owned = true;
        this.options.logger.info({ lease: name }, 'lease taken: this instance runs it');
        await entry.work.start();
      }
      this.outage.succeeded();
    } catch (error) {
      // The connection is gone (or never came): whatever we held is no longer ours. Tried again
      // every tick: logged when it starts, once a minute, and when it is over.
      this.outage.failed(error);
      const client = this.client;
      this.client = undefined;
      await client?.end().catch(() => {});
      await this.loseAll('lease check failed');
    }
  }

  private async loseAll(reason: string): Promise<void> {
    for (const [name, entry] of this.work) {
      if (!entry.owned) continue;
      entry.owned = false;
      this.options.logger.info({ lease: name, reason }, 'lease given up: work stopped here');
      await entry.work
        .stop()
        .catch((error) => this.options.logger.error({ err: error, lease: name }, 'stop failed'));
    }
    if (this.client && !this.closed) return;
    await this.client?.query('select pg_advisory_unlock_all()').catch(() => {});
  }
}
