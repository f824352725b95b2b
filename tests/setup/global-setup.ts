import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { localDatabaseUrl, localKafkaBrokers, repoRoot } from '@ar/platform';

/**
 * One Kafka broker and one PostgreSQL server for the whole test run, shared by all workers
 * (tests isolate themselves by unique schema, topic and group names). Taken from
 * KAFKA_BROKERS / DATABASE_URL when given; otherwise started here with infra/ scripts (real
 * servers, no Docker). If they cannot be started the run fails - integration tests never skip.
 * Keycloak, which only tests/e2e/keycloak.int.test.ts uses, is started in the background.
 */
export default async function globalSetup(globalConfig: JestRun) {
  // Load shedding is tested with explicit limits (hardening.unit.test.ts). The services tests start,
  // in jest's workers and as processes, share 2 cores with the whole suite: a second of event-loop
  // delay there is the suite's own load, not an overload to answer 503 to (seen under load 15).
  process.env.PRESSURE_MAX_EVENT_LOOP_DELAY_MS ??= '0';
  const projects = globalConfig.selectProjects ?? selectedProjects(process.argv);
  if (projects && !projects.some((p) => p === 'int' || p === 'e2e')) return;
  if ((!projects || projects.includes('int')) && runsKeycloakTest(globalConfig)) startKeycloakInBackground();
  process.env.DATABASE_URL = localDatabaseUrl();
  process.env.KAFKA_BROKERS = localKafkaBrokers().join(',');
  process.stderr.write(
    `\ntests use DATABASE_URL=${process.env.DATABASE_URL} KAFKA_BROKERS=${process.env.KAFKA_BROKERS}\n`,
  );
}

type JestRun = {
  selectProjects?: string[];
  testNamePattern?: string;
  testPathPatterns?: { patterns?: string[] };
};

/**
 * `--selectProjects a b` (or `=a`) of jest's command line: jest keeps them out of the global config it
 * hands the global setup, which runs in jest's own process.
 */
function selectedProjects(argv: string[]): string[] | undefined {
  const at = argv.findIndex((a) => a === '--selectProjects' || a.startsWith('--selectProjects='));
  if (at < 0) return undefined;
  const inline = argv[at]!.split('=')[1];
  if (inline !== undefined) return [inline];
  const names: string[] = [];
  for (const a of argv.slice(at + 1)) {
    if (a.startsWith('-')) break;
    names.push(a);
  }
  return names;
}

const KEYCLOAK_TEST = join(repoRoot, 'tests', 'e2e', 'keycloak.int.test.ts');

/** The whole run, or one whose paths select the Keycloak test (no point starting it for others). */
function runsKeycloakTest(run: JestRun): boolean {
  if (process.env.KEYCLOAK_URL || run.testNamePattern) return false;
  const patterns = run.testPathPatterns?.patterns ?? [];
  return patterns.length === 0 || patterns.some((p) => new RegExp(p, 'i').test(KEYCLOAK_TEST));
}

/**
 * Keycloak starts in 30-120 s: begun here, in the background, it starts while the other tests run;
 * the Keycloak test's own infra/keycloak/start.sh waits for this one and reuses it (or fails).
 */
function startKeycloakInBackground(): void {
  const log = join(repoRoot, '.data', 'keycloak-start.log');
  mkdirSync(join(repoRoot, '.data'), { recursive: true });
  const out = openSync(log, 'w');
  spawn('bash', [join(repoRoot, 'infra', 'keycloak', 'start.sh')], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', out, out],
  }).unref();
  process.stderr.write(`Keycloak starting in the background for the Keycloak test (log ${log})\n`);
}
