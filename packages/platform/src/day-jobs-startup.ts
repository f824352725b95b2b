import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { BusinessDayScheduler } from './business-day-scheduler';

/** How long a failed catch-up at start waits before it tries again. */
const RETRY_AFTER_FAILURE_MS = 5000;

/**
 * The business days a service catches up when it starts (after a `kill -9` during a long clock
 * move, or a restart behind the shared day), run in the background once the service listens:
 * `/health` answers at once and `/ready` answers 503 "catching up business days: day X of Y"
 * until every job is through the day due - rather than a port that answers nothing for a minute.
 * A failure is logged and tried again every 5 s (the service stays not ready meanwhile).
 */
export class DayJobsStartup {
  private finished = false;
  private stopped = false;
  private failure: string | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly schedulers: BusinessDayScheduler[],
    private readonly logger: Logger,
  ) {}

  /** Starts catching up in the background; `catchUp` runs every job through the day due. */
  start(catchUp: () => Promise<unknown>): void {
    if (this.schedulers.length === 0) {
      this.finished = true;
      return;
    }
    this.running = (async () => {
      const started = Date.now();
      while (!this.stopped) {
        try {
          await catchUp();
          this.failure = undefined;
          this.finished = true;
          const seconds = Math.round((Date.now() - started) / 1000);
          if (seconds >= 1) this.logger.info({ seconds }, `business days caught up in ${seconds} s`);
          return;
        } catch (error) {
          this.failure = (error as Error).message ?? String(error);
          this.logger.error(
            { err: error, retryInMs: RETRY_AFTER_FAILURE_MS },
            'catching up business days failed; trying again',
          );
          await sleep(RETRY_AFTER_FAILURE_MS);
        }
      }
    })();
  }

  /** Resolves once the start's catch-up is done (or the service stops). */
  done(): Promise<void> {
    return this.running;
  }

  /** `/ready`'s verdict on the day jobs: "ok", or how far the catch-up is. */
  verdict(): string {
    if (this.finished) return 'ok: business days caught up';
    if (this.failure) return `down: catching up business days failed (${this.failure}); trying again`;
    const at = this.schedulers.map((s) => s.progress()).find((p) => p !== undefined);
    return at
      ? `catching up business days: day ${at.position} of ${at.of} (${at.day}, job ${at.job})`
      : 'catching up business days';
  }

  /** Ends the catch-up after the day each job is at (checkpointed), and waits for it. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.schedulers.map((s) => s.stop()));
    await this.running;
  }
}
