import { DependencyUnavailable, NotFound, systemClock } from '@ar/kernel';
import {
  buildBundle,
  EVIDENCE_READERS,
  type EvidencePart,
  type EvidenceParts,
  type EvidenceSource,
  type EvidenceSubject,
  fileResponse,
  loadConfig,
  partOf,
  type ServiceContext,
  type ServiceHttpApp,
} from '@ar/platform';
import { z } from 'zod';

const EvidenceEnv = z.object({
  INVOICING_URL: z.string().url().optional().describe("where invoicing's evidence parts are asked"),
  INVOICING_PORT: z.coerce.number().int().min(0).max(65535).default(4103),
  COLLECTIONS_URL: z.string().url().optional().describe("where collections' evidence parts are asked"),
  COLLECTIONS_PORT: z.coerce.number().int().min(0).max(65535).default(4104),
});

/** Where the other parts of a bundle are: INVOICING_URL / COLLECTIONS_URL, else this machine's ports. */
export function evidenceSources(env: NodeJS.ProcessEnv = process.env): {
  invoicing: string;
  collections: string;
} {
  const c = loadConfig(EvidenceEnv, env);
  return {
    invoicing: c.INVOICING_URL ?? `http://127.0.0.1:${c.INVOICING_PORT}`,
    collections: c.COLLECTIONS_URL ?? `http://127.0.0.1:${c.COLLECTIONS_PORT}`,
  };
}

/** Another service's part, asked with contract's own token (service:contract). */
async function remotePart(
  service: string,
  baseUrl: string,
  subject: EvidenceSubject,
  token: string | undefined,
): Promise<EvidencePart> {
  const path = `/evidence/parts/${subject.kind}s/${encodeURIComponent(subject.id)}`;
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw Object.assign(
      new DependencyUnavailable(
        'EVIDENCE_PART_UNAVAILABLE',
        `${service} did not answer for its part of the evidence; try again shortly`,
      ),
      { detail: `GET ${baseUrl}${path}: ${(error as Error).message}` },
    );
  }
  if (!response.ok)
    throw Object.assign(
      new DependencyUnavailable(
        'EVIDENCE_PART_FAILED',
        `${service} refused or failed its part of the evidence (${response.status}); try again shortly`,
      ),
      { detail: `GET ${baseUrl}${path} answered ${response.status}` },
    );
  return (await response.json()) as EvidencePart;
}

/** Merges parts of one service (collections' part for each invoice of a contract). */
function merged(parts: EvidencePart[]): EvidencePart[] {
  const byService = new Map<string, EvidencePart>();
  for (const part of parts) {
    const into = byService.get(part.service);
    if (!into) {
      byService.set(part.service, { ...part });
      continue;
    }
    const seen = new Set(into.records.map((r) => r.chain.globalPosition));
    into.records = [...into.records, ...part.records.filter((r) => !seen.has(r.chain.globalPosition))];
    // One checkpoint in several parts (collections' for two invoices) carries each part's proofs: kept together.
    const bySeq = new Map(into.checkpoints.map((c) => [c.body.seq, c]));
    for (const c of part.checkpoints) {
      const known = bySeq.get(c.body.seq);
      if (!known) bySeq.set(c.body.seq, c);
      else if (c.proofs) {
        const proven = new Set((known.proofs ?? []).map((p) => p.entry.streamId));
        bySeq.set(c.body.seq, {
          ...known,
          proofs: [...(known.proofs ?? []), ...c.proofs.filter((p) => !proven.has(p.entry.streamId))],
        });
      }
    }
    into.checkpoints = [...bySeq.values()];
    const keys = new Set((into.retiredKeys ?? []).map((k) => k.keyId));
    into.retiredKeys = [
      ...(into.retiredKeys ?? []),
      ...(part.retiredKeys ?? []).filter((k) => !keys.has(k.keyId)),
    ];
    const gone = new Set((into.missing ?? []).map((m) => `${m.streamId}/${m.from}`));
    into.missing = [
      ...(into.missing ?? []),
      ...(part.missing ?? []).filter((m) => !gone.has(`${m.streamId}/${m.from}`)),
    ];
    const docs = new Set(into.documents.map((d) => `${d.streamId}/${d.version}`));
    into.documents = [
      ...into.documents,
      ...part.documents.filter((d) => !docs.has(`${d.streamId}/${d.version}`)),
    ];
  }
  return [...byService.values()];
}

