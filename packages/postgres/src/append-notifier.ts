import { Client } from 'pg';
import { NOTIFY_CHANNEL } from './event-store';

/**
 * Wakes store readers (relay, projections) when an append commits, through PostgreSQL's
 * LISTEN/NOTIFY, so nothing polls on a short sleep. A per-schema counter closes the gap between
 * "read found nothing" and "start waiting": a waiter whose counter moved returns at once.
 */
export class AppendNotifier {
  private client: Client | undefined;
  private readonly counters = new Map<string, number>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private closed = false;

  constructor(private readonly databaseUrl: string) {}

  async start(): Promise<void> {
    const client = new Client({ connectionString: this.databaseUrl, application_name: 'ar-append-notifier' });
    client.on('notification', (msg) => this.signal(msg.payload ?? ''));
    client.on('error', () => {
      // Readers fall back to their poll interval; reconnect in the background.
      this.client = undefined;
      if (!this.closed) setTimeout(() => this.start().catch(() => {}), 1000).unref();
    });
    await client.connect();
    await client.query(`listen ${NOTIFY_CHANNEL}`);
    this.client = client;
  }

  /** Also callable in-process, e.g. by a test or an in-memory store. */
  signal(schema: string): void {
    this.counters.set(schema, (this.counters.get(schema) ?? 0) + 1);
    const set = this.waiters.get(schema);
    if (!set) return;
    this.waiters.delete(schema);
    for (const wake of set) wake();
  }

  counter(schema: string): number {
    return this.counters.get(schema) ?? 0;
  }

  /** Resolves on the next append to `schema` after `seen`, or after `timeoutMs`. */
  wait(schema: string, seen: number, timeoutMs: number): Promise<void> {
    if (this.counter(schema) !== seen || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const set = this.waiters.get(schema) ?? new Set();
      this.waiters.set(schema, set);
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        set.delete(done);
        resolve();
      }
      set.add(done);
    });
  }

  async stop(): Promise<void> {
    this.closed = true;
    for (const schema of [...this.waiters.keys()]) this.signal(schema);
    await this.client?.end().catch(() => {});
  }
}
