import { TOPICS } from '@ar/contracts';
import { BusinessCalendar } from '@ar/kernel';
import type { EventBatchHandler, EventHandler, MessageBus } from '@ar/messaging';
import { EventConsumer, Relay, withTimeout } from '@ar/messaging';
import {
  type AppendNotifier,
  boundedPoolConfig,
  createLongWorkPool,
  createSchemaPool,
  eventStoreMigrations,
  type InlineProjection,
  Leases,
  type Migration,
  migrate,
  PostgresEventStore,
  type Projection,
  ProjectionRunner,
} from '@ar/postgres';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Authenticator } from './auth/authenticator';
import { BusinessClock } from './business-clock';
import { type BusinessDayJob, BusinessDayScheduler, businessDayMigrations } from './business-day-scheduler';
import { clockRoutes } from './clock-routes';
import { EvidenceEnv, loadConfig } from './config';
import { DayJobsStartup } from './day-jobs-startup';
import { deadLetterRoutes } from './dead-letter-routes';
import { EvidenceChain, evidenceMigrations } from './evidence/follower';
import { type EvidenceSource, evidencePartRoutes } from './evidence/routes';
import { CompanySigner } from './evidence/signer';
import type { HttpLimits } from './hardening';
import { createHttpApp, type Readiness, type ServiceHttpApp } from './http-app';
import { ServiceMetrics } from './metrics';
import { progressRoutes } from './progress-routes';
import { projectionRoutes } from './projection-routes';
import { DependencyStartup, databaseAddress } from './startup';
import { traceAppends } from './tracing';

/** How long a /ready check waits for the database or the broker before calling it down. */
const READY_CHECK_TIMEOUT_MS = 2000;

export type TopicKey = keyof typeof TOPICS;
export type TopicNames = Record<TopicKey, string>;

export function topicNames(prefix = ''): TopicNames {
  return Object.fromEntries(Object.entries(TOPICS).map(([k, t]) => [k, `${prefix}${t}`])) as TopicNames;
}

/** What a service's code gets to work with: its own store and pool, never another's. */
export interface ServiceContext {
  service: string;
  pool: Pool;
  store: PostgresEventStore;
  logger: Logger;
  /** "Today" for the business: the system clock, or a controllable one (BUSINESS_DATE). */
  clock: BusinessClock;
  calendar: BusinessCalendar;
  topics: TopicNames;
  projections: Map<string, ProjectionRunner>;
  /** The service's Prometheus metrics (served at /metrics); commands count themselves here. */
  metrics?: ServiceMetrics;
  /** The service's own bearer token for calling another service (none when the deployment gives it no client). */
  serviceToken(): Promise<string | undefined>;
  /** The company's seal (LETTER_SIGNING_KEY): letters and evidence checkpoints. */
  signer?: CompanySigner;
  /** The hash chain of this service's store and its signed checkpoints (issue 18 item 4). */
  evidence?: EvidenceChain;
}

export interface ConsumerDefinition {
  /** Unique within the service; the consumer group is `<service>.<name>`. */
  name: string;
  topics: TopicKey[];
  handle: EventHandler;
  /** The same effect for several events in fewer round trips (see EventConsumerOptions.handleBatch). */
  handleBatch?: EventBatchHandler;
}

/**
 * A service, described once and started the same way in both modes: the embedded process
 * runs all five from these definitions, a distributed process runs one.
 */
export interface ServiceDefinition {
  name: string;
  description: string;
  defaultPort: number;
  /** Its PostgreSQL schema: the service's own data. */
  schema: string;
  /** The topic its relay publishes to, if it publishes. */
  publishes?: TopicKey;
  migrations?: Migration[];
  /** Lookup tables updated in the append's own transaction (see InlineProjection). */
  inlineProjections?: InlineProjection[];
  routes(app: ServiceHttpApp, ctx: ServiceContext): Promise<void> | void;
  consumers?(ctx: ServiceContext): ConsumerDefinition[];
  projections?(ctx: ServiceContext): Projection[];
  /** Work done once per business day (the overdue clock, reminders). */
  businessDays?(ctx: ServiceContext): BusinessDayJob[];
  /** What this service holds of a contract's or an invoice's evidence (`GET /evidence/parts/...`). */
  evidence?(ctx: ServiceContext): EvidenceSource;
  /** Background work run by one instance at a time (the lease's owner), e.g. a delivery queue's worker. */
  workers?(ctx: ServiceContext): { name: string; start(): void | Promise<void>; stop(): Promise<void> }[];
}

