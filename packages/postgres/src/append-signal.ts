import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';

export const NOTIFY_CHANNEL = 'ar_events';

/** Names this process in its notifications, so its own readers, told already, skip them. */
export const PROCESS_SIGNAL_SOURCE = randomBytes(6).toString('hex');

/** The NOTIFY payload: the schema that has new events, and the process that says so. */
export function signalPayload(schema: string, source?: string): string {
  return source ? `${schema}:${source}` : schema;
}

export function parseSignalPayload(payload: string): { schema: string; source: string | undefined } {
  const [schema = '', source] = payload.split(':');
  return { schema, source };
}

const localListeners = new Set<(schema: string) => void>();

/** Hears of appends this process committed, as they commit (the AppendNotifiers of this process). */
export function onLocalAppend(listener: (schema: string) => void): () => void {
  localListeners.add(listener);
  return () => localListeners.delete(listener);
}

/** How often at most a store NOTIFYs other processes of its appends to one schema. */
const NOTIFY_EVERY_MS = 10;

/**
 * Tells readers that a schema has new events once an append has committed: this process's
 * readers at once, in memory; other processes' by a NOTIFY sent outside the append's
 * transaction, at most one every 10 ms (the first at once, the last after the last append).
 *
 * A NOTIFY inside the append's transaction takes PostgreSQL's notify queue lock at commit and
 * holds it through the commit's WAL flush, so every appending transaction of the cluster commits
 * one after the other: 16 writers made ~630 appends/s that way on the 2-core bench machine, ~920
 * this way (`BENCH_ONLY=store pnpm bench`). A signal lost in a crash between commit and NOTIFY
 * only delays readers to their poll: they read the store, never the signals.
 */
export class AppendSignal {
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private pending = false;
  private sending = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
  ) {}

  committed(): void {
    for (const listener of localListeners) listener(this.schema);
    this.pending = true;
    this.flush();
  }

  private flush(): void {
    if (!this.pending || this.sending || this.timer) return;
    const wait = this.lastSentAt + NOTIFY_EVERY_MS - performance.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, wait);
      return;
    }
    this.pending = false;
    this.sending = true;
    this.lastSentAt = performance.now();
    this.pool
      .query('select pg_notify($1, $2)', [NOTIFY_CHANNEL, signalPayload(this.schema, PROCESS_SIGNAL_SOURCE)])
      .catch(() => {}) // the pool ended, or the database is away: readers poll
      .finally(() => {
        this.sending = false;
        this.flush();
      });
  }
}
