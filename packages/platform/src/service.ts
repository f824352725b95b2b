import { TOPICS } from '@ar/contracts';
import { BusinessCalendar } from '@ar/kernel';
import type { EventHandler, MessageBus } from '@ar/messaging';
import { EventConsumer, Relay } from '@ar/messaging';
import {
  type AppendNotifier,
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
import { BusinessClock } from './business-clock';
import { type BusinessDayJob, BusinessDayScheduler, businessDayMigrations } from './business-day-scheduler';
import { clockRoutes } from './clock-routes';
import { deadLetterRoutes } from './dead-letter-routes';
import { createHttpApp, type ServiceHttpApp } from './http-app';
import { progressRoutes } from './progress-routes';
import { projectionRoutes } from './projection-routes';

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
}

export interface ConsumerDefinition {
  /** Unique within the service; the consumer group is `<service>.<name>`. */
  name: string;
  topics: TopicKey[];
  handle: EventHandler;
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
}

export interface ServiceInfrastructure {
  databaseUrl: string;
  bus: MessageBus;
  notifier: AppendNotifier;
  logger: Logger;
  host: string;
  port: number;
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
   * Without it the service takes its own, started at the end of startService.
   */
  leases?: Leases;
}

export interface RunningService {
  name: string;
  url: string;
  app: ServiceHttpApp;
  ctx: ServiceContext;
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
  const pool = createSchemaPool(infra.databaseUrl, schema);
  await migrate(pool, schema, [...eventStoreMigrations, ...businessDayMigrations, ...(def.migrations ?? [])]);

  const ctx: ServiceContext = {
    service: def.name,
    pool,
    store: new PostgresEventStore(pool, schema, def.inlineProjections),
    logger,
    clock: infra.clock ?? new BusinessClock(),
    calendar: infra.calendar ?? new BusinessCalendar(),
    topics: topicNames(infra.topicPrefix),
    projections: new Map(),
  };

  // Relays and projections run in one instance at a time: the lease's owner.
  const leases = infra.leases ?? new Leases({ databaseUrl: infra.databaseUrl, logger });
  for (const projection of def.projections?.(ctx) ?? []) {
    const runner = new ProjectionRunner(projection, { pool, schema, notifier: infra.notifier, logger });
    ctx.projections.set(projection.name, runner);
    leases.add({
      name: `${schema}:${runner.checkpointName}`,
      start: () => runner.start(),
      stop: () => runner.stop(),
    });
  }

  const consumers = (def.consumers?.(ctx) ?? []).map(
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
        handle: c.handle,
      }),
  );
  for (const consumer of consumers) await consumer.start();

  const relay = def.publishes
    ? new Relay({
        service: def.name,
        topic: ctx.topics[def.publishes],
        pool,
        schema,
        bus: infra.bus,
        notifier: infra.notifier,
        logger,
      })
    : undefined;
  if (relay)
    leases.add({
      name: `${schema}:${relay.checkpointName}`,
      start: () => relay.start(),
      stop: () => relay.stop(),
    });

  const schedulers = (def.businessDays?.(ctx) ?? []).map(
    (job) => new BusinessDayScheduler({ job, pool, calendar: ctx.calendar, logger }),
  );
  const catchUp = async (day: string) => {
    const runs: Record<string, unknown> = {};
    for (const s of schedulers) runs[s.jobName] = await s.catchUp(day);
    return runs;
  };
  await ctx.clock.share(pool);
  const unsubscribe = ctx.clock.onNewDay(def.name, catchUp);
  await catchUp(ctx.clock.dayJobsDue());
  // On the system clock, a day's jobs are due from its local day-jobs time (BusinessClock.dayJobsDue);
  // a controllable clock says so when moved.
  const dayTimer =
    schedulers.length > 0 && !ctx.clock.controllable
      ? setInterval(
          () =>
            catchUp(ctx.clock.dayJobsDue()).catch((error) =>
              logger.error({ err: error }, 'business day failed'),
            ),
          infra.dayCheckIntervalMs ?? 60_000,
        ).unref()
      : undefined;

  const app = await createHttpApp({
    service: def.name,
    description: def.description,
    logger,
    ready: async () => {
      await pool.query('select 1');
      return { ready: true, checks: { database: 'ok' } };
    },
  });
  const caughtUp = async () => {
    await relay?.caughtUp();
    await Promise.all([...ctx.projections.values()].map((p) => p.caughtUp()));
  };
  await app.register(async (scope) => clockRoutes(scope as ServiceHttpApp, ctx.clock));
  await app.register(async (scope) => progressRoutes(scope as ServiceHttpApp, ctx, caughtUp));
  await app.register(async (scope) => projectionRoutes(scope as ServiceHttpApp, ctx));
  await app.register(async (scope) => deadLetterRoutes(scope as ServiceHttpApp, consumers));
  await app.register(async (scope) => def.routes(scope as ServiceHttpApp, ctx));
  const address = await app.listen({ host: infra.host, port: infra.port });
  logger.info({ url: address }, `${def.name} listening`);
  if (!infra.leases) await leases.start();
  const published = async () => {
    await relay?.caughtUp();
  };

  return {
    name: def.name,
    url: address,
    app,
    ctx,
    caughtUp,
    published,
    // Graceful: no new requests; everything appended is published; consumers finish their
    // batch and commit; then the pool closes. What is not published yet stays in the store.
    // With shared leases the caller has stopped the relays and projections first.
    stop: async () => {
      await app.close();
      unsubscribe();
      ctx.clock.unshare(pool);
      if (dayTimer) clearInterval(dayTimer);
      await Promise.all(schedulers.map((s) => s.idle()));
      if (!infra.leases) {
        if (relay && leases.isOwner(`${schema}:${relay.checkpointName}`)) await relay.caughtUp();
        await leases.stop();
      }
      await Promise.all(consumers.map((c) => c.stop()));
      await pool.end();
      logger.info(`${def.name} stopped`);
    },
  };
}
