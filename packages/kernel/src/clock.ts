/**
 * Time is an input (ARCHITECTURE.md): deciders receive "now"; the service asks a clock.
 * The system clock in production; a controllable one for tests, demos and simulation.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export class ControllableClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(instant: Date): void {
    this.current = new Date(instant);
  }
}
