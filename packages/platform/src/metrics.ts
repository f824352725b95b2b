import { type MessageBus, withTimeout } from '@ar/messaging';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** A scrape's database and broker questions give up after this: /metrics must answer in an outage. */
const COLLECT_TIMEOUT_MS = 2000;

/** What one service's metrics are read from at scrape time (see `ServiceMetrics.watch`). */
export interface MetricSources {
  pool: Pool;
  bus: MessageBus;
  /** The relays' checkpoints and topics (its events', its evidence checkpoints'), when the service publishes. */
  relays: { checkpoint: string; topic: string }[];
  /** The projections' checkpoints by projection name. */
  projections: { name: string; checkpoint: string }[];
  /** The consumers: name (inbox, parked) and Kafka group with its topics. */
  consumers: { name: string; groupId: string; topics: string[] }[];
  /** The leases of this service's work, and whether this instance holds each. */
  leases(): Record<string, boolean>;
  /** The business day it is for this service. */
  today(): string;
  /** The latest business day whose day jobs are due (yesterday before BUSINESS_DAY_JOBS_AT). */
  dayJobsDue(): string;
}

/** Seconds since the epoch of an ISO date's midnight UTC: how Prometheus compares days. */
export function dayTimestamp(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / 1000;
}

/**
 * One service's Prometheus metrics, on its own registry (the embedded process runs five services,
 * each with its own /metrics). Counters and histograms are moved by the platform as things happen
 * (HTTP, commands, appends, day jobs); everything that is a state - backlogs, lag, parked
 * messages, leases, the pool - is read when scraped, so it is true of the whole deployment even
 * where another instance does the work.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly http: Histogram<'method' | 'route' | 'status_code'>;
  readonly commands: Counter<'aggregate' | 'command' | 'outcome'>;
  readonly appends: Histogram<never>;
  readonly dayJobDuration: Gauge<'job'>;
  private sources: MetricSources | undefined;

  constructor(
    readonly service: string,
    private readonly logger: Logger,
  ) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.stateGauges(registers);
    this.http = new Histogram({
      name: 'ar_http_request_duration_seconds',
      help: 'HTTP requests by route and status: rate from _count, errors where status_code is 5xx, duration',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.commands = new Counter({
      name: 'ar_commands_total',
      help: 'Commands handled, by type and outcome (accepted, unchanged, rejected, conflict, unavailable, failed)',
      labelNames: ['aggregate', 'command', 'outcome'],
      registers,
    });
    this.appends = new Histogram({
      name: 'ar_event_append_duration_seconds',
      help: 'Time to append a command’s events to the event store (commit included)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.dayJobDuration = new Gauge({
      name: 'ar_day_job_last_run_duration_seconds',
      help: 'How long the last business day run of each day job took, in the instance that ran it',
      labelNames: ['job'],
      registers,
    });
  }

  /** Where the scrape-time figures come from; until called they are simply absent. */
  watch(sources: MetricSources): void {
    this.sources = sources;
  }

  /** The exposition text (Prometheus 0.0.4 format) and its content type. */
  async expose(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /**
   * Runs one scrape-time question; a database or broker that does not answer leaves its figures
   * out (and `ar_metrics_source_up` at 0) rather than failing or stalling the whole scrape.
   */
  private async ask<T>(source: 'database' | 'kafka', question: (s: MetricSources) => Promise<T>) {
    const sources = this.sources;
    if (!sources) return undefined;
    try {
      const answer = await withTimeout(question(sources), COLLECT_TIMEOUT_MS, `metrics from the ${source}`);
      this.up.set(source, true);
      return answer;
    } catch (error) {
      this.up.set(source, false);
      this.logger.debug({ err: error, source }, 'metrics: a source did not answer');
      return undefined;
    }
  }

  private readonly up = new Map<'database' | 'kafka', boolean>();
  private pending: Promise<Figures> | undefined;

  /**
   * Everything read from the database and the broker for one scrape, asked once: every gauge's
   * `collect` starts in the same tick of a scrape and awaits the same answers.
   */
  private figures(): Promise<Figures> {
    this.pending ??= this.read().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async read(): Promise<Figures> {
    const sources = this.sources;
    const database = this.ask('database', async (s) => {
      const relays = new Map<string, Behind>();
      for (const r of s.relays) relays.set(r.topic, await behind(s.pool, r.checkpoint));
      const projections = new Map<string, Behind>();
      for (const p of s.projections) projections.set(p.name, await behind(s.pool, p.checkpoint));
      const { rows: consumers } = await s.pool.query<{ consumer: string; parked: number; held: number }>(
        `select c.consumer,
                (select count(*)::int from consumer_parked p where p.consumer = c.consumer) as parked,
                (select count(*)::int from consumer_held h where h.consumer = c.consumer) as held
           from unnest($1::text[]) as c(consumer)`,
        [s.consumers.map((c) => c.name)],
      );
      const { rows: dayJobs } = await s.pool.query<{ job: string; last_day: string }>(
        "select job, to_char(last_day, 'YYYY-MM-DD') as last_day from business_days",
      );
      return { relays, projections, consumers, dayJobs };
    });
    const kafka =
      sources?.bus.consumerLag && sources.consumers.length > 0
        ? this.ask('kafka', async (s) => {
            const lags: Figures['lags'] = [];
            for (const c of s.consumers)
              for (const lag of (await s.bus.consumerLag?.(c.groupId, c.topics)) ?? [])
                lags.push({ group: c.groupId, ...lag });
            return lags;
          })
        : Promise.resolve([]);
    return { database: await database, lags: (await kafka) ?? [] };
  }

  private stateGauges(registers: Registry[]): void {
    const self = this;
    // The pool first: read before this scrape's own queries take connections from it.
    const pool = (name: string, help: string, read: (p: Pool) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const p = self.sources?.pool;
          if (p) this.set(read(p));
        },
      });
    pool(
      'ar_pg_pool_max_connections',
      'Connections the PostgreSQL pool may open',
      (p) => p.options.max ?? 10,
    );
    pool('ar_pg_pool_connections', 'Connections the PostgreSQL pool has open', (p) => p.totalCount);
    pool('ar_pg_pool_idle_connections', 'Open connections not in use', (p) => p.idleCount);
    pool(
      'ar_pg_pool_waiting_requests',
      'Queries waiting for a connection (the pool is saturated)',
      (p) => p.waitingCount,
    );
    /** A gauge set from this scrape's figures. */
    const gauge = <L extends string>(
      name: string,
      help: string,
      labelNames: L[],
      fill: (set: (labels: Record<L, string>, value: number) => void, figures: Figures) => void,
    ) =>
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers,
        async collect() {
          const figures = await self.figures();
          this.reset();
          fill((labels, value) => this.set(labels as never, value), figures);
        },
      });
    gauge(
      'ar_metrics_source_up',
      'Whether this scrape could read its figures from the source (database, kafka)',
      ['source'],
      (set) => {
        for (const [source, up] of self.up) set({ source }, up ? 1 : 0);
      },
    );
    gauge(
      'ar_relay_backlog_events',
      'Events stored that the relay has not yet gone past (published, or private and passed over)',
      ['topic'],
      (set, f) => {
        for (const [topic, b] of f.database?.relays ?? []) set({ topic }, b.events);
      },
    );
    gauge(
      'ar_relay_oldest_unpublished_age_seconds',
      'Age of the oldest event the relay has not yet gone past (0 when none)',
      ['topic'],
      (set, f) => {
        for (const [topic, b] of f.database?.relays ?? []) set({ topic }, b.oldestAgeSeconds);
      },
    );
    gauge(
      'ar_projection_lag_events',
      'Events stored that a projection has not yet applied',
      ['projection'],
      (set, f) => {
        for (const [projection, b] of f.database?.projections ?? []) set({ projection }, b.events);
      },
    );
    gauge(
      'ar_projection_lag_seconds',
      'Age of the oldest event a projection has not yet applied (0 when none)',
      ['projection'],
      (set, f) => {
        for (const [projection, b] of f.database?.projections ?? []) set({ projection }, b.oldestAgeSeconds);
      },
    );
    gauge(
      'ar_consumer_parked_messages',
      'Messages a consumer parked (consumer_parked, and its dead-letter topic) not yet redriven or skipped',
      ['consumer'],
      (set, f) => {
        for (const row of f.database?.consumers ?? []) set({ consumer: row.consumer }, row.parked);
      },
    );
    gauge(
      'ar_consumer_held_messages',
      'Events a consumer holds back until their stream reaches them (behind a gap or a parked event)',
      ['consumer'],
      (set, f) => {
        for (const row of f.database?.consumers ?? []) set({ consumer: row.consumer }, row.held);
      },
    );
    gauge(
      'ar_consumer_lag_messages',
      'Messages on a partition the consumer group has not committed yet (Kafka end offset less committed offset)',
      ['group', 'topic', 'partition'],
      (set, f) => {
        for (const l of f.lags)
          set({ group: l.group, topic: l.topic, partition: String(l.partition) }, l.lag);
      },
    );
    gauge(
      'ar_day_job_last_completed_day_timestamp_seconds',
      'The last business day each day job completed (midnight UTC of the day, in seconds since the epoch)',
      ['job'],
      (set, f) => {
        for (const row of f.database?.dayJobs ?? []) set({ job: row.job }, dayTimestamp(row.last_day));
      },
    );
    new Gauge({
      name: 'ar_business_today_timestamp_seconds',
      help: 'The business day it is for this service (midnight UTC, seconds since the epoch)',
      registers,
      collect() {
        const today = self.sources?.today();
        if (today) this.set(dayTimestamp(today));
      },
    });
    new Gauge({
      name: 'ar_day_jobs_due_day_timestamp_seconds',
      help: 'The latest business day whose day jobs are due: today from BUSINESS_DAY_JOBS_AT on, else yesterday (midnight UTC, seconds since the epoch)',
      registers,
      collect() {
        const due = self.sources?.dayJobsDue();
        if (due) this.set(dayTimestamp(due));
      },
    });
    new Gauge({
      name: 'ar_lease_owned',
      help: 'Whether this instance holds the lease (runs the relay or projection): 1 or 0',
      labelNames: ['lease'],
      registers,
      collect() {
        this.reset();
        for (const [lease, owned] of Object.entries(self.sources?.leases() ?? {}))
          this.set({ lease }, owned ? 1 : 0);
      },
    });
  }
}

interface Behind {
  events: number;
  oldestAgeSeconds: number;
}

interface Figures {
  database:
    | {
        relays: Map<string, Behind>;
        projections: Map<string, Behind>;
        consumers: { consumer: string; parked: number; held: number }[];
        dayJobs: { job: string; last_day: string }[];
      }
    | undefined;
  lags: { group: string; topic: string; partition: number; lag: number }[];
}

/** How many events are past a checkpoint, and how old the oldest of them is. */
async function behind(pool: Pool, checkpoint: string): Promise<Behind> {
  const { rows } = await pool.query<{ events: number; age: number | null }>(
    `with c as (
       select transaction_id, global_position from checkpoints where name = $1
       union all select '0'::xid8, 0 order by global_position desc limit 1)
     select count(*)::int as events, extract(epoch from now() - min(e.recorded_at))::float8 as age
       from events e, c where (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)`,
    [checkpoint],
  );
  return { events: rows[0]?.events ?? 0, oldestAgeSeconds: Math.max(0, rows[0]?.age ?? 0) };
}
