import type { ChildProcess } from 'node:child_process';
import { ensureBuilt, spawnBuilt } from '../../infra/deploy/built';
import { servedAuthHeaders, servedTestIssuer } from './auth';
import { eventually } from './infra';
import { freePort } from './service-instances';

// One copy, beside the build: the simulator's distributed mode runs the built services too.
export { ensureBuilt, spawnBuilt };

/**
 * A built service run as an operator runs it, for a test: on a free port, the business date
 * 2026-03-02, the test token issuer, and `env` (its database, broker and names); what it logs is
 * kept in `lines`. `child` is there at once, so the test can stop it even if it never gets ready.
 */
export async function runBuilt(service: string, env: Record<string, string>) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  await ensureBuilt();
  const lines: string[] = [];
  const child: ChildProcess = spawnBuilt(
    service,
    {
      PORT: String(port),
      BUSINESS_DATE: '2026-03-02',
      LOG_LEVEL: 'info',
      ...(await servedTestIssuer()).env,
      ...env,
    },
    ['ignore', 'pipe', 'pipe'],
  );
  child.stdout!.on('data', (d) => lines.push(String(d)));
  child.stderr!.on('data', (d) => lines.push(String(d)));
  return {
    child,
    url,
    lines,
    /** Until its `/ready` answers 200 (two minutes at most). */
    ready: (what: string) =>
      eventually(
        async () => ((await fetch(`${url}/ready`).catch(() => undefined))?.ok ? true : undefined),
        120_000,
        what,
      ),
    /** `POST /invoices` as finance: 1,000.00 CNY to C-1, issued 2026-03-02, due 2026-04-01. */
    issueInvoice: async (invoiceId: string) =>
      fetch(`${url}/invoices`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await servedAuthHeaders(['finance'])) },
        body: JSON.stringify({
          invoiceId,
          customerId: 'C-1',
          amount: 100_000,
          currency: 'CNY',
          issueDate: '2026-03-02',
          dueDate: '2026-04-01',
        }),
      }),
  };
}