export interface ServiceInfrastructure {
  databaseUrl: string;
  bus: MessageBus;
  notifier: AppendNotifier;
  logger: Logger;
  host: string;
  port: number;
  /** Who is calling: bearer tokens checked against the OIDC issuer (or the development issuer). */
  auth: Authenticator;
  clock?: BusinessClock;
  calendar?: BusinessCalendar;
  /** How often a service on the system clock looks whether a new business day began. */
  dayCheckIntervalMs?: number;
  schema?: string;
  groupPrefix?: string;
  topicPrefix?: string;
  /**
   * The process's leases, shared by the services it runs; the caller starts them once every
   * service is up (the embedded process: so no relay publishes before every consumer listens).
   * Without it the service takes its own, started once its dependencies answer.
   */
  leases?: Leases;
  /**
   * How long the pool waits for a PostgreSQL connection (to open, or to be free) before the
   * request fails as unavailable (503): a server that hangs holds nothing longer. Default 5000.
   */
  pgConnectTimeoutMs?: number;
  /**
   * How long one query may take before it fails as unavailable (503): a query already sent to a
   * server that then stops answering holds nothing longer. Long work (migrations, the day jobs'
   * lock, rebuilds) is not held to it. Default 15000 (`DEFAULT_QUERY_TIMEOUT_MS`).
   */
  pgQueryTimeoutMs?: number;
  /**
   * Whether startService resolves only once PostgreSQL and the broker answered and everything is
   * started (default: tests, the embedded process). A distributed process passes false: it
   * resolves once listening, the rest starts in the background (`RunningService.started()`).
   */
  awaitDependencies?: boolean;
  /** Further things to wait for before the service's own start (the process's append notifier). */
  dependencies?: { what: string; start(): Promise<void> }[];
  /** How long `GET /admin/progress` waits for the relay and read models before a 503 (25 s). */
  progressWaitMs?: number;
  /** Rate limits, back-pressure and timeouts of the HTTP door (default: from the environment). */
  limits?: HttpLimits;
  /**
   * A port of its own for the admin routes (/admin/*: clock, progress, rebuilds, dead letters),
   * on an internal interface (`adminHost`, default `host`); unset, they are served with the rest.
   */
  adminPort?: number | undefined;
  adminHost?: string | undefined;
  /**
   * The evidence chain's signing key (default: the company's, CompanySigner.fromEnv) and how often
   * its checkpoints are signed (default EVIDENCE_CHECKPOINT_INTERVAL_MS, else 60 s); the RFC 3161 timestamp
   * authority asked for each checkpoint (default TSA_URL; none without).
   */
  evidence?: { signer?: CompanySigner; checkpointIntervalMs?: number; tsaUrl?: string | undefined };
}

export interface RunningService {
  name: string;
  url: string;
  app: ServiceHttpApp;
  /** Where the admin routes are served when they have a listener of their own (adminPort). */
  adminUrl?: string | undefined;
  adminApp?: ServiceHttpApp | undefined;
  ctx: ServiceContext;
  metrics: ServiceMetrics;
  /** Its consumers (an operator or a test may stop one and start it again). */
  consumers: EventConsumer[];
  /**
   * Resolves once PostgreSQL and the broker answered and everything is started (migrations,
   * consumers, then relay, projections, day jobs); rejects when the start failed for good.
   */
  started(): Promise<void>;
  /** Resolves when relay and projections have handled everything committed so far. */
  caughtUp(): Promise<void>;
  /** Resolves when everything this service stored is published (by whichever instance owns the relay). */
  published(): Promise<void>;
  stop(): Promise<void>;
}

