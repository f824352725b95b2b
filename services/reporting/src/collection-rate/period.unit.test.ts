import { periodDates } from './period';

describe('a named reporting period', () => {
  it('is a month from its first to its last day, leap years included', () => {
    expect(periodDates('2026-02')).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(periodDates('2028-02')).toEqual({ from: '2028-02-01', to: '2028-02-29' });
    expect(periodDates('2026-12')).toEqual({ from: '2026-12-01', to: '2026-12-31' });
  });
  it('is a quarter of three months', () => {
    expect(periodDates('2026-Q1')).toEqual({ from: '2026-01-01', to: '2026-03-31' });
    expect(periodDates('2026-Q4')).toEqual({ from: '2026-10-01', to: '2026-12-31' });
  });
  it('is a year', () => {
    expect(periodDates('2026')).toEqual({ from: '2026-01-01', to: '2026-12-31' });
  });
  it('is nothing else', () => {
    expect(() => periodDates('2026-13')).toThrow('not a period');
    expect(() => periodDates('2026-Q5')).toThrow('not a period');
  });
});
