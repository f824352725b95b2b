import { addDays, type BusinessCalendar, type IsoDate } from '@ar/kernel';
import { inTransaction, type Migration, withConnection } from '@ar/postgres';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { ServiceMetrics } from './metrics';

export const businessDayMigrations: Migration[] = [
  {
    id: 'business-days-001',
    sql: 'create table business_days (job text primary key, last_day date not null, updated_at timestamptz not null default now())',
  },
  {
    // The controllable clock's day, shared by every instance of the service (BusinessClock.share).
    id: 'business-days-002',
    sql: 'create table business_clock (id boolean primary key check (id), today date not null, updated_at timestamptz not null default now())',
  },
];

/** Work a service does once per business day, e.g. the overdue clock visiting open invoices. */
export interface BusinessDayJob {
  name: string;
  /** Handles one business day; returns how many commands it issued. Must be idempotent. */
  run(day: IsoDate): Promise<number>;
}

export interface DayRunSummary {
  days: IsoDate[];
  commands: number;
}

/** Where a run of a job's days stands: the day being run, as the n-th of the days to run. */
export interface DayRunProgress {
  job: string;
  day: IsoDate;
  /** 1-based: the day being run is the `position`-th of `of` working days to run. */
  position: number;
  of: number;
}

/**
 * Turns the passing of business days into a job's runs. The last day done is checkpointed
 * after each day, so a restart goes on from there; a day cut short by a crash runs again, which
 * the job's idempotent commands make harmless. Non-working days are skipped: the commands
 * catch up the calendar days in between themselves. The first run of a new job is for today only.
 * An advisory lock keeps several instances of one service from running the same day together.
 */
export class BusinessDayScheduler {
  private running: Promise<DayRunSummary> = Promise.resolve({ days: [], commands: 0 });
  private current: DayRunProgress | undefined;
  private stopping = false;

  constructor(
    private readonly options: {
      job: BusinessDayJob;
      pool: Pool;
      /**
       * Where the day lock is waited for and held, for as long as another instance runs the days
       * (a long clock move: minutes), which a pool's query timeout must not cut
       * (`createLongWorkPool`). Default `pool`.
       */
      lockPool?: Pool;
      calendar: BusinessCalendar;
      logger: Logger;
      metrics?: ServiceMetrics;
    },
  ) {}

  get jobName(): string {
    return this.options.job.name;
  }

  /** Resolves when no run is in progress. */
  async idle(): Promise<void> {
    await this.running.catch(() => undefined);
  }

  /** The day a run is at, while one runs. */
  progress(): DayRunProgress | undefined {
    return this.current;
  }

  /** Ends a run after the day it is at (its checkpoint kept), and refuses new ones; resolves once idle. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.idle();
  }

  /** Runs every business day up to and including `today` not yet run. Calls are queued. */
  catchUp(today: IsoDate): Promise<DayRunSummary> {
    this.running = this.running
      .catch(() => undefined)
      .then(() => (this.stopping ? { days: [], commands: 0 } : this.runThrough(today)));
    return this.running;
  }

  private async runThrough(today: IsoDate): Promise<DayRunSummary> {
    const { job, pool, calendar, logger } = this.options;
    const summary: DayRunSummary = { days: [], commands: 0 };
    // One instance at a time runs a job's days (a session lock: a killed owner's ends with it);
    // a second one waits, then finds the days done.
    return withConnection(this.options.lockPool ?? pool, async (lock) => {
      const key = `business-day:${job.name}`;
      await lock.query("select pg_advisory_lock(hashtextextended(current_schema() || ':' || $1, 0))", [key]);
      try {
        const { rows } = await lock.query<{ last_day: string }>(
          "select to_char(last_day, 'YYYY-MM-DD') as last_day from business_days where job = $1",
          [job.name],
        );
        const from = rows[0] ? addDays(rows[0].last_day, 1) : today;
        let of = 0;
        for (let d = from; d <= today; d = addDays(d, 1)) if (calendar.isWorkingDay(d)) of++;
        // A restart behind the shared day (after a kill -9 during a long clock move) says what it
        // catches up, and each day as done: the service answers meanwhile, /ready says how far.
        if (of > 1)
          logger.info(
            { job: job.name, from, to: today, days: of },
            `catching up ${of} business days of ${job.name} (${from} to ${today})`,
          );
        for (let day = from; day <= today && !this.stopping; day = addDays(day, 1)) {
          if (calendar.isWorkingDay(day)) {
            this.current = { job: job.name, day, position: summary.days.length + 1, of };
            const started = performance.now();
            const commands = await job.run(day);
            const seconds = (performance.now() - started) / 1000;
            summary.days.push(day);
            summary.commands += commands;
            this.options.metrics?.dayJobDuration.set({ job: job.name }, seconds);
            logger.info(
              {
                job: job.name,
                day,
                commands,
                ms: Math.round(seconds * 1000),
                ...(of > 1 && { position: summary.days.length, of }),
              },
              of > 1 ? `business day done (${summary.days.length} of ${of})` : 'business day done',
            );
          }
          await inTransaction(pool, (client) =>
            client.query(
              `insert into business_days (job, last_day) values ($1, $2)
             on conflict (job) do update set last_day = greatest(business_days.last_day, excluded.last_day), updated_at = now()`,
              [job.name, day],
            ),
          );
        }
        return summary;
      } finally {
        this.current = undefined;
        await lock
          .query("select pg_advisory_unlock(hashtextextended(current_schema() || ':' || $1, 0))", [key])
          .catch(() => {});
      }
    });
  }
}
