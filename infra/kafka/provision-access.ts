/**
 * `pnpm kafka:access`: least privilege on a broker started with SASL/SCRAM and an authorizer
 * (`KAFKA_SASL=scram infra/kafka/start.sh`; README, Kafka access). As the broker's admin user it
 *   1. gives each service a SCRAM-SHA-512 user named after it, with the password in
 *      `<KAFKA_ACCESS_DIR>/<service>.password` (made, mode 600, when missing; kept when there:
 *      running it again changes nothing a service uses),
 *   2. creates every topic of the contracts (a service may not create them: it may not see them all),
 *   3. grants each service the ACLs of `kafkaAccessPlan` - its own topic and the evidence topic to
 *      write, the topics its consumers read, its dead-letter topics and its consumer groups.
 * Then a service runs with KAFKA_SASL_MECHANISM=scram-sha-512, KAFKA_SASL_USERNAME=<service> and
 * KAFKA_SASL_PASSWORD_FILE=<KAFKA_ACCESS_DIR>/<service>.password.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 KAFKA_ADMIN_PASSWORD_FILE=admin.password pnpm kafka:access
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { allServices } from '@ar/all-in-one';
import { createMissingTopics, KafkaEnv, topicPlan } from '@ar/messaging';
import {
  DistributedServiceEnv,
  type KafkaAcl,
  kafkaAccessPlan,
  loadConfig,
  passwordInFile,
  repoRoot,
} from '@ar/platform';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
} from 'kafkajs';
import { z } from 'zod';

const Env = z
  .object({
    KAFKA_BROKERS: DistributedServiceEnv.shape.KAFKA_BROKERS,
    TOPIC_PREFIX: DistributedServiceEnv.shape.TOPIC_PREFIX,
    GROUP_PREFIX: z.string().default(''),
    KAFKA_ADMIN_USERNAME: z.string().min(1).default('admin'),
    KAFKA_ADMIN_PASSWORD: z.string().min(1).optional(),
    KAFKA_ADMIN_PASSWORD_FILE: z.string().min(1).optional(),
    KAFKA_ACCESS_DIR: z
      .string()
      .min(1)
      .default(join(repoRoot, '.data', 'kafka-access')),
    KAFKA_CACHE_DIR: z
      .string()
      .min(1)
      .default(join(repoRoot, '.cache', 'kafka')),
  })
  .refine((env) => env.KAFKA_ADMIN_PASSWORD || env.KAFKA_ADMIN_PASSWORD_FILE, {
    path: ['KAFKA_ADMIN_PASSWORD_FILE'],
    message: "the broker admin's password is required (or KAFKA_ADMIN_PASSWORD)",
  })
  .and(KafkaEnv);

const run = promisify(execFile);

/**
 * Upserts a SCRAM-SHA-512 credential with Kafka's own ConfigCommand (the Node clients have no
 * AlterUserScramCredentials). Passwords go through files of mode 600 in a private folder, never
 * on a command line, and the folder is removed after.
 */
