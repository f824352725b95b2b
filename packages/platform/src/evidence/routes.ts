import { NotFound } from '@ar/kernel';
import type { Pool } from 'pg';
import { z } from 'zod';
import { EVIDENCE_READERS } from '../auth/roles';
import type { ServiceHttpApp } from '../http-app';
import type { EvidencePart, EvidenceSubject } from './bundle';
import type { ChainedEvent } from './chain';
import { evidencePart } from './follower';
import { EvidencePartView } from './part-view';
import type { CompanySigner } from './signer';

/** What a service holds of a contract's or an invoice's record. */
export interface EvidenceSource {
  /** The streams of this service that belong to the subject's record (none: an empty part). */
  streams(subject: EvidenceSubject): Promise<string[]>;
  /** The document an event names by hash (`data.document.sha256`), as archived. */
  documentOf?(event: ChainedEvent): Promise<{ content: Buffer; signature: string } | undefined>;
}

/**
 * Distinct streams of a category some event of which names one of `ids` in a top-level data field
 * (`invoice-*` by `contractId`, `payment-*` and `message-*` by `invoiceId`).
 */
export async function streamsNaming(
  pool: Pool,
  category: string,
  field: string,
  ids: string[],
): Promise<string[]> {
  if (ids.length === 0) return [];
  const { rows } = await pool.query<{ stream_id: string }>(
    `select distinct stream_id from events where stream_id like $1 and data->>$2 = any($3) order by stream_id`,
    [`${category}-%`, field, ids],
  );
  return rows.map((r) => r.stream_id);
}

export interface EvidenceParts {
  service: string;
  pool: Pool;
  signer: CompanySigner;
  source: EvidenceSource;
}

export function partOf(parts: EvidenceParts, subject: EvidenceSubject): Promise<EvidencePart> {
  return parts.source.streams(subject).then((streams) =>
    evidencePart(
      {
        service: parts.service,
        pool: parts.pool,
        signer: parts.signer,
        ...(parts.source.documentOf && { documentOf: parts.source.documentOf }),
      },
      streams,
    ),
  );
}

/** Who may export evidence: legal, finance, management - and the contract service assembling a bundle. */
const PART_READERS = [...EVIDENCE_READERS, 'service:contract'] as const;

/**
 * `GET /evidence/parts/{contracts,invoices}/:id`: this service's part of a bundle, as JSON (the
 * contract service assembles the zip from every part, `GET /evidence/contracts/:id`).
 */
export function evidencePartRoutes(app: ServiceHttpApp, parts: EvidenceParts): void {
  for (const kind of ['contract', 'invoice'] as const) {
    app.get(
      `/evidence/parts/${kind}s/:id`,
      {
        config: { roles: PART_READERS },
        schema: {
          summary: `This service's part of the evidence bundle of ${kind === 'contract' ? 'a contract' : 'an invoice'}: its events with their hash-chain links, the signed checkpoints covering them, the documents sent`,
          tags: ['evidence'],
          params: z.object({ id: z.string().min(1).max(200) }),
          response: { 200: EvidencePartView },
        },
      },
      async (request) => {
        const part = await partOf(parts, { kind, id: request.params.id });
        return part;
      },
    );
  }
}

export function notFoundEvidence(kind: 'contract' | 'invoice', id: string): NotFound {
  return new NotFound(
    'NOT_FOUND',
    `no ${kind} ${id}: nothing to export`,
    kind === 'contract' ? 'contractId' : 'invoiceId',
  );
}
