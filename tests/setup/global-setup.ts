import { localDatabaseUrl, localKafkaBrokers } from '@ar/platform';

/**
 * One Kafka broker and one PostgreSQL server for the whole test run, shared by all workers
 * (tests isolate themselves by unique schema, topic and group names). Taken from
 * KAFKA_BROKERS / DATABASE_URL when given; otherwise started here with infra/ scripts (real
 * servers, no Docker). If they cannot be started the run fails - integration tests never skip.
 */
export default async function globalSetup(globalConfig: { selectProjects?: string[] }) {
  const projects = globalConfig.selectProjects;
  if (projects && !projects.some((p) => p === 'int' || p === 'e2e')) return;
  process.env.DATABASE_URL = localDatabaseUrl();
  process.env.KAFKA_BROKERS = localKafkaBrokers().join(',');
  process.stderr.write(
    `\ntests use DATABASE_URL=${process.env.DATABASE_URL} KAFKA_BROKERS=${process.env.KAFKA_BROKERS}\n`,
  );
}
