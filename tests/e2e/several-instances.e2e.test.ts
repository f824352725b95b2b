import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allServices } from '@ar/all-in-one';
import { publicEventsOf, TOPICS } from '@ar/contracts';
import { repoRoot } from '@ar/platform';
import { createSchemaPool } from '@ar/postgres';
import { servedAuthHeaders, servedTestIssuer } from '../support/auth';
import { testInfra, unique } from '../support/infra';
import {
  type Command,
  Driver,
  drive,
  type Json,
  type KafkaScope,
  quiesce,
  SERVICES,
  type ServiceName,
} from '../support/load-driver';
import { OwnServers } from '../support/own-servers';
import { Fleet, freePort, ServiceInstance } from '../support/service-instances';
import {
  DAYS,
  differences,
  FINAL,
  loadPlan,
  normalize,
  random,
  readModels,
  referenceRun,
  START,
  sleep,
  waitForGroups,
} from '../support/several-instances-load';
import { orderProblems, type ReadMessage, readTopics } from '../support/topic-reader';

/**
 * Two instances of every service as separate processes over real Kafka, under steady load over
 * REST, while instances are killed (`kill -9`) and started again, the Kafka broker restarts and
 * PostgreSQL restarts. Then: every acknowledged command is stored once; every stored event
 * reaches its topic in stream order (a copy again only around a disruption); BI (reporting) got
 * every event once; nothing is parked; and the read models equal those of one instance of each
 * service fed the same acknowledged commands (the reference, on the shared test servers).
 *
 * It runs its own PostgreSQL and Kafka (SEVERAL_PGPORT, default 55433; SEVERAL_KAFKA_PORT,
 * default 19092; +10 while another run holds them; data under .data/) so it can restart them
 * without touching the servers other tests share.
 * Logs of every instance and of the test: .data/several-instances/logs/<run>/.
 * SEVERAL_SEED=<n> replays a run's choice of victims.
 */

const INSTANCES = 2;
const MAX_KILLS = 8;
const PG_PORT = Number(process.env.SEVERAL_PGPORT ?? 55433);
const KAFKA_PORT = Number(process.env.SEVERAL_KAFKA_PORT ?? 19092);
const seed = Number(process.env.SEVERAL_SEED ?? Date.now() % 100_000);
/** The day the disruptions fall on: its commands go out slowly, one every `CHAOS_DAY_INTERVAL_MS`. */
const CHAOS_DAY = 1;
const CHAOS_DAY_INTERVAL_MS = 700;

/** Something done to the deployment, and what followed. */
interface Disruption {
  what: 'kill' | 'kafka restart' | 'postgres restart';
  instance?: string;
  service?: string;
  relayOwner?: boolean;
  at: number;
  end: number;
  /** For a kill: when the new process answered /ready (its consumers have joined their groups). */
  readyAfterMs?: number;
  /**
   * Leases the killed instance held, and how long until another instance ran each (its log's
   * "lease taken"), and until another instance's `GET /metrics` showed `ar_lease_owned` 1 for it.
   */
  failovers: { lease: string; to: string; ms: number; metric?: { to: string; ms: number } }[];
  /** `ar_lease_owned` of those leases on the killed instance just before the kill. */
  metricBefore?: Record<string, number | undefined>;
}