async function upsertScramUsers(
  env: z.infer<typeof Env>,
  adminPassword: string,
  users: { name: string; password: string }[],
): Promise<void> {
  const libs = join(env.KAFKA_CACHE_DIR, 'libs');
  if (!existsSync(join(libs, '.complete')))
    throw new Error(`Kafka's jars are not in ${libs}: run infra/kafka/start.sh once (it fetches them)`);
  const secrets = mkdtempSync(join(tmpdir(), 'ar-kafka-access-'));
  try {
    const adminConfig = join(secrets, 'admin.properties');
    writeFileSync(
      adminConfig,
      [
        'security.protocol=SASL_PLAINTEXT',
        'sasl.mechanism=PLAIN',
        `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${env.KAFKA_ADMIN_USERNAME}" password="${adminPassword}";`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    for (const user of users) {
      const credential = join(secrets, `${user.name}.properties`);
      // In a file the value has no brackets (the command line's [..] grouping is read as part of it).
      writeFileSync(credential, `SCRAM-SHA-512=iterations=8192,password=${user.password}\n`, { mode: 0o600 });
      await run(
        'java',
        [
          '-cp',
          `${libs}/*`,
          'kafka.admin.ConfigCommand',
          '--bootstrap-server',
          env.KAFKA_BROKERS.join(','),
          '--command-config',
          adminConfig,
          '--alter',
          '--entity-type',
          'users',
          '--entity-name',
          user.name,
          '--add-config-file',
          credential,
        ],
        { timeout: 120_000 },
      ).catch((error: Error & { stderr?: string }) => {
        // Its error echoes the property it could not take, password and all: never printed.
        const said = (error.stderr ?? '').split('\n').filter((l) => l && !l.startsWith('log4j'));
        const redacted = said.join(' | ').replaceAll(user.password, '***').replaceAll(adminPassword, '***');
        throw new Error(`adding the SCRAM user ${user.name} failed: ${redacted.slice(0, 500)}`);
      });
    }
  } finally {
    rmSync(secrets, { recursive: true, force: true });
  }
}

const OPERATION = {
  READ: AclOperationTypes.READ,
  WRITE: AclOperationTypes.WRITE,
  CREATE: AclOperationTypes.CREATE,
  DESCRIBE: AclOperationTypes.DESCRIBE,
} as const;

function kafkajsAcls(plan: KafkaAcl[]) {
  return plan.flatMap((a) =>
    a.operations.map((operation) => ({
      resourceType: a.resource === 'topic' ? AclResourceTypes.TOPIC : AclResourceTypes.GROUP,
      resourceName: a.name,
      resourcePatternType:
        a.pattern === 'LITERAL' ? ResourcePatternTypes.LITERAL : ResourcePatternTypes.PREFIXED,
      principal: a.principal,
      host: '*',
      operation: OPERATION[operation],
      permissionType: AclPermissionTypes.ALLOW,
    })),
  );
}

async function main(): Promise<void> {
  const env = loadConfig(Env);
  const adminPassword =
    env.KAFKA_ADMIN_PASSWORD ?? readFileSync(env.KAFKA_ADMIN_PASSWORD_FILE!, 'utf8').replace(/\r?\n$/, '');
  mkdirSync(env.KAFKA_ACCESS_DIR, { recursive: true, mode: 0o700 });
  const users = allServices.map((d) => ({ name: d.name, ...passwordInFile(env.KAFKA_ACCESS_DIR, d.name) }));
  await upsertScramUsers(env, adminPassword, users);
  console.log(
    `users (SCRAM-SHA-512): ${users.map((u) => `${u.name} (${u.made ? 'new password' : 'password kept'} in ${u.file})`).join(', ')}`,
  );

  const kafka = new Kafka({
    clientId: 'ar-kafka-access',
    brokers: env.KAFKA_BROKERS,
    // The admin logs in with PLAIN (infra/kafka/start.sh keeps its password in the broker's config).
    sasl: { mechanism: 'plain', username: env.KAFKA_ADMIN_USERNAME, password: adminPassword },
    logLevel: logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 300 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const outcomes = await createMissingTopics(admin, topicPlan(env, env.TOPIC_PREFIX));
    console.log(`topics: ${[...outcomes].map(([topic, outcome]) => `${topic} ${outcome}`).join(', ')}`);
    const plan = kafkaAccessPlan(allServices, {
      topicPrefix: env.TOPIC_PREFIX,
      groupPrefix: env.GROUP_PREFIX,
    });
    // Creating an ACL that exists is no error: running this again adds only what is new.
    await admin.createAcls({ acl: kafkajsAcls(plan) });
    for (const a of plan)
      console.log(
        `  ${a.principal.padEnd(20)} ${a.operations.join(',').padEnd(22)} ${a.resource} ${a.pattern === 'PREFIXED' ? `${a.name}*` : a.name}  (${a.why})`,
      );
    console.log(`${plan.length} grants to ${users.length} services.`);
  } finally {
    await admin.disconnect();
  }
}

main().catch((error: Error) => {
  console.error(`kafka:access failed: ${error.message}`);
  process.exit(1);
});
