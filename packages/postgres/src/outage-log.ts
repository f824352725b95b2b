import type { Logger } from 'pino';
import { isTransientInfrastructureError } from './transient';

/** How often an outage that goes on is summed up in the log. */
const STILL_FAILING_LOG_EVERY_MS = 60_000;

/**
 * The log of work retried for as long as a database or broker is away: one line when it starts
 * failing (with the error: warn for the world being away, error otherwise), a summary once a
 * minute while it lasts, and one when it is over - not a line per try, which buried everything
 * else during an outage.
 */
export class OutageLog {
  private failures = 0;
  private since = 0;
  private loggedAt = 0;

  constructor(
    private readonly logger: Logger,
    /** What is retried, e.g. 'store subscription batch', 'lease check'. */
    private readonly what: string,
    private readonly fields: Record<string, unknown> = {},
    private readonly everyMs = STILL_FAILING_LOG_EVERY_MS,
    /** The three lines' words, where "<what> failed; retrying until it succeeds" does not fit. */
    private readonly messages: { failed?: string; still?: string; recovered?: string } = {},
  ) {}

  failed(error: unknown, extra: Record<string, unknown> = {}): void {
    const now = Date.now();
    this.failures++;
    if (this.failures === 1) {
      this.since = now;
      this.loggedAt = now;
      this.logger[isTransientInfrastructureError(error) ? 'warn' : 'error'](
        { err: error, ...this.fields, ...extra },
        this.messages.failed ?? `${this.what} failed; retrying until it succeeds`,
      );
    } else if (now - this.loggedAt >= this.everyMs) {
      this.loggedAt = now;
      this.logger.warn(
        {
          ...this.fields,
          failures: this.failures,
          downMs: now - this.since,
          reason: (error as Error)?.message,
        },
        this.messages.still ?? `${this.what} still failing`,
      );
    } else {
      this.logger.debug({ err: error, ...this.fields, failures: this.failures }, `${this.what} failed again`);
    }
  }

  succeeded(): void {
    if (this.failures === 0) return;
    this.logger.info(
      { ...this.fields, failures: this.failures, downMs: Date.now() - this.since },
      this.messages.recovered ?? `${this.what} recovered`,
    );
    this.failures = 0;
  }

  get failing(): number {
    return this.failures;
  }
}
