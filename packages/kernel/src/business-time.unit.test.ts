import { BusinessTime } from './business-time';

describe('business time: days and hours in the company time zone', () => {
  const shanghai = new BusinessTime();

  it('is Asia/Shanghai with day jobs at 09:00 unless configured', () => {
    expect(shanghai.timeZone).toBe('Asia/Shanghai');
    expect(shanghai.dayJobsAt).toBe('09:00');
  });

  it('gives the business date of an instant: 16:30 UTC is 00:30 the next day in Shanghai', () => {
    expect(shanghai.dateOf(new Date('2026-03-01T16:30:00Z'))).toBe('2026-03-02');
    expect(shanghai.local(new Date('2026-03-01T16:30:00Z'))).toEqual({
      date: '2026-03-02',
      hour: 0,
      minute: 30,
      second: 0,
    });
    expect(shanghai.dateOf(new Date('2026-03-01T15:59:59Z'))).toBe('2026-03-01');
  });

  it('turns a local wall time into the instant: 09:00 in Shanghai is 01:00 UTC', () => {
    expect(shanghai.at('2026-03-02', '09:00').toISOString()).toBe('2026-03-02T01:00:00.000Z');
    expect(shanghai.at('2026-03-02').toISOString()).toBe('2026-03-01T16:00:00.000Z');
  });

  it("runs a day's jobs from the configured local time: before it, yesterday's are the last due", () => {
    expect(shanghai.dayJobsDue(new Date('2026-03-01T16:30:00Z'))).toBe('2026-03-01'); // 00:30
    expect(shanghai.dayJobsDue(new Date('2026-03-02T00:00:00Z'))).toBe('2026-03-01'); // 08:00
    expect(shanghai.dayJobsDue(new Date('2026-03-02T01:00:00Z'))).toBe('2026-03-02'); // 09:00
    expect(shanghai.dayJobsDue(new Date('2026-03-02T15:59:00Z'))).toBe('2026-03-02'); // 23:59
    const early = new BusinessTime({ dayJobsAt: '07:30' });
    expect(early.dayJobsDue(new Date('2026-03-01T23:30:00Z'))).toBe('2026-03-02'); // 07:30
  });

  it('formats an instant with the business offset', () => {
    expect(shanghai.format(new Date('2026-03-02T01:00:30Z'))).toBe('2026-03-02T09:00:30.000+08:00');
  });

  it('follows daylight saving where the zone has it', () => {
    const ny = new BusinessTime({ timeZone: 'America/New_York' });
    // 2026-03-08: clocks go from 02:00 EST to 03:00 EDT.
    expect(ny.at('2026-03-07', '09:00').toISOString()).toBe('2026-03-07T14:00:00.000Z');
    expect(ny.at('2026-03-09', '09:00').toISOString()).toBe('2026-03-09T13:00:00.000Z');
    expect(ny.format(new Date('2026-03-09T13:00:00Z'))).toBe('2026-03-09T09:00:00.000-04:00');
  });

  it('refuses an unknown time zone or a malformed time', () => {
    expect(() => new BusinessTime({ timeZone: 'Mars/Olympus' })).toThrow(/not an IANA time zone/);
    expect(() => new BusinessTime({ dayJobsAt: '9am' })).toThrow(/HH:MM/);
  });
});
