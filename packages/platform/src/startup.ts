import { setTimeout as sleep } from 'node:timers/promises';
import { failureKind } from '@ar/messaging';
import type { Logger } from 'pino';

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

/**
 * A startup step that waits on something outside the process (PostgreSQL, Kafka): logs what it
 * waits for, then every 5 s that it still does, then how long it took - so a service that is
 * slow to start says why instead of staying silent. A transient failure (the server refusing,
 * restarting, not yet up) is tried again with backoff for as long as it lasts, each try logged;
 * any other failure (bad credentials, a bad setting) ends the start at once.
 */
export async function waitFor<T>(what: string, logger: Logger, work: () => Promise<T>): Promise<T> {
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
      try {
        const result = await work();
        logger.info({ waitingFor: what, ms: Date.now() - started }, `${what}: ready`);
        return result;
      } catch (error) {
        if (failureKind(error) !== 'transient') throw error;
        const delay = Math.min(250 * 2 ** (attempt - 1), 5000);
        logger.warn(
          { waitingFor: what, attempt, retryInMs: delay, reason: (error as Error).message },
          `${what} not reachable yet; trying again`,
        );
        await sleep(delay);
      }
    }
  } finally {
    clearInterval(timer);
  }
}
