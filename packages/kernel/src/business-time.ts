import type { IsoDate } from './business-date';

/** The business time zone when none is configured: the company's, not the server's or UTC. */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';
/** When day jobs (overdue clock, reminders) run when no time is configured: contact hours open. */
export const DEFAULT_DAY_JOBS_AT = '09:00';

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const HOUR_MS = 3_600_000;

/** Whether the runtime knows `timeZone` as an IANA time zone ("Asia/Shanghai", "UTC"). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

export function isLocalTime(value: string): boolean {
  return HH_MM.test(value);
}

/** A wall-clock reading in the business time zone. */
export interface LocalTime {
  date: IsoDate;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export interface BusinessTimeConfig {
  /** IANA time zone of the business (BUSINESS_TIME_ZONE); default Asia/Shanghai. */
  timeZone?: string;
  /** Local time, HH:MM, at which a business day's jobs run (BUSINESS_DAY_JOBS_AT); default 09:00. */
  dayJobsAt?: string;
}

/**
 * Business time (DOMAIN.md §4): business days, contact hours and the hour the daily jobs run
 * are those of the company's time zone, not UTC and not the server's. Time-zone arithmetic is
 * the runtime's Intl (IANA data, daylight saving included); an instant is always a `Date`.
 */
export class BusinessTime {
  readonly timeZone: string;
  readonly dayJobsAt: string;

  constructor(config: BusinessTimeConfig = {}) {
    this.timeZone = config.timeZone ?? DEFAULT_TIME_ZONE;
    this.dayJobsAt = config.dayJobsAt ?? DEFAULT_DAY_JOBS_AT;
    if (!isTimeZone(this.timeZone)) throw new RangeError(`not an IANA time zone: ${this.timeZone}`);
    if (!isLocalTime(this.dayJobsAt)) throw new RangeError(`not a local time (HH:MM): ${this.dayJobsAt}`);
  }

  /** The wall clock in the business time zone at `instant`. */
  local(instant: Date): LocalTime {
    const parts: Record<string, string> = {};
    for (const p of formatter(this.timeZone).formatToParts(instant)) parts[p.type] = p.value;
    return {
      date: `${parts.year}-${parts.month}-${parts.day}`,
      hour: Number(parts.hour),
      minute: Number(parts.minute),
      second: Number(parts.second),
    };
  }

  /** The business date of an instant: 2026-03-01T16:30Z is 2026-03-02 in Shanghai. */
  dateOf(instant: Date): IsoDate {
    return this.local(instant).date;
  }

  /** The time zone's offset from UTC at `instant`, in milliseconds (Shanghai: +8 h). */
  offsetMs(instant: Date): number {
    const l = this.local(instant);
    const [y, m, d] = l.date.split('-').map(Number) as [number, number, number];
    const wall = Date.UTC(y, m - 1, d, l.hour, l.minute, l.second);
    return wall - Math.floor(instant.getTime() / 1000) * 1000;
  }

  /** The instant at which the business wall clock shows `time` (HH:MM) on `date`. */
  at(date: IsoDate, time = '00:00'): Date {
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    const [hh, mm] = time.split(':').map(Number) as [number, number];
    const wall = Date.UTC(y, m - 1, d, hh, mm);
    // The offset at the guess, then at the result (they differ only around a daylight-saving change).
    let instant = wall - this.offsetMs(new Date(wall));
    instant = wall - this.offsetMs(new Date(instant));
    return new Date(instant);
  }

  /**
   * The latest business day whose day jobs are due at `instant`: today once the local time
   * reached `dayJobsAt`, yesterday before (at 00:30 in Shanghai, yesterday's jobs are the last due).
   */
  dayJobsDue(instant: Date): IsoDate {
    const today = this.dateOf(instant);
    if (instant.getTime() >= this.at(today, this.dayJobsAt).getTime()) return today;
    return this.dateOf(new Date(this.at(today, '00:00').getTime() - HOUR_MS));
  }

  /** The instant as ISO 8601 with the business offset: 2026-03-02T09:00:00.000+08:00. */
  format(instant: Date): string {
    const offset = this.offsetMs(instant);
    const local = new Date(instant.getTime() + offset).toISOString().slice(0, 23);
    const sign = offset < 0 ? '-' : '+';
    const abs = Math.abs(offset);
    const hh = String(Math.floor(abs / HOUR_MS)).padStart(2, '0');
    const mm = String(Math.floor((abs % HOUR_MS) / 60_000)).padStart(2, '0');
    return `${local}${sign}${hh}:${mm}`;
  }
}
