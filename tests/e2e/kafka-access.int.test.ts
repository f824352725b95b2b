import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TOPICS } from '@ar/contracts';
import { createKafkaBus, KAFKA_CLIENTS, type KafkaSasl, type MessageBus, withTimeout } from '@ar/messaging';
import { repoRoot, stopProcess } from '@ar/platform';
import { ConfigResourceTypes, Kafka, logLevel, type SASLOptions } from 'kafkajs';
import pino from 'pino';
import { runBuilt } from '../support/built';
import { eventually, testInfra, unique } from '../support/infra';
import { runScript, runTool } from '../support/own-servers';
import { freePort } from '../support/service-instances';
import { readTopics } from '../support/topic-reader';

/**
 * Least privilege on the broker (issue 15 item 6): a broker of this test's own with SASL/SCRAM and
 * an authorizer (infra/kafka/start.sh with KAFKA_SASL=scram), provisioned by `pnpm kafka:access`
 * (infra/kafka/provision-access.ts) as an operator would; then each service's user writes only its
 * own topic and reads only what it consumes, with either Kafka client, and the built invoicing
 * runs on its own user. It fails, never skips, when the broker cannot start.
 */
const ADMIN_PASSWORD = `admin-${unique('pw')}`;
const logger = pino({ level: 'silent' });

