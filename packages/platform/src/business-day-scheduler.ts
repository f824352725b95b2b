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

/**
 * Turns the passing of business days into a job's runs. The last day done is checkpointed
 * after each day, so a restart goes on from there; a day cut short by a crash runs again, which
 * the job's idempotent commands make harmless. Non-working days are skipped: the commands
 * catch up the calendar days in between themselves. The first run of a new job is for today only.
 * An advisory lock keeps several instances of one service from running the same day together.
 */
export class BusinessDayScheduler {
  private running: Promise<DayRunSummary> = Promise.resolve({ days: [], commands: 0 });

  constructor(
    private readonly options: {
      job: BusinessDayJob;
      pool: Pool;
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

  /** Runs every business day up to and including `today` not yet run. Calls are queued. */
  catchUp(today: IsoDate): Promise<DayRunSummary> {
    this.running = this.running.catch(() => undefined).then(() => this.runThrough(today));
    return this.running;
  }

  private async runThrough(today: IsoDate): Promise<DayRunSummary> {
    const { job, pool, calendar, logger } = this.options;
    const summary: DayRunSummary = { days: [], commands: 0 };
    // One instance at a time runs a job's days (a session lock: a killed owner's ends with it);
    // a second one waits, then finds the days done.
    return withConnection(pool, async (lock) => {
      const key = `business-day:${job.name}`;
      await lock.query("select pg_advisory_lock(hashtextextended(current_schema() || ':' || $1, 0))", [key]);
      try {
        const { rows } = await lock.query<{ last_day: string }>(
          "select to_char(last_day, 'YYYY-MM-DD') as last_day from business_days where job = $1",
          [job.name],
        );
        let day = rows[0] ? addDays(rows[0].last_day, 1) : today;
        for (; day <= today; day = addDays(day, 1)) {
          if (calendar.isWorkingDay(day)) {
            const started = performance.now();
            const commands = await job.run(day);
            const seconds = (performance.now() - started) / 1000;
            summary.days.push(day);
            summary.commands += commands;
            this.options.metrics?.dayJobDuration.set({ job: job.name }, seconds);
            logger.info(
              { job: job.name, day, commands, ms: Math.round(seconds * 1000) },
              'business day done',
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
        await lock
          .query("select pg_advisory_unlock(hashtextextended(current_schema() || ':' || $1, 0))", [key])
          .catch(() => {});
      }
    });
  }
}
