import { BusinessTime, type Clock } from '@ar/kernel';
import { BusinessClock } from './business-clock';

/** A wall clock standing at a given real instant: the system clock at that moment. */
const wallClockAt = (iso: string): Clock => ({ now: () => new Date(iso) });

describe('the business clock keeps business time, not UTC', () => {
  it('on the system clock, 16:30 UTC is already the next business day in Shanghai', () => {
    const clock = new BusinessClock(undefined, { source: wallClockAt('2026-03-01T16:30:00Z') });
    expect(clock.controllable).toBe(false);
    expect(clock.today()).toBe('2026-03-02');
    // 00:30 in Shanghai: the day's jobs run at 09:00, so Sunday's were the last due.
    expect(clock.dayJobsDue()).toBe('2026-03-01');
  });

  it("runs a day's jobs from the configured local time, not at midnight UTC", () => {
    const at = (iso: string) => new BusinessClock(undefined, { source: wallClockAt(iso) }).dayJobsDue();
    expect(at('2026-03-02T00:00:30Z')).toBe('2026-03-01'); // midnight UTC: 08:00 in Shanghai
    expect(at('2026-03-02T01:00:00Z')).toBe('2026-03-02'); // 09:00 in Shanghai
    const berlin = new BusinessTime({ timeZone: 'Europe/Berlin', dayJobsAt: '06:30' });
    const clock = new BusinessClock(undefined, { source: wallClockAt('2026-03-02T05:30:00Z'), time: berlin });
    expect(clock.dayJobsDue()).toBe('2026-03-02');
  });

  it('stands a controllable clock at the day-jobs time of its day, in the business time zone', () => {
    const clock = new BusinessClock('2026-03-02');
    expect(clock.now().toISOString()).toBe('2026-03-02T01:00:00.000Z'); // 09:00 in Shanghai
    expect(clock.today()).toBe('2026-03-02');
    expect(clock.dayJobsDue()).toBe('2026-03-02');
  });
});
