import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './child-process';

/** Runs an infra/ start script (it starts the server, or finds it running) and takes its answer. */
function startLocal(script: string): string {
  const out = execFileSync('bash', [join(repoRoot, 'infra', script)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const answer = out.split('\n').at(-1);
  if (!answer) throw new Error(`infra/${script} printed no address`);
  return answer;
}

/** DATABASE_URL, or the local PostgreSQL that infra/postgres/start.sh brings up (no Docker). */
export function localDatabaseUrl(): string {
  return process.env.DATABASE_URL || startLocal('postgres/start.sh');
}

/** KAFKA_BROKERS, or the local KRaft broker that infra/kafka/start.sh brings up (no Docker). */
export function localKafkaBrokers(): string[] {
  return (process.env.KAFKA_BROKERS || startLocal('kafka/start.sh')).split(',');
}
