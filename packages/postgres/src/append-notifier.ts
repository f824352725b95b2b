import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { NOTIFY_CHANNEL, onLocalAppend, PROCESS_SIGNAL_SOURCE, parseSignalPayload } from './append-signal';
import { DEFAULT_CONNECT_TIMEOUT_MS } from './pool';

const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 2000;

/**
 * Wakes store readers (relay, projections) when an append commits - in this process, told by the
 * store in memory; in any other, through PostgreSQL's LISTEN/NOTIFY - so nothing polls on a short
 * sleep. A per-schema counter closes the gap between "read found nothing" and "start waiting": a
 * waiter whose counter moved returns at once.
 *
 * When the listening connection is lost, readers fall back to their poll interval while it
 * reconnects, with backoff, for as long as it takes; once listening again it wakes every reader,
 * since an append may have committed unheard in between.
 */
export class AppendNotifier {
  /** Its backend's application_name, unique per notifier (what an operator or a test looks for). */
  readonly applicationName = `ar-append-notifier-${randomBytes(4).toString('hex')}`;
  /** The connection listening, or being opened to listen. */
  private client: Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private readonly counters = new Map<string, number>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private started = false;
  private closed = false;
  private stopHearingLocalAppends: (() => void) | undefined;

  constructor(
    private readonly databaseUrl: string,
    /** How long connecting may take before it is given up and tried again (a server that hangs). */
    private readonly connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS,
  ) {}

  /** Listens, or fails: a process should not start without its database. */
  async start(): Promise<void> {
    await this.listen();
    this.started = true;
    this.stopHearingLocalAppends = onLocalAppend((schema) => this.signal(schema));
  }

  private async listen(): Promise<void> {
    const client = new Client({
      connectionString: this.databaseUrl,
      application_name: this.applicationName,
      connectionTimeoutMillis: this.connectTimeoutMs,
    });
    this.client = client;
    client.on('notification', (msg) => {
      const { schema, source } = parseSignalPayload(msg.payload ?? '');
      if (source !== PROCESS_SIGNAL_SOURCE) this.signal(schema); // this process's: heard already
    });
    // Both may come for one loss (an error, then the end); `lost` acts once per connection.
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`listen ${NOTIFY_CHANNEL}`);
    } catch (error) {
      this.lost(client);
      throw error;
    }
    if (this.client !== client) throw new Error('the notifier connection was lost as it began listening');
    this.failures = 0;
  }

  private lost(client: Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => {});
    if (!this.started || this.closed) return;
    const backoff = Math.min(RECONNECT_FIRST_MS * 2 ** this.failures++, RECONNECT_MAX_MS);
    // Jitter, so the processes of a deployment do not all knock at once after a restart.
    this.reconnectTimer = setTimeout(() => this.reconnect(), backoff * (1 + Math.random() / 4));
    this.reconnectTimer.unref();
  }

  private async reconnect(): Promise<void> {
    this.reconnectTimer = undefined;
    if (this.closed) return;
    try {
      await this.listen();
    } catch {
      return; // `lost` has scheduled the next attempt
    }
    // Appends may have committed while nobody listened: every reader looks once.
    for (const schema of new Set([...this.counters.keys(), ...this.waiters.keys()])) this.signal(schema);
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
    this.stopHearingLocalAppends?.();
    clearTimeout(this.reconnectTimer);
    for (const schema of [...this.waiters.keys()]) this.signal(schema);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }
}
