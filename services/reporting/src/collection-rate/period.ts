import type { IsoDate } from '@ar/kernel';

/** A named reporting period: a year (`2026`), a quarter (`2026-Q1`) or a month (`2026-03`). */
export const NAMED_PERIOD = /^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$/;

const iso = (year: number, month: number, day: number) =>
  new Date(Date.UTC(year, month - 1, day)).toISOString().slice(0, 10);

/** The first and last day of a named period, both inclusive. */
export function periodDates(period: string): { from: IsoDate; to: IsoDate } {
  const match = NAMED_PERIOD.exec(period);
  if (!match) throw new Error(`not a period: ${period}`);
  const year = Number(match[1]);
  const [first, last] = match[2]
    ? [(Number(match[2]) - 1) * 3 + 1, Number(match[2]) * 3]
    : match[3]
      ? [Number(match[3]), Number(match[3])]
      : [1, 12];
  // Day 0 of the month after the last is the last day of the last month.
  return { from: iso(year, first, 1), to: iso(year, last + 1, 0) };
}