describe('two instances of every service; instances killed, Kafka and PostgreSQL restarted, under load', () => {
  const run = unique('several');
  const prefix = `${run}.`;
  const schemaOf = (service: ServiceName) => `${run}_${allServices.find((d) => d.name === service)!.schema}`;
  const topicOf = (service: string) =>
    `${prefix}${TOPICS[allServices.find((d) => d.name === service)!.publishes!]}`;
  const relayLease = (service: ServiceName) => `${schemaOf(service)}:relay:${topicOf(service)}`;
  const workDir = join(repoRoot, '.data', 'several-instances');
  const logDir = join(workDir, 'logs', run);
  let servers: OwnServers;
  let scope: KafkaScope;
  const fleet = new Fleet();
  const { phases, customers, invoices, payments } = loadPlan();
  const ids = { customers, invoices, payments };
  const rnd = random(seed);
  const disruptions: Disruption[] = [];
  const restarts: Promise<void>[] = [];
  const timings: Record<string, number> = {};
  const quietMs: number[] = [];
  const duplicateReport: Record<string, { messages: number; duplicates: number; causes: string[] }> = {};
  let urls: Record<ServiceName, string[]>;
  let driver: Driver;
  let groups = 0;
  let distributedModels: Record<string, Json> | undefined;
  let topicMessages: Map<string, ReadMessage[]> | undefined;
  /** Lease -> the live instances whose /metrics report `ar_lease_owned` 1, once all is quiet. */
  let finalOwners: Map<string, string[]> | undefined;
  const t0 = Date.now();
  /**
   * What failed, first in the summary: the CI's excerpt of a run shows the summary's first lines,
   * and jest's own report of the failure comes after them.
   */
  const failed: string[] = [];
  const recordedIt = (name: string, body: () => Promise<void>, timeoutMs?: number) =>
    it(
      name,
      async () => {
        try {
          await body();
        } catch (error) {
          failed.push(`${name}: ${String((error as Error).message ?? error).slice(0, 1500)}`);
          throw error;
        }
      },
      timeoutMs,
    );
  const seconds = (from: number) => Math.round((Date.now() - from) / 100) / 10;
  /** The test's own log (chaos, waits), beside the instances' logs. */
  const trace = (line: string) => {
    mkdirSync(logDir, { recursive: true });
    appendFileSync(join(logDir, 'test.log'), `${new Date().toISOString()} ${line}\n`);
  };

  beforeAll(async () => {
    // The logs of the last runs are kept for a look after a failure; older ones go.
    const logs = join(workDir, 'logs');
    if (existsSync(logs))
      for (const old of readdirSync(logs)
        .map((name) => join(logs, name))
        .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
        .slice(5))
        rmSync(old, { recursive: true, force: true });
    servers = OwnServers.claim(PG_PORT, KAFKA_PORT, workDir);
    scope = { brokers: servers.kafkaBrokers, groupPrefix: prefix, topicPrefix: prefix };
    await servers.start();
    timings.serversUp = seconds(t0);
    const issuer = await servedTestIssuer();
    const ports = new Map<string, number>();
    for (const service of SERVICES)
      for (let index = 1; index <= INSTANCES; index++) ports.set(`${service}#${index}`, await freePort());
    for (const service of SERVICES)
      for (let index = 1; index <= INSTANCES; index++)
        fleet.add(
          new ServiceInstance(
            service,
            index,
            ports.get(`${service}#${index}`)!,
            {
              DATABASE_URL: servers.databaseUrl,
              KAFKA_BROKERS: servers.kafkaBrokers.join(','),
              DB_SCHEMA: schemaOf(service),
              TOPIC_PREFIX: prefix,
              GROUP_PREFIX: prefix,
              BUSINESS_DATE: START,
              CREDIT_SCORING_URL: `http://127.0.0.1:${ports.get('credit-scoring#1')}`,
              LOG_LEVEL: 'info',
              ...issuer.env, // the OpenID issuer the instances trust (a development one, served here)
            },
            logDir,
            fleet,
          ),
        );
    await Promise.all(fleet.instances.map((i) => i.start()));
    urls = Object.fromEntries(SERVICES.map((s) => [s, fleet.of(s).map((i) => i.url)])) as typeof urls;
    const token = servedAuthHeaders();
    driver = new Driver(
      (s) => urls[s],
      () => token,
    );
    groups = await waitForGroups(scope);
    timings.instancesUp = seconds(t0);
  }, 420_000);

  afterAll(async () => {
    await fleet.destroy();
    await servers?.stop();
    servers?.release();
    const kills = disruptions.filter((d) => d.what === 'kill');
    const clock = (at: number) => new Date(at).toISOString().slice(11, 23);
    console.log(
      [
        ...failed.map((f) => `FAILED ${f}`),
        `several instances: run ${run}, chaos seed ${seed} (SEVERAL_SEED), ${seconds(t0)} s; PostgreSQL :${servers?.pgPort}, Kafka :${servers?.kafkaPort}; logs in ${logDir}`,
        `  commands acknowledged: ${driver?.acks.length ?? 0} of ${customers.length + invoices.length + payments.length} (${customers.length} customers, ${invoices.length} invoices, ${payments.length} payments), and ${DAYS.length - 1} clock moves of every service`,
        `  requests ${driver?.stats.requests}, retries ${driver?.stats.retries}, 409 found applied ${driver?.stats.checkedAfter409}, failed attempts ${JSON.stringify(driver?.stats.failures)}`,
        `  kills: ${kills.length}`,
        ...kills.map(
          (k) =>
            `    ${clock(k.at)} ${k.instance}${k.relayOwner ? ' (relay owner)' : ''}: ready again after ${k.readyAfterMs ?? '?'} ms; ${
              k.failovers.length === 0
                ? 'held no lease'
                : `taken over: ${k.failovers
                    .map(
                      (f) =>
                        `${f.lease.slice(f.lease.indexOf(':') + 1).replace(prefix, '')} by ${f.to} in ${f.ms} ms (ar_lease_owned ${k.metricBefore?.[f.lease] ?? '?'} on ${k.instance} before, 1 on ${f.metric?.to} after ${f.metric?.ms} ms)`,
                    )
                    .join(', ')}`
            }`,
        ),
        ...disruptions
          .filter((d) => d.what !== 'kill')
          .map(
            (d) =>
              `  ${d.what} at ${clock(d.at)}: down ${d.end - d.at} ms (stop.sh, then start.sh on the same data)`,
          ),
        `  ar_lease_owned at the end: ${
          finalOwners
            ? [...finalOwners]
                .map(
                  ([lease, owners]) =>
                    `${lease.slice(lease.indexOf(':') + 1).replace(prefix, '')} ${owners.join('+') || 'nobody'}`,
                )
                .join(', ')
            : 'not read'
        }`,
        `  exits nobody asked for: ${fleet.crashes.length}`,
        ...fleet.crashes.map(
          (c) =>
            `    ${c.instance} ${c.code ?? c.signal}: ${c.lastLines.slice(-3).join(' | ').slice(0, 500)}`,
        ),
        `  duplicates per topic: ${Object.entries(duplicateReport)
          .map(([t, r]) => `${t.replace(prefix, '')} ${r.duplicates} of ${r.messages}`)
          .join(', ')}`,
        ...Object.values(duplicateReport).flatMap((r) => r.causes.map((c) => `    ${c}`)),
        `  waits for quiet (ms): ${quietMs.join(', ')}`,
        `  timings (s since start): ${JSON.stringify(timings)}`,
      ].join('\n'),
    );
  }, 120_000);

  async function bothReady(service: ServiceName, timeoutMs = 300_000) {
    const deadline = Date.now() + timeoutMs;
    while (!fleet.of(service).every((i) => i.ready && i.alive)) {
      if (Date.now() > deadline) throw new Error(`${service}: instances not both ready in ${timeoutMs} ms`);
      await sleep(200);
    }
  }

  async function allReady() {
    for (const service of SERVICES) await bothReady(service);
  }

  /** `kill -9` one instance of `service` (its relay's owner, if asked), and start it again. */
  async function kill(service: ServiceName, relayOwner: boolean, cancelled: () => boolean = () => false) {
    await bothReady(service); // never both at once
    if (cancelled()) return;
    const pair = fleet.of(service);
    const owner = pair.find((i) => fleet.ownerOf(relayLease(service)) === i.name);
    const target = relayOwner && owner ? owner : pair[Math.floor(rnd() * pair.length)]!;
    const leases = fleet.leasesOf(target.name);
    // What the victim's /metrics says of its leases just before: 1 each (then it should move).
    const before = await target.leaseMetrics();
    const victim = target.child;
    const at = Date.now();
    await target.kill9();
    const disruption: Disruption = {
      what: 'kill',
      service,
      instance: target.name,
      relayOwner: target === owner,
      at,
      end: Date.now(),
      failovers: [],
      metricBefore: Object.fromEntries(leases.map((lease) => [lease, before?.get(lease)])),
    };
    disruptions.push(disruption);
    trace(
      `kill -9 ${target.name}${disruption.relayOwner ? ' (relay owner)' : ''}, holding ${leases.join(', ') || 'no lease'}`,
    );
    restarts.push(
      (async () => {
        await target.start();
        disruption.readyAfterMs = Date.now() - at;
        trace(`${target.name} ready again after ${disruption.readyAfterMs} ms`);
      })(),
    );
    for (const lease of leases)
      restarts.push(
        (async () => {
          const [taken, metric] = await Promise.all([
            fleet.takenOver(lease, () => true, at, 60_000),
            fleet.metricOwner(lease, service, victim, 60_000),
          ]);
          disruption.failovers.push({
            ...(taken
              ? { lease, to: taken.instance, ms: taken.at - at }
              : { lease, to: 'nobody within 60 s', ms: -1 }),
            metric: metric
              ? { to: metric.instance, ms: metric.at - at }
              : { to: 'nobody within 60 s', ms: -1 },
          });
          trace(
            `${lease}: ar_lease_owned 1 on ${metric ? `${metric.instance} ${metric.at - at} ms` : 'no instance within 60 s'} after the kill of ${target.name}`,
          );
        })(),
      );
  }

  // An instance still starting may fail its start while a server is away: it exits and is
  // started again, as a supervisor would (reported, not counted as a crash).
  async function restartServer(what: 'kafka restart' | 'postgres restart') {
    const at = Date.now();
    trace(`${what}`);
    if (what === 'kafka restart') await servers.restartKafka();
    else await servers.restartPostgres();
    disruptions.push({ what, at, end: Date.now(), failovers: [] });
    trace(`${what} done in ${Date.now() - at} ms`);
  }

  /**
   * The chaos, once started: a kill every few seconds, each service's turn once (every other one
   * aimed at its relay's owner), the broker restarted after the second kill and PostgreSQL after
   * the fourth; then random kills until `over()`. `planned` resolves when the planned part is done.
   */
  function chaos(over: () => boolean) {
    const order = [...SERVICES].sort(() => rnd() - 0.5);
    const steps: (() => Promise<void>)[] = order.map((service, i) => () => kill(service, i % 2 === 0));
    steps.splice(2, 0, () => restartServer('kafka restart'));
    steps.splice(5, 0, () => restartServer('postgres restart'));
    let started: () => void = () => {};
    let planned: () => void = () => {};
    const go = new Promise<void>((r) => {
      started = r;
    });
    const plannedDone = new Promise<void>((r) => {
      planned = r;
    });
    const done = (async () => {
      await go;
      await sleep(1000);
      for (const step of steps) {
        await step();
        await sleep(3000 + rnd() * 3000);
      }
      planned();
      while (!over() && disruptions.filter((d) => d.what === 'kill').length < MAX_KILLS) {
        await kill(SERVICES[Math.floor(rnd() * SERVICES.length)]!, rnd() < 0.3, over);
        await sleep(3000 + rnd() * 3000);
      }
      await Promise.all(restarts);
    })();
    return { start: started, planned: plannedDone, done };
  }

  recordedIt(
    'acknowledges every command while instances are killed and Kafka and PostgreSQL restart',
    async () => {
      const started = Date.now();
      let over = false;
      const chaotic = chaos(() => over);
      // A chaos step that fails (a server that does not come back) fails the run instead of hanging it.
      const chaosFailed = chaotic.done.then(
        () => new Promise<never>(() => {}),
        (error) => Promise.reject(error),
      );
      const load = drive(driver, phases, {
        concurrency: 4,
        intervalMs: (index) => (index === CHAOS_DAY ? CHAOS_DAY_INTERVAL_MS : 100),
        quiet: () => quiesce(driver, urls, scope, groups, { all: false, timeoutMs: 180_000, trace }),
        onQuiet: (ms) => {
          quietMs.push(ms);
          trace(`quiet after ${ms} ms; ${driver.acks.length} commands acknowledged`);
        },
        // The disruptions fall on the chaos day's commands; the next day waits for them to end.
        beforePhase: async (index) => {
          trace(`day ${phases[index]!.day}: ${driver.acks.length} commands acknowledged so far`);
          if (index === CHAOS_DAY + 1) {
            await chaotic.planned;
            over = true;
          }
        },
        beforeCommands: async (index) => {
          if (index !== CHAOS_DAY) return;
          timings.chaosFrom = seconds(t0);
          chaotic.start();
        },
      }).finally(() => {
        over = true;
      });
      await Promise.race([load, chaosFailed]);
      timings.loadDone = seconds(t0);
      await Promise.race([chaotic.done, chaosFailed]);
      await allReady();
      quietMs.push(await quiesce(driver, urls, scope, groups, { all: true, timeoutMs: 180_000, trace }));
      timings.quiet = seconds(t0);
      trace(`load done in ${seconds(started)} s`);

      const acked = (kind: Command['kind']) =>
        driver.acks
          .filter((a) => a.kind === kind)
          .map((a) => a.id)
          .sort();
      expect(acked('customer')).toEqual(customers);
      expect(acked('invoice')).toEqual(invoices);
      expect(acked('payment')).toEqual(payments);
      const kills = disruptions.filter((d) => d.what === 'kill');
      expect(kills.length).toBeGreaterThanOrEqual(4);
      expect(new Set(kills.map((k) => k.service)).size).toBe(SERVICES.length);
      expect(kills.some((k) => k.relayOwner)).toBe(true);
      expect(disruptions.map((d) => d.what)).toEqual(
        expect.arrayContaining(['kafka restart', 'postgres restart']),
      );
      // Every relay and projection a killed instance ran was taken over by another instance.
      expect(kills.flatMap((k) => k.failovers).filter((f) => f.ms < 0)).toEqual([]);
      // The lease metric moves with it: 1 on the killed owner before, then 1 on another process's
      // /metrics (the other instance, or the killed one started again) after the kill.
      expect(
        kills.flatMap((k) =>
          k.failovers
            .filter((f) => k.metricBefore?.[f.lease] !== 1 || !f.metric || f.metric.ms < 0)
            .map((f) => ({
              killed: k.instance,
              lease: f.lease,
              before: k.metricBefore?.[f.lease],
              after: f.metric,
            })),
        ),
      ).toEqual([]);
      expect(kills.flatMap((k) => k.failovers).length).toBeGreaterThan(0);
      // Once quiet, each lease is reported owned (1) by exactly one live instance: never two.
      const deadline = Date.now() + 20_000;
      do {
        finalOwners = await fleet.metricOwners();
        if ([...finalOwners.values()].every((owners) => owners.length === 1)) break;
        await sleep(500);
      } while (Date.now() < deadline);
      expect(finalOwners.size).toBeGreaterThan(0);
      expect([...finalOwners].filter(([, owners]) => owners.length > 1)).toEqual([]);
      expect([...finalOwners].filter(([, owners]) => owners.length === 0)).toEqual([]);
      // Nothing exited that was not killed: no instance fell over from a server going away.
      expect(
        fleet.crashes
          .filter((c) => !c.instance.endsWith('(while starting)'))
          .map((c) => `${c.instance} ${c.code ?? c.signal}`),
      ).toEqual([]);

      distributedModels = await readModels(
        driver,
        Object.fromEntries(SERVICES.map((s) => [s, urls[s][0]!])) as Record<ServiceName, string>,
        ids,
      );
      // Every instance answers the same: they share the store.
      for (const [service, path] of [
        ['collections', '/worklist'],
        ['reporting', `/reports/aging?asOf=${FINAL}&by=customer`],
        ['credit-scoring', `/customers/${customers[0]}/credit`],
        ['invoicing', `/invoices/${invoices[0]}`],
      ] as const) {
        const a = await driver.call(urls[service][0]!, 'GET', path);
        const b = await driver.call(urls[service][1]!, 'GET', path);
        expect({ path, body: normalize(b.body) }).toEqual({ path, body: normalize(a.body) });
      }
    },
    600_000,
  );

  recordedIt('stores every acknowledged command exactly once', async () => {
    const db = createSchemaPool(servers.databaseUrl, 'public', { max: 2 });
    try {
      const count = async (schema: string, type: string, field: string) => {
        const { rows } = await db.query<{ id: string; n: number }>(
          `select data->>'${field}' as id, count(*)::int as n from "${schema}".events where event_type = $1 group by 1 order by 1`,
          [type],
        );
        return rows;
      };
      const once = (list: string[]) => list.map((id) => ({ id, n: 1 }));
      expect(await count(schemaOf('credit-scoring'), 'CustomerRegistered', 'customerId')).toEqual(
        once(customers),
      );
      expect(await count(schemaOf('invoicing'), 'InvoiceIssued', 'invoiceId')).toEqual(once(invoices));
      expect(await count(schemaOf('invoicing'), 'PaymentReceived', 'paymentId')).toEqual(once(payments));
    } finally {
      await db.end();
    }
  });

  recordedIt(
    'publishes every stored event to its topic, in stream order; duplicates only around a disruption',
    async () => {
      const producers = allServices.filter((d) => d.publishes);
      topicMessages = await readTopics(
        servers.kafkaBrokers,
        `${prefix}verifier`,
        producers.map((d) => topicOf(d.name)),
      );
      const db = createSchemaPool(servers.databaseUrl, 'public', { max: 2 });
      try {
        for (const def of producers) {
          const topic = topicOf(def.name);
          const messages = topicMessages.get(topic)!;
          const { rows } = await db.query<{ event_id: string }>(
            `select event_id from "${schemaOf(def.name as ServiceName)}".events where event_type = any($1)`,
            [[...publicEventsOf(def.name).keys()]],
          );
          const stored = new Set(rows.map((r) => r.event_id));
          const onTopic = new Set(messages.map((m) => m.id));
          expect({ topic, missing: [...stored].filter((id) => !onTopic.has(id)) }).toEqual({
            topic,
            missing: [],
          });
          expect({ topic, foreign: [...onTopic].filter((id) => !stored.has(id)) }).toEqual({
            topic,
            foreign: [],
          });
          expect({ topic, order: orderProblems(messages) }).toEqual({ topic, order: [] });

          // A copy again is allowed only when the relay changed hands or a server restarted around it.
          const seen = new Set<string>();
          const report = { messages: messages.length, duplicates: 0, causes: [] as string[] };
          duplicateReport[topic] = report;
          const handovers = fleet.leaseEvents.filter((e) => e.lease === relayLease(def.name as ServiceName));
          const unexplained: string[] = [];
          for (const m of messages) {
            if (!seen.has(m.id)) {
              seen.add(m.id);
              continue;
            }
            report.duplicates++;
            const around = (from: number, to: number) =>
              m.timestamp >= from - 2_000 && m.timestamp <= to + 30_000;
            const disruption = disruptions.find(
              (d) => (d.what !== 'kill' || d.service === def.name) && around(d.at, d.end),
            );
            const handover = handovers.find((h) => around(h.at, h.at));
            const cause = disruption
              ? `${m.timestamp - disruption.at} ms after the ${disruption.what} ${disruption.instance ?? ''}`
              : handover
                ? `${m.timestamp - handover.at} ms after the relay lease was ${handover.taken ? 'taken by' : 'given up by'} ${handover.instance}`
                : undefined;
            if (!cause)
              unexplained.push(`${m.subject}@${m.sequence} at ${new Date(m.timestamp).toISOString()}`);
            else if (report.causes.length < 5)
              report.causes.push(`${topic.replace(prefix, '')} ${m.subject}@${m.sequence} again, ${cause}`);
          }
          expect({ topic, unexplained }).toEqual({ topic, unexplained: [] });
        }
      } finally {
        await db.end();
      }
    },
  );

  recordedIt(
    'gave reporting (BI) every published event once, and parked nothing anywhere',
    async () => {
      const db = createSchemaPool(servers.databaseUrl, 'public', { max: 2 });
      try {
        const reporting = schemaOf('reporting');
        for (const service of ['credit-scoring', 'contract', 'invoicing', 'collections'] as const) {
          const { rows } = await db.query<{ stored: number; in_reporting: number }>(
            `select count(*)::int as stored,
                  count(*) filter (where exists (select 1 from "${reporting}".events r where r.event_id = p.event_id))::int as in_reporting
             from "${schemaOf(service)}".events p where p.event_type = any($1)`,
            [[...publicEventsOf(service).keys()]],
          );
          expect({ service, ...rows[0] }).toEqual({
            service,
            stored: rows[0]!.stored,
            in_reporting: rows[0]!.stored,
          });
        }
        const { rows: twice } = await db.query<{ n: number }>(
          `select (count(*) - count(distinct event_id))::int as n from "${reporting}".events`,
        );
        expect(twice[0]!.n).toBe(0);
        for (const service of SERVICES) {
          const { rows } = await db.query<{ parked: number; held: number }>(
            `select (select count(*) from "${schemaOf(service)}".consumer_parked)::int as parked,
                  (select count(*) from "${schemaOf(service)}".consumer_held)::int as held`,
          );
          expect({ service, ...rows[0] }).toEqual({ service, parked: 0, held: 0 });
        }
      } finally {
        await db.end();
      }
      // Graceful stops still work after all this; then the servers go (the reference uses the shared ones).
      const codes = await Promise.all(fleet.instances.map(async (i) => [i.name, await i.stop()] as const));
      expect(codes.filter(([, code]) => code !== 0)).toEqual([]);
      await servers.stop();
    },
    120_000,
  );

  recordedIt(
    'has the read models one instance of each service has, fed the same acknowledged commands',
    async () => {
      expect(distributedModels).toBeDefined();
      const started = Date.now();
      const acknowledged = new Set(driver.acks.map((a) => `${a.kind}:${a.id}`));
      const sameCommands = phases.map((p) => ({
        day: p.day,
        batches: p.batches.map((b) => b.filter((c) => acknowledged.has(`${c.kind}:${c.id}`))),
      }));
      const referenceModels = await referenceRun(testInfra(), sameCommands, ids, (line) =>
        trace(`reference: ${line}`),
      );
      timings.reference = seconds(started);
      writeFileSync(
        join(logDir, 'read-models.json'),
        JSON.stringify({ distributed: distributedModels, reference: referenceModels }, null, 1),
      );
      expect(Object.keys(distributedModels!)).toEqual(Object.keys(referenceModels));
      expect(differences(distributedModels, referenceModels)).toEqual([]);
    },
    240_000,
  );
});
