import { z } from 'zod';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Reads configuration from the environment through one zod schema and fails fast, listing every
 * problem at once ("KAFKA_BROKERS: required when BUS=kafka; PORT: expected a number").
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
  throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
}

export const LogLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

/**
 * How long a PostgreSQL connection may take to open (or a pooled one to be free) before the
 * request answers 503 with Retry-After: a server that hangs holds nothing longer.
 */
export const PgConnectTimeoutMs = z.coerce
  .number()
  .int('must be whole milliseconds')
  .positive('must be more than 0 ms');

/**
 * How long one query may take before the request answers 503 with Retry-After (a consumer
 * retries): a query already sent to a PostgreSQL that then stops answering holds nothing longer.
 * Long work (migrations, the day jobs' lock, rebuilds) is not held to it.
 */
export const PgQueryTimeoutMs = z.coerce
  .number()
  .int('must be whole milliseconds')
  .positive('must be more than 0 ms');

/** Settings every service process shares in the distributed mode. */
export const DistributedServiceEnv = z.object({
  DATABASE_URL: z.string().url('must be a postgres:// URL'),
  KAFKA_BROKERS: z
    .string()
    .min(1, 'required: comma-separated host:port list, e.g. 127.0.0.1:9092')
    .transform((s) => s.split(',').map((b) => b.trim())),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: LogLevel,
  /** Overrides the PostgreSQL schema (tests isolate runs by it). */
  DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .optional(),
  /** Prefix for consumer group ids (tests isolate runs by it). */
  GROUP_PREFIX: z.string().default(''),
  /** Overrides the topic names' prefix (tests isolate runs by it). */
  TOPIC_PREFIX: z.string().default(''),
  PG_CONNECT_TIMEOUT_MS: PgConnectTimeoutMs.default(5000),
  PG_QUERY_TIMEOUT_MS: PgQueryTimeoutMs.default(15_000),
});

/**
 * The evidence chain's settings (README "Evidence"): how often each service signs a checkpoint of
 * its hash chains, and the RFC 3161 timestamp authority asked for each (none when unset or empty).
 */
export const EvidenceEnv = z.object({
  EVIDENCE_CHECKPOINT_INTERVAL_MS: z.coerce
    .number()
    .int('must be whole milliseconds')
    .positive('must be more than 0 ms')
    .default(60_000),
  TSA_URL: z.string().optional(),
  /**
   * The company's retired PUBLIC keys (PEMs, one after another in one file): checkpoints and letters
   * signed before a key rotation name them, and a bundle carries them so they still verify.
   */
  LETTER_SIGNING_RETIRED_KEYS_FILE: z.string().min(1).optional(),
});
