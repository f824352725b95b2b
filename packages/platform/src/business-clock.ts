import {
  addDays,
  BusinessTime,
  type Clock,
  ControllableClock,
  daysBetween,
  type IsoDate,
  RuleViolation,
  StateConflict,
  systemClock,
} from '@ar/kernel';
import type { Pool } from 'pg';

/**
 * The latest day the clock may stand on: the calendar (and every job looking a year ahead) still
 * has the days after it. 9999-12-31 was a 500 ('+010000-01' is no ISO date) stored anyway.
 */
export const LATEST_CLOCK_DAY: IsoDate = '9998-12-31';
/**
 * How far one move may take the clock: the answer waits for every day's jobs, so years in one
 * request would keep the service working through them (probe F3: thousands of years, no answer).
 */
export const MAX_CLOCK_MOVE_DAYS = 366;

export type NewDayListener = (today: IsoDate) => Promise<unknown>;

/**
 * "Today" for the business (time is an input, ARCHITECTURE.md). In production it follows the
 * system clock; for tests, demos and simulation it is controllable: it starts at a given day
 * and moves forward only when told, and every service's day scheduler has caught up with the
 * new day before `advanceTo` resolves - so a year of business runs as fast as the work allows,
 * with the same events every time.
 *
 * Days are those of the business time zone (BUSINESS_TIME_ZONE, Asia/Shanghai by default): in
 * Shanghai 16:30 UTC is already tomorrow. A day's jobs are due from its local `dayJobsAt`
 * (09:00 by default, when contact hours open); a controllable clock stands at that instant of
 * its day.
 */
export class BusinessClock implements Clock {
  private readonly listeners: { name: string; listener: NewDayListener }[] = [];
  private readonly source: Clock;
  /** Where a controllable clock's day is kept, so every instance (and a restart) shares it. */
  private readonly stores: Pool[] = [];
  private follower: NodeJS.Timeout | undefined;
  private following: Promise<unknown> = Promise.resolve();

  readonly time: BusinessTime;

  /** `source` is the wall clock followed without BUSINESS_DATE (the system clock). */
  constructor(startDay?: IsoDate, options: { time?: BusinessTime; source?: Clock } = {}) {
    this.time = options.time ?? new BusinessTime();
    this.source = startDay
      ? new ControllableClock(this.instantOf(startDay))
      : (options.source ?? systemClock);
  }

  /**
   * Keeps a controllable clock's day in the service's database (`business_clock`), shared by
   * every instance of the service: moved on one, it moves on all (each looks every `followMs`
   * and runs its day jobs), and a restart goes on from the day reached, never back to
   * BUSINESS_DATE. The system clock needs no sharing.
   */
  async share(pool: Pool, followMs = 500): Promise<void> {
    if (!(this.source instanceof ControllableClock)) return;
    if (!this.stores.includes(pool)) this.stores.push(pool); // a start trying again shares it once
    await this.refresh();
    await this.save(this.today());
    if (!this.follower) {
      this.follower = setInterval(() => {
        this.following = this.following.then(() => this.follow()).catch(() => {});
      }, followMs);
      this.follower.unref();
    }
  }

  /** Stops following the shared day (at shutdown), and forgets the store. */
  unshare(pool: Pool): void {
    const i = this.stores.indexOf(pool);
    if (i >= 0) this.stores.splice(i, 1);
    if (this.stores.length === 0 && this.follower) {
      clearInterval(this.follower);
      this.follower = undefined;
    }
  }

  /** Takes a later day another instance moved the clock to; true when it moved. */
  private async refresh(): Promise<boolean> {
    if (!(this.source instanceof ControllableClock)) return false;
    let latest = this.today();
    for (const pool of [...this.stores]) {
      const { rows } = await pool.query<{ today: string }>(
        "select to_char(today, 'YYYY-MM-DD') as today from business_clock where id",
      );
      if (rows[0] && rows[0].today > latest) latest = rows[0].today;
    }
    if (latest === this.today()) return false;
    this.source.set(this.instantOf(latest));
    return true;
  }

  private async save(day: IsoDate): Promise<void> {
    for (const pool of this.stores)
      await pool.query(
        `insert into business_clock (id, today) values (true, $1)
         on conflict (id) do update set today = greatest(business_clock.today, excluded.today), updated_at = now()`,
        [day],
      );
  }

  private async follow(): Promise<void> {
    if (await this.refresh()) await this.notify();
  }

  /** A controllable clock's instant on `day`: when that day's jobs run, in the business time zone. */
  instantOf(day: IsoDate): Date {
    return this.time.at(day, this.time.dayJobsAt);
  }

  get controllable(): boolean {
    return this.source instanceof ControllableClock;
  }

  now(): Date {
    return this.source.now();
  }

  /** The business date now, in the business time zone. */
  today(): IsoDate {
    return this.time.dateOf(this.now());
  }

  /** The latest day whose day jobs are due now: before `dayJobsAt`, yesterday's. */
  dayJobsDue(): IsoDate {
    return this.time.dayJobsDue(this.now());
  }

  /** Returns the function that unsubscribes. */
  onNewDay(name: string, listener: NewDayListener): () => void {
    const entry = { name, listener };
    this.listeners.push(entry);
    return () => {
      const i = this.listeners.indexOf(entry);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Moves a controllable clock forward to `day` and waits for every listener to catch up. */
  async advanceTo(day: IsoDate): Promise<{ today: IsoDate; results: Record<string, unknown> }> {
    if (!(this.source instanceof ControllableClock)) {
      throw new StateConflict(
        'CLOCK_NOT_CONTROLLABLE',
        'this platform follows the system clock; start it with BUSINESS_DATE=YYYY-MM-DD to control the day',
      );
    }
    await this.refresh(); // another instance may have moved it already
    const today = this.today();
    if (day < today) {
      throw new RuleViolation(
        'CLOCK_BACKWARDS',
        `the business day is ${today}; time does not go back`,
        'today',
      );
    }
    // Checked before anything is stored: a refused move leaves the day as it was.
    if (day > LATEST_CLOCK_DAY) {
      throw new RuleViolation(
        'CLOCK_BEYOND_CALENDAR',
        `${day} is beyond the business calendar: the clock goes up to ${LATEST_CLOCK_DAY}`,
        'today',
      );
    }
    if (daysBetween(today, day) > MAX_CLOCK_MOVE_DAYS) {
      throw new RuleViolation(
        'CLOCK_MOVE_TOO_FAR',
        `the business day is ${today}; one move goes at most ${MAX_CLOCK_MOVE_DAYS} days ahead (to ${addDays(today, MAX_CLOCK_MOVE_DAYS)}): move to ${day} in steps`,
        'today',
      );
    }
    await this.save(day);
    this.source.set(this.instantOf(day));
    await this.refresh(); // a concurrent move to a later day wins: answer with the day it is
    const now = this.today();
    return { today: now, results: await this.notify(now) };
  }

  /** Runs every listener for the current day (at start, and on a timer with the system clock). */
  async notify(day: IsoDate = this.dayJobsDue()): Promise<Record<string, unknown>> {
    const results: Record<string, unknown> = {};
    for (const { name, listener } of this.listeners) results[name] = await listener(day);
    return results;
  }
}