export async function startService(
  def: ServiceDefinition,
  infra: ServiceInfrastructure,
): Promise<RunningService> {
  const schema = infra.schema ?? def.schema;
  const logger = infra.logger.child({ service: def.name });
  const pool = createSchemaPool(
    infra.databaseUrl,
    schema,
    boundedPoolConfig({ connectTimeoutMs: infra.pgConnectTimeoutMs, queryTimeoutMs: infra.pgQueryTimeoutMs }),
  );
  // Migrations, the day jobs' lock and rebuilds may rightly take longer than any query should.
  const longWorkPool = createLongWorkPool(infra.databaseUrl, schema, {
    connectTimeoutMs: infra.pgConnectTimeoutMs,
  });
  const metrics = new ServiceMetrics(def.name, logger);
  const dependencies = new DependencyStartup(logger);

  const ctx: ServiceContext = {
    service: def.name,
    pool,
    store: new PostgresEventStore(pool, schema, def.inlineProjections),
    logger,
    clock: infra.clock ?? new BusinessClock(),
    calendar: infra.calendar ?? new BusinessCalendar(),
    topics: topicNames(infra.topicPrefix),
    projections: new Map(),
    metrics,
    serviceToken: async () => infra.auth.serviceTokens?.tokenFor(def.name),
    signer: infra.evidence?.signer ?? companySigner(),
  };
  timeAppends(ctx.store, metrics);
  traceAppends(ctx.store, def.name);

  // Relays and projections run in one instance at a time: the lease's owner.
  const leases = infra.leases ?? new Leases({ databaseUrl: infra.databaseUrl, logger });
  // Every lease this service adds, so /metrics (ar_lease_owned) and /ready name them all.
  const leaseNames: string[] = [];
  const addLease = (work: Parameters<Leases['add']>[0]) => {
    leaseNames.push(work.name);
    leases.add(work);
  };
  for (const projection of def.projections?.(ctx) ?? []) {
    const runner = new ProjectionRunner(projection, {
      pool,
      rebuildPool: longWorkPool,
      schema,
      notifier: infra.notifier,
      logger,
    });
    ctx.projections.set(projection.name, runner);
    addLease({
      name: `${schema}:${runner.checkpointName}`,
      start: () => runner.start(),
      stop: () => runner.stop(),
    });
  }

  const consumerDefinitions = def.consumers?.(ctx) ?? [];
  const consumers = consumerDefinitions.map(
    (c) =>
      new EventConsumer({
        // The inbox and stream places go by what the consumer is, the group by where it runs:
        // a renamed group re-reads the topic with no second effect.
        name: `${def.name}.${c.name}`,
        groupId: `${infra.groupPrefix ?? ''}${def.name}.${c.name}`,
        topics: c.topics.map((t) => ctx.topics[t]),
        bus: infra.bus,
        pool,
        logger,
        service: def.name,
        handle: c.handle,
        ...(c.handleBatch && { handleBatch: c.handleBatch }),
      }),
  );

  /** A relay of this store to one topic, run by the owner of its lease. */
  const relayTo = (topic: string, contractTopic?: string) => {
    const relay = new Relay({
      service: def.name,
      topic,
      ...(contractTopic !== undefined && { contractTopic }),
      pool,
      schema,
      bus: infra.bus,
      notifier: infra.notifier,
      logger,
    });
    addLease({
      name: `${schema}:${relay.checkpointName}`,
      start: () => relay.start(),
      stop: () => relay.stop(),
    });
    return relay;
  };
  const relay = def.publishes ? relayTo(ctx.topics[def.publishes]) : undefined;

  // Every service's store is hash-chained, moments after each append, by the lease's owner.
  const evidenceEnv = loadConfig(EvidenceEnv);
  const evidence = new EvidenceChain({
    service: def.name,
    pool,
    schema,
    store: ctx.store,
    notifier: infra.notifier,
    logger,
    signer: ctx.signer!,
    checkpointIntervalMs: infra.evidence?.checkpointIntervalMs ?? evidenceEnv.EVIDENCE_CHECKPOINT_INTERVAL_MS,
    timestamp: timestamper(infra.evidence?.tsaUrl ?? evidenceEnv.TSA_URL),
  });
  ctx.evidence = evidence;
  addLease({
    name: `${schema}:${evidence.checkpointName}`,
    start: () => evidence.start(),
    stop: () => evidence.stop(),
  });
  // Its signed checkpoints go out on the evidence topic, by a relay of their own.
  const evidenceRelay = def.publishes ? relayTo(ctx.topics.evidence, TOPICS.evidence) : undefined;

  for (const worker of def.workers?.(ctx) ?? [])
    addLease({
      name: `${schema}:worker:${worker.name}`,
      start: () => worker.start(),
      stop: () => worker.stop(),
    });

  const schedulers = (def.businessDays?.(ctx) ?? []).map(
    (job) =>
      new BusinessDayScheduler({
        job,
        pool,
        lockPool: longWorkPool,
        calendar: ctx.calendar,
        logger,
        metrics,
      }),
  );
  const catchUp = async (day: string) => {
    const runs: Record<string, unknown> = {};
    for (const s of schedulers) runs[s.jobName] = await s.catchUp(day);
    return runs;
  };
  let unsubscribe: (() => void) | undefined;
  // The days missed while away are caught up once the service listens (DayJobsStartup).
  const startup = new DayJobsStartup(schedulers, logger);
  let dayTimer: NodeJS.Timeout | undefined;

  const ownedLeases = () => {
    const all = leases.owned();
    return Object.fromEntries(leaseNames.map((name) => [name, all[name] ?? false]));
  };
  metrics.watch({
    pool,
    bus: infra.bus,
    relays: [
      ...(relay ? [{ checkpoint: relay.checkpointName, topic: ctx.topics[def.publishes!] }] : []),
      ...(evidenceRelay ? [{ checkpoint: evidenceRelay.checkpointName, topic: ctx.topics.evidence }] : []),
    ],
    projections: [...ctx.projections.values()].map((p) => ({ name: p.name, checkpoint: p.checkpointName })),
    consumers: consumerDefinitions.map((c) => ({
      name: `${def.name}.${c.name}`,
      groupId: `${infra.groupPrefix ?? ''}${def.name}.${c.name}`,
      topics: c.topics.map((t) => ctx.topics[t]),
    })),
    leases: ownedLeases,
    today: () => ctx.clock.today(),
    dayJobsDue: () => ctx.clock.dayJobsDue(),
  });
  const ready = async (): Promise<Readiness> => {
    const check = async (work: () => Promise<unknown>, what: string) => {
      try {
        await withTimeout(work(), READY_CHECK_TIMEOUT_MS, '');
        return 'ok';
      } catch (error) {
        const e = error as { code?: string; message?: string };
        return `down: ${what} ${[e.code, e.message].filter(Boolean).join(' ') || String(error)}`;
      }
    };
    const [database, kafka] = await Promise.all([
      check(() => pool.query('select 1'), `PostgreSQL at ${databaseAddress(infra.databaseUrl)}:`),
      infra.bus.checkReachable
        ? check(() => infra.bus.checkReachable!(READY_CHECK_TIMEOUT_MS), 'the message broker:')
        : Promise.resolve('ok (in-process bus)'),
    ]);
    const dayJobs = schedulers.length > 0 && dependencies.done ? startup.verdict() : undefined;
    const owned = Object.entries(ownedLeases());
    const held = owned.filter(([, o]) => o).map(([name]) => name);
    const checks = {
      database,
      kafka,
      startup: dependencies.verdict(),
      // Standing by is as ready as owning: another instance runs what this one does not.
      leases:
        owned.length === 0
          ? 'ok (none: nothing here runs in one instance only)'
          : `ok: runs ${held.length} of ${owned.length}${held.length ? ` (${held.join(', ')})` : ''}, stands by for the rest`,
      ...(dayJobs !== undefined && { dayJobs }),
    };
    return {
      ready:
        database === 'ok' &&
        kafka.startsWith('ok') &&
        dependencies.done &&
        (dayJobs ?? 'ok').startsWith('ok'),
      checks,
    };
  };

  const httpApp = async (description: string) => {
    const made = await createHttpApp({
      service: def.name,
      description,
      logger,
      metrics,
      ready,
      auth: infra.auth,
      limits: infra.limits,
    });
    // Until PostgreSQL and the broker answered and everything started, requests answer 503.
    dependencies.holdRequests(made);
    return made;
  };
  const app = await httpApp(def.description);
  // The admin routes on an internal listener of their own, when there is one (ADMIN_PORT).
  const adminApp =
    infra.adminPort === undefined
      ? undefined
      : await httpApp(`Administration of ${def.name}: the business clock, progress, rebuilds, dead letters.`);
  const admin = adminApp ?? app;
  const caughtUp = async () => {
    await dependencies.started();
    await startup.done();
    await relay?.caughtUp();
    // The evidence checkpoints published too: a scrape right after showed their relay 3 behind
    // (metrics.int, the official CI of session 11).
    await evidenceRelay?.caughtUp();
    await Promise.all([...ctx.projections.values()].map((p) => p.caughtUp()));
  };
  await admin.register(async (scope) => clockRoutes(scope as ServiceHttpApp, ctx.clock));
  await admin.register(async (scope) =>
    progressRoutes(scope as ServiceHttpApp, ctx, caughtUp, infra.progressWaitMs),
  );
  await admin.register(async (scope) => projectionRoutes(scope as ServiceHttpApp, ctx));
  await admin.register(async (scope) => deadLetterRoutes(scope as ServiceHttpApp, consumers));
  const evidenceSource = def.evidence?.(ctx);
  if (evidenceSource)
    await app.register(async (scope) =>
      evidencePartRoutes(scope as ServiceHttpApp, {
        service: def.name,
        pool,
        signer: ctx.signer!,
        source: evidenceSource,
      }),
    );
  await app.register(async (scope) => def.routes(scope as ServiceHttpApp, ctx));
  const address = await app.listen({ host: infra.host, port: infra.port });
  logger.info({ url: address }, `${def.name} listening`);
  const adminAddress = await adminApp?.listen({ host: infra.adminHost ?? infra.host, port: infra.adminPort });
  if (adminAddress) logger.info({ url: adminAddress }, `${def.name} admin routes listening`);
  // Listening first; what needs PostgreSQL and the broker starts once they answer.
  dependencies.start(async (step) => {
    for (const d of infra.dependencies ?? []) await step(d.what, () => d.start());
    await step(`PostgreSQL at ${databaseAddress(infra.databaseUrl)} (schema ${schema})`, async () => {
      await migrate(longWorkPool, schema, [
        ...eventStoreMigrations,
        ...businessDayMigrations,
        ...evidenceMigrations,
        ...(def.migrations ?? []),
      ]);
      await ctx.clock.share(pool);
    });
    for (const consumer of consumers)
      await step(
        `the message broker (consumer group of ${consumer.name})`,
        () => consumer.start(),
        () => consumer.stop(), // joined only after the service stopped waiting
      );
    unsubscribe = ctx.clock.onNewDay(def.name, catchUp);
    // On the system clock, a day's jobs are due from its local day-jobs time (BusinessClock.dayJobsDue);
    // a controllable clock says so when moved.
    if (schedulers.length > 0 && !ctx.clock.controllable)
      dayTimer = setInterval(
        () =>
          catchUp(ctx.clock.dayJobsDue()).catch((error) =>
            logger.error({ err: error }, 'business day failed'),
          ),
        infra.dayCheckIntervalMs ?? 60_000,
      ).unref();
    startup.start(() => catchUp(ctx.clock.dayJobsDue()));
    if (!infra.leases) await leases.start();
    logger.info(`${def.name} started`);
  });
  const published = async () => {
    await dependencies.started();
    await relay?.caughtUp();
  };
  // Graceful: no new requests; everything appended is published; consumers finish their
  // batch and commit; then the pool closes. What is not published yet stays in the store.
  // With shared leases the caller has stopped the relays and projections first.
  const stop = async () => {
    await app.close();
    await adminApp?.close();
    await dependencies.stop();
    unsubscribe?.();
    ctx.clock.unshare(pool);
    if (dayTimer) clearInterval(dayTimer);
    await startup.stop();
    if (!infra.leases) {
      if (relay && leases.isOwner(`${schema}:${relay.checkpointName}`)) await relay.caughtUp();
      await leases.stop();
    }
    await Promise.all(consumers.map((c) => c.stop()));
    await pool.end();
    await longWorkPool.end();
    logger.info(`${def.name} stopped`);
  };
  if (infra.awaitDependencies ?? true)
    await dependencies.started().catch(async (error) => {
      await stop();
      throw error;
    });

  return {
    name: def.name,
    url: address,
    app,
    adminUrl: adminAddress,
    adminApp,
    ctx,
    metrics,
    consumers,
    started: () => dependencies.started(),
    caughtUp,
    published,
    stop,
  };
}

/** RFC 3161 timestamps from the authority at `tsaUrl` (loaded only when one is configured). */
function timestamper(tsaUrl: string | undefined) {
  if (!tsaUrl) return undefined;
  return async (sha256Hex: string) =>
    (await import('./evidence/timestamp')).requestTimestamp(tsaUrl, sha256Hex);
}

/** The company's key from the environment (LETTER_SIGNING_KEY(_FILE), else the development key file). */
function companySigner(): CompanySigner {
  return CompanySigner.fromEnv(
    process.env,
    process.env.LETTER_DEV_KEY_FILE ?? '.data/letters/dev-signing-key.pem',
  );
}

/** Times every append to the store (`ar_event_append_duration_seconds`), whoever makes it. */
function timeAppends(store: PostgresEventStore, metrics: ServiceMetrics): void {
  const append = store.appendToStream.bind(store);
  store.appendToStream = async (...args) => {
    const end = metrics.appends.startTimer();
    try {
      return await append(...args);
    } finally {
      end();
    }
  };
}