const invoiceIdsOf = (part: EvidencePart) => [
  ...new Set(
    part.records.filter((r) => r.event.streamId.startsWith('invoice-')).map((r) => r.event.streamId.slice(8)),
  ),
];

/**
 * One bundle from every service that holds part of the record (issue 18 item 4): contract's own
 * (the contract, milestones reached, acceptances), invoicing's (the invoices and the payments on
 * them) and collections' (each case, every message sent and its signed document), each part
 * with its chain links, checkpoints and key.
 */
export async function assembleEvidence(
  ctx: ServiceContext,
  own: EvidenceParts,
  subject: EvidenceSubject,
): Promise<Uint8Array> {
  const urls = evidenceSources();
  const token = await ctx.serviceToken();
  const parts: EvidencePart[] = [];
  if (subject.kind === 'contract') {
    const contract = await partOf(own, subject);
    if (contract.records.length === 0)
      throw new NotFound(
        'CONTRACT_NOT_FOUND',
        `no contract ${subject.id} (or not chained yet)`,
        'contractId',
      );
    const invoicing = await remotePart('invoicing', urls.invoicing, subject, token);
    const collections = await Promise.all(
      invoiceIdsOf(invoicing).map((id) =>
        remotePart('collections', urls.collections, { kind: 'invoice', id }, token),
      ),
    );
    parts.push(contract, invoicing, ...collections);
  } else {
    const invoicing = await remotePart('invoicing', urls.invoicing, subject, token);
    if (invoicing.records.length === 0)
      throw new NotFound('INVOICE_NOT_FOUND', `no invoice ${subject.id} (or not chained yet)`, 'invoiceId');
    const contractId = invoicing.records
      .map((r) => (r.event.data as { contractId?: string }).contractId)
      .find((id) => typeof id === 'string');
    if (contractId) parts.push(await partOf(own, { kind: 'contract', id: contractId }));
    parts.push(invoicing, await remotePart('collections', urls.collections, subject, token));
  }
  // The manifest is signed with the company's key (the same key signs every service's checkpoints).
  // Its export time is the wall clock's, as the records' recorded times and the checkpoints' are:
  // the verifier's bound on unanchored records is measured from it, never from the business day.
  return buildBundle(subject, merged(parts), systemClock.now(), {
    signer: own.signer,
    // The interval this service's chain signs checkpoints at, as configured (the services share the setting).
    checkpointIntervalMs: ctx.evidence!.checkpointIntervalMs,
  });
}

/** Contract's own part: the contract's stream (its milestones reached and acceptances are events of it). */
export const contractEvidence = (): EvidenceSource => ({
  async streams(subject) {
    return subject.kind === 'contract' ? [`contract-${subject.id}`] : [];
  },
});

/** `GET /evidence/contracts/:id`, `GET /evidence/invoices/:id`: the bundle, a zip. */
export function evidenceRoutes(app: ServiceHttpApp, ctx: ServiceContext, own: EvidenceParts): void {
  for (const kind of ['contract', 'invoice'] as const) {
    app.get(
      `/evidence/${kind}s/:id`,
      {
        config: { roles: EVIDENCE_READERS },
        schema: {
          summary: `The evidence bundle of ${kind === 'contract' ? 'a contract' : 'an invoice'} (zip): ${
            kind === 'contract'
              ? 'the contract, milestones reached, acceptances, its invoices and payments'
              : 'the invoice, its payments, its contract'
          }, every message sent with its signed document; each record with its hash, chain link and the signed checkpoint covering it, and the public key. Check it offline with pnpm verify-evidence`,
          tags: ['evidence'],
          params: z.object({ id: z.string().min(1).max(200) }),
          response: {
            200: fileResponse(
              'application/zip',
              'the evidence bundle: a ZIP of the records, checkpoints, documents, keys and the signed manifest',
            ),
          },
        },
      },
      async (request, reply) => {
        const zip = await assembleEvidence(ctx, own, { kind, id: request.params.id });
        return reply
          .header('content-type', 'application/zip')
          .header(
            'content-disposition',
            `attachment; filename="evidence-${kind}-${request.params.id.replace(/[^\w.-]/g, '_')}.zip"`,
          )
          .send(Buffer.from(zip));
      },
    );
  }
}
