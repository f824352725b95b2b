import { type EvidenceSource, type ServiceContext, streamsNaming } from '@ar/platform';

/**
 * Invoicing's part of a contract's or an invoice's evidence: the invoices (of the contract, by the
 * `contractId` their events name) and every payment allocated to them.
 */
export function invoicingEvidence(ctx: ServiceContext): EvidenceSource {
  return {
    async streams(subject) {
      const invoices =
        subject.kind === 'contract'
          ? await streamsNaming(ctx.pool, 'invoice', 'contractId', [subject.id])
          : [`invoice-${subject.id}`];
      const invoiceIds = invoices.map((s) => s.slice('invoice-'.length));
      // The payments the invoices' own events name too: a payment stream deleted whole is still
      // asked for, and the part reports what its chain holds of it.
      const { rows: allocated } = await ctx.pool.query<{ payment_id: string }>(
        `select distinct data->>'paymentId' as payment_id from events
          where stream_id = any($1) and data->>'paymentId' is not null`,
        [invoices],
      );
      return [
        ...new Set([
          ...invoices,
          ...(await paymentsOf(ctx, invoiceIds)),
          ...allocated.map((r) => `payment-${r.payment_id}`),
        ]),
      ];
    },
  };
}

/** Payments some event of which names one of the invoices: by `invoiceId`, or in its `allocations`. */
async function paymentsOf(ctx: ServiceContext, invoiceIds: string[]): Promise<string[]> {
  if (invoiceIds.length === 0) return [];
  const { rows } = await ctx.pool.query<{ stream_id: string }>(
    `select distinct stream_id from events
      where stream_id like 'payment-%'
        and (data->>'invoiceId' = any($1)
             or (jsonb_typeof(data->'allocations') = 'array'
                 and exists (select 1 from jsonb_array_elements(data->'allocations') a where a->>'invoiceId' = any($1))))
      order by stream_id`,
    [invoiceIds],
  );
  return rows.map((r) => r.stream_id);
}
