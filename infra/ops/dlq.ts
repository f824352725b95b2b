/**
 * `pnpm dlq`: the dead letters of the platform's consumers, and the ways out of them, through
 * each service's admin API (so it works the same embedded and distributed).
 *
 *   pnpm dlq list                          # every service's parked messages, with their errors
 *   pnpm dlq redrive <consumer> <eventId>  # handle it again (after a fix), then what waits behind it
 *   pnpm dlq skip <consumer> <eventId>     # give up on it: its stream goes on past it
 *
 * A service is found at http://127.0.0.1:<its port> (INVOICING_PORT=... moves it), or at
 * <SERVICE>_URL (e.g. COLLECTIONS_URL=http://collections:4104).
 */
import { parseArgs } from 'node:util';
import { devToken } from './token';

/** The admin's token: AR_TOKEN (from the identity provider), else one of the embedded development issuer. */
async function adminAuthorization(): Promise<{ authorization: string }> {
  return {
    authorization: `Bearer ${process.env.AR_TOKEN ?? (await devToken(['admin', '--sub', 'dlq-cli']))}`,
  };
}

const SERVICES: Record<string, number> = {
  'credit-scoring': 4101,
  contract: 4102,
  invoicing: 4103,
  collections: 4104,
  reporting: 4105,
};

function serviceUrl(service: string): string {
  const env = service.toUpperCase().replace(/-/g, '_');
  return process.env[`${env}_URL`] ?? `http://127.0.0.1:${process.env[`${env}_PORT`] ?? SERVICES[service]}`;
}

interface Parked {
  consumer: string;
  eventId: string;
  streamId: string | null;
  position: number | null;
  topic: string;
  type: string | null;
  error: string;
  parkedAt: string;
  heldBehind: number;
}

async function list(): Promise<number> {
  let total = 0;
  let unreachable = 0;
  for (const service of Object.keys(SERVICES)) {
    const url = `${serviceUrl(service)}/admin/dlq`;
    try {
      const res = await fetch(url, { headers: await adminAuthorization() });
      if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
      const { parked } = (await res.json()) as { parked: Parked[] };
      total += parked.length;
      for (const p of parked) {
        console.log(
          `${p.consumer}  ${p.eventId}  ${p.type ?? '?'}  ${p.streamId ?? '?'}@${p.position ?? '?'}  parked ${p.parkedAt}` +
            `${p.heldBehind ? `  (${p.heldBehind} held behind it)` : ''}\n    ${p.error}`,
        );
      }
    } catch (error) {
      unreachable++;
      console.error(`${service}: not reachable at ${url} (${(error as Error).message})`);
    }
  }
  console.log(`${total} parked message(s)${unreachable ? `; ${unreachable} service(s) not reachable` : ''}`);
  return unreachable > 0 ? 2 : 0;
}

async function act(action: 'redrive' | 'skip', consumer: string, eventId: string): Promise<number> {
  const service = consumer.split('.')[0]!;
  if (!(service in SERVICES)) {
    console.error(
      `unknown consumer ${consumer}: it starts with its service (${Object.keys(SERVICES).join(', ')})`,
    );
    return 2;
  }
  const url = `${serviceUrl(service)}/admin/dlq/${encodeURIComponent(consumer)}/${encodeURIComponent(eventId)}/${action}`;
  const res = await fetch(url, { method: 'POST', headers: await adminAuthorization() });
  const body = await res.text();
  console.log(`${res.status} ${body}`);
  return res.ok ? 0 : 1;
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { help: { type: 'boolean' } },
  });
  const [command, consumer, eventId] = positionals;
  if (values.help || !command) {
    console.log(
      'usage: pnpm dlq list | pnpm dlq redrive <consumer> <eventId> | pnpm dlq skip <consumer> <eventId>',
    );
    return command ? 0 : 2;
  }
  if (command === 'list') return list();
  if ((command === 'redrive' || command === 'skip') && consumer && eventId)
    return act(command, consumer, eventId);
  console.error(`unknown command: ${positionals.join(' ')} (try --help)`);
  return 2;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
