/**
 * Business dates are ISO `YYYY-MM-DD` strings in the tenant's calendar, not instants: an
 * invoice is due on a day, wherever the server runs. Arithmetic is done in UTC days.
 */
export type IsoDate = string;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

export function isIsoDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(value);
}

function toEpochDay(date: IsoDate): number {
  if (!isIsoDate(date)) throw new RangeError(`not an ISO date (YYYY-MM-DD): ${date}`);
  return Date.parse(`${date}T00:00:00Z`) / DAY_MS;
}

function fromEpochDay(day: number): IsoDate {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  return fromEpochDay(toEpochDay(date) + days);
}

/** Calendar days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return toEpochDay(to) - toEpochDay(from);
}

/** The business date of an instant, in UTC (tenants' time zones are a later concern). */
export function toIsoDate(instant: Date): IsoDate {
  return instant.toISOString().slice(0, 10);
}

/** 0 = Sunday ... 6 = Saturday. */
export function dayOfWeek(date: IsoDate): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

export interface BusinessCalendarConfig {
  /** Days of the week that are not worked; default Saturday and Sunday. */
  weekendDays?: number[];
  holidays?: IsoDate[];
  /** Weekend days that are worked (make-up working days, common in China). */
  workingWeekendDays?: IsoDate[];
}

export class BusinessCalendar {
  private readonly weekend: Set<number>;
  private readonly holidays: Set<IsoDate>;
  private readonly workingWeekendDays: Set<IsoDate>;

  constructor(config: BusinessCalendarConfig = {}) {
    this.weekend = new Set(config.weekendDays ?? [0, 6]);
    this.holidays = new Set(config.holidays ?? []);
    this.workingWeekendDays = new Set(config.workingWeekendDays ?? []);
  }

  isWorkingDay(date: IsoDate): boolean {
    if (this.holidays.has(date)) return false;
    if (this.workingWeekendDays.has(date)) return true;
    return !this.weekend.has(dayOfWeek(date));
  }

  /** `date` itself when it is worked, else the first working day after it (an amount due then is payable by it). */
  workingDayOnOrAfter(date: IsoDate): IsoDate {
    let day = date;
    while (!this.isWorkingDay(day)) day = addDays(day, 1);
    return day;
  }

  /** `n` working days after `date` ("within 3 working days of acceptance"). */
  addWorkingDays(date: IsoDate, n: number): IsoDate {
    if (!Number.isInteger(n) || n < 0)
      throw new RangeError(`working days must be a non-negative integer: ${n}`);
    let day = date;
    let left = n;
    while (left > 0) {
      day = addDays(day, 1);
      if (this.isWorkingDay(day)) left--;
    }
    return day;
  }
}
