import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import {
  ALL_ROLES,
  DevIssuer,
  envPortName,
  localKafkaBrokers,
  spawnTypeScript,
  stopProcess,
} from '@ar/platform';
import pg from 'pg';
import { ensureBuilt, spawnBuilt } from '../../../infra/deploy/built';

export const SERVICE_NAMES = ['credit-scoring', 'contract', 'invoicing', 'collections', 'reporting'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** The policies of DOMAIN.md switched on (the platform as built) or off (a company without them). */
export type Policies = 'on' | 'off';

/**
 * Policies off, in the real services: no tiering (every customer gets the standard terms, a
 * limit nobody reaches, and no early warning - so no dynamic clauses either), and no collections
 * service at all (no reminders, no escalation ladder, no credit freeze).
 */
const NO_TIERING_POLICY = JSON.stringify({
  tiers: { strategic: { minScore: 100_000, minAnnualValue: 0 }, cooperative: { minScore: 0 } },
  terms: {
    STRATEGIC: { paymentTermDays: 30, limit: 1e15 },
    COOPERATIVE: { paymentTermDays: 30, limit: 1e15 },
    CAUTIOUS: { paymentTermDays: 30, limit: 1e15 },
  },
  earlyWarning: { maxDrop: 100_000, reTier: false },
});

export interface Deployment {
  mode: 'embedded' | 'distributed';
  policies: Policies;
  urls: Partial<Record<ServiceName, string>>;
  /** Where each service's schema is, for a check that reads the stores themselves. */
  databaseUrl: string;
  schemaOf(service: ServiceName): string;
  /** Kafka, when distributed: the consumer groups' prefix and the topics' prefix. */
  kafka?: { brokers: string[]; groupPrefix: string; topicPrefix: string };
  /** The simulator's bearer token: it plays every person of the company, so it holds every role. */
  authorization: string;
  stop(): Promise<void>;
}

/**
 * The run's own identity provider: a development issuer served on a free port, which the
 * services trust (OIDC_ISSUER...) as they would a company's; it also gives contract its
 * service token (client credentials).
 */
async function simulationIssuer() {
  const issuer = await DevIssuer.create();
  await issuer.serve(0);
  return {
    env: {
      OIDC_ISSUER: issuer.issuer,
      OIDC_AUDIENCE: issuer.audience,
      OIDC_CLIENT_SECRET: issuer.clientSecret,
    },
    authorization: `Bearer ${await issuer.token({ roles: ALL_ROLES, subject: 'simulator', expiresInSeconds: 24 * 3600 })}`,
    stop: () => issuer.stop(),
  };
}

export interface DeploymentOptions {
  runId: string;
  policies: Policies;
  startDate: string;
  databaseUrl: string;
  kafkaBrokers?: string[];
  /** Where the services' logs go; they are quiet (warn) unless asked. */
  logLevel?: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Waits until the service is ready: a service listens (and answers /health) before it reached
 * PostgreSQL and Kafka, and answers commands 503 until /ready says it is started.
 */
async function waitForReady(url: string, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode} while starting`);
    try {
      if ((await fetch(`${url}/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not answer ${url}/ready with 200 within 2 minutes`);
}

function servicesOf(policies: Policies): ServiceName[] {
  return SERVICE_NAMES.filter((s) => policies === 'on' || s !== 'collections');
}

/**
 * A database of the run's own on the server, embedded or distributed: nothing else's tables nor
 * transactions beside the run's (readers wait only for transactions of their own database).
 */
async function runDatabase(options: DeploymentOptions): Promise<string> {
  const database = `sim_${options.runId}`;
  const admin = new pg.Client({ connectionString: options.databaseUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${database}`);
  } finally {
    await admin.end();
  }
  const url = new URL(options.databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** One process with every service (the embedded default), in a database of its own. */
export async function startEmbedded(options: DeploymentOptions): Promise<Deployment> {
  const databaseUrl = await runDatabase(options);

  const services = servicesOf(options.policies);
  const ports = Object.fromEntries(
    await Promise.all(services.map(async (s) => [s, await freePort()] as const)),
  );
  const identity = await simulationIssuer();
  const child = spawnTypeScript(
    'services/all-in-one/src/main.ts',
    {
      ...identity.env,
      DATABASE_URL: databaseUrl,
      BUSINESS_DATE: options.startDate,
      SERVICES: services.join(','),
      CREDIT_SCORING_URL: `http://127.0.0.1:${ports['credit-scoring']}`,
      LOG_LEVEL: options.logLevel ?? 'warn',
      ...(options.policies === 'off' ? { CREDIT_POLICY_JSON: NO_TIERING_POLICY } : {}),
      ...Object.fromEntries(services.map((s) => [envPortName(s), String(ports[s])])),
    },
    ['ignore', 'ignore', 'inherit'],
  );
  const urls = Object.fromEntries(services.map((s) => [s, `http://127.0.0.1:${ports[s]}`]));
  for (const s of services) await waitForReady(urls[s]!, child, 'the platform');
  return {
    mode: 'embedded',
    policies: options.policies,
    urls,
    databaseUrl,
    schemaOf: (service) => service,
    authorization: identity.authorization,
    stop: async () => {
      await stopProcess(child, 'SIGTERM');
      await identity.stop();
    },
  };
}

/**
 * Every service its own process, over real Kafka; topics, groups, schemas and the database
 * unique to the run. The processes run the built JavaScript, as production does (infra/deploy/dist/<name>/main.js,
 * plain node): built first (`pnpm build`, about a second, only what changed is written); a
 * failed build fails the run - it never falls back to the TypeScript.
 */
export async function startDistributed(options: DeploymentOptions): Promise<Deployment> {
  await ensureBuilt();
  const databaseUrl = await runDatabase(options);
  const brokers = options.kafkaBrokers ?? localKafkaBrokers();
  const prefix = `sim.${options.runId}.`;
  const schemaOf = (service: ServiceName) => `sim_${options.runId}_${service.replace('-', '_')}`;
  const services = servicesOf(options.policies);
  const ports = Object.fromEntries(
    await Promise.all(services.map(async (s) => [s, await freePort()] as const)),
  );
  const urls = Object.fromEntries(services.map((s) => [s, `http://127.0.0.1:${ports[s]}`]));
  const children: ChildProcess[] = [];
  const identity = await simulationIssuer();
  try {
    for (const service of services) {
      const child = spawnBuilt(
        service,
        {
          ...identity.env,
          DATABASE_URL: databaseUrl,
          KAFKA_BROKERS: brokers.join(','),
          PORT: String(ports[service]),
          DB_SCHEMA: schemaOf(service),
          TOPIC_PREFIX: prefix,
          GROUP_PREFIX: prefix,
          BUSINESS_DATE: options.startDate,
          CREDIT_SCORING_URL: urls['credit-scoring']!,
          LOG_LEVEL: options.logLevel ?? 'warn',
          ...(options.policies === 'off' ? { CREDIT_POLICY_JSON: NO_TIERING_POLICY } : {}),
        },
        ['ignore', 'ignore', 'inherit'],
      );
      children.push(child);
      await waitForReady(urls[service]!, child, service);
    }
  } catch (error) {
    await Promise.all(children.map((c) => stopProcess(c, 'SIGKILL')));
    await identity.stop();
    throw error;
  }
  return {
    mode: 'distributed',
    policies: options.policies,
    urls,
    databaseUrl,
    schemaOf,
    kafka: { brokers, groupPrefix: prefix, topicPrefix: prefix },
    authorization: identity.authorization,
    stop: async () => {
      await Promise.all(children.map((c) => stopProcess(c, 'SIGTERM')));
      await identity.stop();
    },
  };
}
