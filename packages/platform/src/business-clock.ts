import {
  type Clock,
  ControllableClock,
  type IsoDate,
  RuleViolation,
  StateConflict,
  systemClock,
  toIsoDate,
} from '@ar/kernel';

export type NewDayListener = (today: IsoDate) => Promise<unknown>;

/**
 * "Today" for the business (time is an input, ARCHITECTURE.md). In production it follows the
 * system clock; for tests, demos and simulation it is controllable: it starts at a given day
 * and moves forward only when told, and every service's day scheduler has caught up with the
 * new day before `advanceTo` resolves - so a year of business runs as fast as the work allows,
 * with the same events every time.
 */
export class BusinessClock implements Clock {
  private readonly listeners: { name: string; listener: NewDayListener }[] = [];
  private readonly source: Clock;

  constructor(startDay?: IsoDate) {
    this.source = startDay ? new ControllableClock(BusinessClock.instantOf(startDay)) : systemClock;
  }

  /** Business events of a day are stamped mid-morning UTC: a day, not an instant, is what counts. */
  static instantOf(day: IsoDate): Date {
    return new Date(`${day}T09:00:00Z`);
  }

  get controllable(): boolean {
    return this.source instanceof ControllableClock;
  }

  now(): Date {
    return this.source.now();
  }

  today(): IsoDate {
    return toIsoDate(this.now());
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
    const today = this.today();
    if (day < today) {
      throw new RuleViolation(
        'CLOCK_BACKWARDS',
        `the business day is ${today}; time does not go back`,
        'today',
      );
    }
    this.source.set(BusinessClock.instantOf(day));
    return { today: day, results: await this.notify(day) };
  }

  /** Runs every listener for the current day (at start, and on a timer with the system clock). */
  async notify(day: IsoDate = this.today()): Promise<Record<string, unknown>> {
    const results: Record<string, unknown> = {};
    for (const { name, listener } of this.listeners) results[name] = await listener(day);
    return results;
  }
}
