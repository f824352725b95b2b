import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON logs, one line per thing that matters, with the service's name on every line. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: service, level, base: { service } });
}
