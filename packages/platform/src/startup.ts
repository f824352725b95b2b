import { setTimeout as sleep } from 'node:timers/promises';
import { failureKind } from '@ar/messaging';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { RETRY_AFTER_SECONDS } from './error-handler';

/** How often a step that has not finished says so. */
const STILL_WAITING_EVERY_MS = 5000;

/** `host:port/db` of a PostgreSQL URL, without the credentials: what a log may name. */
export function databaseAddress(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return 'PostgreSQL (unparsable DATABASE_URL)';
  }
}

/** What went wrong, in words an operator can act on: the code first (ECONNREFUSED, 57P01) unless the message has it. */
export function describeFailure(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' && e.message ? e.message : String(error);
  return typeof e?.code === 'string' && !message.includes(e.code) ? `${e.code} ${message}` : message;
}

export interface WaitOptions<T> {
  /**
   * Ends the waiting (the service stops): the promise rejects with the signal's reason at once,
   * without waiting for the try in flight (a Kafka client may go on trying to connect for a
   * minute); a try that succeeds after that is undone by `undo`.
   */
  signal?: AbortSignal;
  undo?(result: T): unknown;
  /** Told of each failed try (what /ready shows meanwhile). */
  onFailure?(reason: string): void;
}

/**
 * A startup step that waits on something outside the process (PostgreSQL, Kafka): logs what it
 * waits for, then every 5 s that it still does, then how long it took - so a service that is
 * slow to start says why instead of staying silent. A transient failure (the server refusing,
 * restarting, not yet up) is tried again with backoff for as long as it lasts, each try logged;
 * any other failure (bad credentials, a bad setting) ends the start at once.
 */
export async function waitFor<T>(
  what: string,
  logger: Logger,
  work: () => Promise<T>,
  options: WaitOptions<T> = {},
): Promise<T> {
  const started = Date.now();
  logger.info({ waitingFor: what }, `waiting for ${what}`);
  const timer = setInterval(
    () =>
      logger.info(
        { waitingFor: what, seconds: Math.round((Date.now() - started) / 1000) },
        `still waiting for ${what}`,
      ),
    STILL_WAITING_EVERY_MS,
  );
  timer.unref();
  try {
    for (let attempt = 1; ; attempt++) {
      options.signal?.throwIfAborted();
      try {
        const result = await abandonedOnAbort(work(), options.signal, options.undo);
        logger.info({ waitingFor: what, ms: Date.now() - started }, `${what}: ready`);
        return result;
      } catch (error) {
        if (failureKind(error) !== 'transient' || options.signal?.aborted) throw error;
        const delay = Math.min(250 * 2 ** (attempt - 1), 5000);
        const reason = describeFailure(error);
        options.onFailure?.(reason);
        logger.warn(
          { waitingFor: what, attempt, retryInMs: delay, reason },
          `${what} not reachable yet; trying again`,
        );
        await sleep(delay, undefined, { signal: options.signal });
      }
    }
  } finally {
    clearInterval(timer);
  }
}

/** `work`, or the signal's reason as soon as it aborts; a late success of the abandoned work is undone. */
function abandonedOnAbort<T>(
  work: Promise<T>,
  signal?: AbortSignal,
  undo?: (result: T) => unknown,
): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason);
      work.then(
        (result) => Promise.resolve(undo?.(result)).catch(() => {}),
        () => {},
      );
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * A step of a service's start: what it waits for (for the log and /ready), the work, and how to
 * undo it should it succeed only after the service stopped waiting (stopping meanwhile).
 */
export type StartStep = <T>(
  what: string,
  work: () => Promise<T>,
  undo?: (result: T) => unknown,
) => Promise<T>;

/**
 * The part of a service's start that needs PostgreSQL and the broker (migrations, the shared
 * clock, joining the consumer groups, then the day jobs' catch-up, relays, projections and
 * leases), run in the background once the service listens: `/health` answers at once, `/ready`
 * answers 503 "waiting for PostgreSQL at host:port/db ...: ECONNREFUSED ..." and commands 503 with
 * Retry-After until every step is through - rather than a port that answers nothing while a
 * dependency is away. A failure other than a transient one (bad credentials, a bad setting) ends
 * the start: `started()` rejects and `/ready` says why.
 */
export class DependencyStartup {
  private waitingFor: string | undefined;
  private lastFailure: string | undefined;
  private failure: string | undefined;
  private finished = false;
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;

  constructor(private readonly logger: Logger) {}

  /** Starts `work` in the background; each `step` of it is waited for, logged and shown by /ready. */
  start(work: (step: StartStep) => Promise<void>): void {
    const step: StartStep = async (what, run, undo) => {
      this.waitingFor = what;
      this.lastFailure = undefined;
      const result = await waitFor(what, this.logger, run, {
        signal: this.abort.signal,
        undo,
        onFailure: (reason) => {
          this.lastFailure = reason;
        },
      });
      this.waitingFor = undefined;
      this.lastFailure = undefined;
      return result;
    };
    this.running = work(step).then(
      () => {
        this.finished = true;
      },
      (error) => {
        if (this.abort.signal.aborted) return;
        this.failure = describeFailure(error);
        this.logger.error({ err: error }, `start failed: ${this.failure}`);
        throw error;
      },
    );
    this.running.catch(() => {}); // the caller hears it through started()
  }

  /** Whether every step is through: the service serves. */
  get done(): boolean {
    return this.finished;
  }

  /** Resolves once every step is through (or the service stopped first); rejects when the start failed. */
  started(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** `/ready`'s verdict: "ok", or what the start waits for and why it is not there yet. */
  verdict(): string {
    if (this.finished) return 'ok: started';
    if (this.failure) return `down: start failed: ${this.failure}`;
    if (!this.waitingFor) return 'starting';
    return `waiting for ${this.waitingFor}${this.lastFailure ? `: ${this.lastFailure}` : ''}`;
  }

  /**
   * Until the start is through, every request but /health, /ready, /metrics and the API docs
   * answers 503 with Retry-After and what the start waits for - never a 500 from a table not
   * migrated yet, never a request held until a dependency answers.
   */
  holdRequests(app: FastifyInstance): void {
    app.addHook('onRequest', async (request, reply) => {
      if (this.finished) return;
      const path = request.url.split('?')[0] ?? '';
      if (['/health', '/ready', '/metrics'].includes(path) || path === '/docs' || path.startsWith('/docs/'))
        return;
      return reply
        .code(503)
        .header('retry-after', String(RETRY_AFTER_SECONDS))
        .send({ error: 'unavailable', message: `unavailable, try again shortly: ${this.verdict()}` });
    });
  }

  /** Ends the start wherever it is (the service stops), not waiting for a try in flight. */
  async stop(): Promise<void> {
    this.abort.abort(new Error('the service is stopping'));
    await this.running?.catch(() => {});
  }
}