describe('Kafka with SASL/SCRAM and ACLs: each service its own user, granted only what it uses', () => {
  const run = unique('acl');
  const prefix = `${run}.`;
  const dataDir = join(repoRoot, '.data', 'kafka-access-test', run);
  const accessDir = join(dataDir, 'access');
  const topic = (key: keyof typeof TOPICS) => `${prefix}${TOPICS[key]}`;
  let brokers: string[];
  let kafkaEnv: Record<string, string>;
  const buses: MessageBus[] = [];
  let child: ChildProcess | undefined;

  const loginOf = (service: string, password?: string): KafkaSasl => ({
    mechanism: 'scram-sha-512',
    username: service,
    password: password ?? readFileSync(join(accessDir, `${service}.password`), 'utf8').trim(),
  });
  const busAs = (client: (typeof KAFKA_CLIENTS)[number], sasl?: KafkaSasl) => {
    const bus = createKafkaBus({ client, brokers, clientId: sasl?.username ?? 'anonymous', logger, sasl });
    buses.push(bus);
    return bus;
  };
  /** Settles within `ms`: a refused login makes one client retry on and on, which is a refusal too. */
  const outcome = async (work: Promise<unknown>, ms = 10_000) => {
    try {
      await withTimeout(work, ms, '');
      return 'ok';
    } catch (error) {
      return `refused: ${(error as Error).message}`;
    }
  };
  const message = (id: string) => ({ key: id, value: JSON.stringify({ id }), headers: { ce_id: id } });

  beforeAll(async () => {
    const port = await freePort();
    const controllerPort = await freePort();
    kafkaEnv = {
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(controllerPort),
      KAFKA_DATA_DIR: dataDir,
    };
    await runScript('kafka/start.sh', {
      ...kafkaEnv,
      KAFKA_SASL: 'scram',
      KAFKA_ADMIN_PASSWORD: ADMIN_PASSWORD,
    });
    brokers = [`127.0.0.1:${port}`];
    // The operator's step, as the README gives it.
    const output = await runTool('infra/kafka/provision-access.ts', {
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_ADMIN_PASSWORD: ADMIN_PASSWORD,
      TOPIC_PREFIX: prefix,
      GROUP_PREFIX: prefix,
      KAFKA_ACCESS_DIR: accessDir,
    });
    expect(output).toContain('grants to 5 services');
    // No password in what it printed.
    for (const service of ['credit-scoring', 'contract', 'invoicing', 'collections', 'reporting'])
      expect(output).not.toContain(loginOf(service).password);
    expect(output).not.toContain(ADMIN_PASSWORD);
  }, 240_000);

  afterAll(async () => {
    if (child) await stopProcess(child, 'SIGKILL');
    await Promise.allSettled(buses.map((b) => b.close()));
    if (kafkaEnv) await runScript('kafka/stop.sh', kafkaEnv);
    rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('refuses a client without a login, and one with a wrong password', async () => {
    for (const client of KAFKA_CLIENTS) {
      expect(await outcome(busAs(client).publish(topic('invoicing'), [message(`${client}-anon`)]))).toMatch(
        /^refused/,
      );
      expect(
        await outcome(
          busAs(client, loginOf('invoicing', 'not-the-password')).publish(topic('invoicing'), [
            message(`${client}-wrong`),
          ]),
        ),
      ).toMatch(/^refused/);
    }
  }, 120_000);

  it.each(KAFKA_CLIENTS)(
    'with %s: invoicing writes its own topic and not another service’s',
    async (client) => {
      const invoicing = busAs(client, loginOf('invoicing'));
      expect(await outcome(invoicing.publish(topic('invoicing'), [message(`${client}-own`)]))).toBe('ok');
      expect(await outcome(invoicing.publish(topic('evidence'), [message(`${client}-evidence`)]))).toBe('ok');
      const other = await outcome(invoicing.publish(topic('collections'), [message(`${client}-other`)]));
      expect(other).toMatch(/^refused/);
      expect(await outcome(invoicing.publish(topic('credit'), [message(`${client}-credit`)]))).toMatch(
        /^refused/,
      );
    },
    120_000,
  );

  it.each(KAFKA_CLIENTS)(
    'with %s: collections reads what it consumes and not a topic it does not',
    async (client) => {
      const collections = busAs(client, loginOf('collections'));
      const seen: string[] = [];
      const subscription = await collections.subscribe({
        groupId: `${prefix}collections.invoices-${client}`,
        topics: [topic('invoicing')],
        handleBatch: async (messages) => {
          for (const m of messages) seen.push(m.key);
        },
      });
      try {
        await eventually(
          async () => (seen.includes(`${client}-own`) ? true : undefined),
          60_000,
          'own message read',
        );
      } finally {
        await subscription.stop();
      }
      // Reporting's topic is read by nobody inside; collections' user may not even see it.
      const refused = await outcome(
        collections.subscribe({
          groupId: `${prefix}collections.kpis-${client}`,
          topics: [topic('reportingKpis')],
          handleBatch: async () => {},
        }),
      );
      expect(refused).toMatch(/^refused.*AUTHORIZATION_FAILED/);
      // Nor a consumer group outside its own prefix, on a topic it may read (asked of the broker
      // directly: kafkajs's subscribe resolves before its consumer joins the group).
      const kafka = new Kafka({
        clientId: 'collections',
        brokers,
        sasl: loginOf('collections') as SASLOptions,
        logLevel: logLevel.NOTHING,
      });
      const admin = kafka.admin();
      await admin.connect();
      try {
        expect(
          await outcome(
            admin.fetchOffsets({
              groupId: `${prefix}collections.invoices-${client}`,
              topics: [topic('invoicing')],
            }),
          ),
        ).toBe('ok');
        expect(
          await outcome(
            admin.fetchOffsets({ groupId: `${prefix}reporting.domain-events`, topics: [topic('invoicing')] }),
          ),
        ).toMatch(/^refused: .*(authori[sz]|coordinator)/i); // GROUP_AUTHORIZATION_FAILED when finding its coordinator
      } finally {
        await admin.disconnect();
      }
    },
    180_000,
  );

  it('refuses a change of settings without the admin login on the controller listener too', async () => {
    // What an unauthenticated local process could do if the controller listener took anyone:
    // shorten the event topic's retention and so delete the system of record.
    const alter = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn(
        'java',
        [
          '-cp',
          `${join(repoRoot, '.cache', 'kafka', 'libs')}/*`,
          'kafka.admin.ConfigCommand',
          '--bootstrap-controller',
          `127.0.0.1:${kafkaEnv.KAFKA_CONTROLLER_PORT}`,
          '--command-config',
          '/dev/null',
          '--alter',
          '--entity-type',
          'topics',
          '--entity-name',
          topic('invoicing'),
          '--add-config',
          'retention.ms=1000',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 },
      );
      let out = '';
      p.stdout.on('data', (d) => {
        out += d;
      });
      p.stderr.on('data', (d) => {
        out += d;
      });
      p.on('exit', (code) => resolve({ code, out }));
    });
    expect(alter.out).not.toContain('Completed updating config');
    expect(alter.code).not.toBe(0);
    const kafka = new Kafka({
      clientId: 'verifier',
      brokers,
      sasl: { mechanism: 'plain', username: 'admin', password: ADMIN_PASSWORD },
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          { type: ConfigResourceTypes.TOPIC, name: topic('invoicing'), configNames: ['retention.ms'] },
        ],
      });
      expect(resources[0]!.configEntries.find((c) => c.configName === 'retention.ms')?.configValue).toBe(
        '-1',
      );
    } finally {
      await admin.disconnect();
    }
  }, 120_000);

  it('runs the built invoicing on its own user: ready, and an invoice it issues reaches its topic', async () => {
    const { databaseUrl } = testInfra();
    const invoicing = await runBuilt('invoicing', {
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'invoicing',
      KAFKA_SASL_PASSWORD_FILE: join(accessDir, 'invoicing.password'),
      DB_SCHEMA: `${run}_invoicing`,
      TOPIC_PREFIX: prefix,
      GROUP_PREFIX: prefix,
    });
    child = invoicing.child;
    const { lines } = invoicing;
    await invoicing.ready('invoicing ready on its SASL user');
    const invoiceId = `INV-${run}`;
    const created = await invoicing.issueInvoice(invoiceId);
    expect(created.status).toBe(201);
    const admin = { mechanism: 'plain' as const, username: 'admin', password: ADMIN_PASSWORD };
    await eventually(
      async () => {
        const read = await readTopics(
          brokers,
          `${prefix}verifier-${Date.now()}`,
          [topic('invoicing')],
          30_000,
          admin,
        );
        return read.get(topic('invoicing'))!.some((m) => m.subject === `invoice-${invoiceId}`)
          ? true
          : undefined;
      },
      60_000,
      'the invoice on the invoicing topic',
    );
    expect(lines.join('')).not.toContain(loginOf('invoicing').password);
  }, 240_000);
});
