import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * One Kafka broker and one PostgreSQL server for the whole test run, shared by all workers
 * (tests isolate themselves by unique schema, topic and group names). Taken from
 * KAFKA_BROKERS / DATABASE_URL when given; otherwise started here with infra/ scripts (real
 * servers, no Docker). If they cannot be started the run fails - integration tests never skip.
 */
export default async function globalSetup(globalConfig: { selectProjects?: string[] }) {
  const projects = globalConfig.selectProjects;
  if (projects && !projects.some((p) => p === 'int' || p === 'e2e')) return;
  const infra = join(__dirname, '..', '..', 'infra');
  const run = (script: string) =>
    execFileSync('bash', [join(infra, script)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
  if (!process.env.DATABASE_URL) {
    process.env.DATABASE_URL = run('postgres/start.sh').split('\n').at(-1);
  }
  if (!process.env.KAFKA_BROKERS) {
    process.env.KAFKA_BROKERS = run('kafka/start.sh').split('\n').at(-1);
  }
  process.stderr.write(
    `\ntests use DATABASE_URL=${process.env.DATABASE_URL} KAFKA_BROKERS=${process.env.KAFKA_BROKERS}\n`,
  );
}
