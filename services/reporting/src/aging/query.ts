import type { IsoDate } from '@ar/kernel';
import type { Pool } from 'pg';
import type { AgingBucket } from './buckets';

export interface AgingReport {
  asOf: IsoDate;
  currency: string;
  total: { amount: number; count: number };
  buckets: {
    bucket: string;
    fromDays: number | null;
    toDays: number | null;
    amount: number;
    count: number;
  }[];
}

/** Outstanding amount and count per bucket as of a date, one report per currency. */
export async function agingAsOf(pool: Pool, asOf: IsoDate, buckets: AgingBucket[]): Promise<AgingReport[]> {
  // Bucket upper bounds as an array: the bucket index is how many bounds the age exceeds.
  const bounds = buckets.filter((b) => b.to !== null).map((b) => b.to as number);
  const { rows } = await pool.query<{
    currency: string;
    bucket_index: number;
    amount: string;
    count: string;
  }>(
    `with outstanding as (
       select i.currency, i.due_date,
              i.amount - coalesce((select sum(s.amount) from aging_settlements s
                                    where s.invoice_id = i.invoice_id and s.settled_date <= $1::date), 0) as open
         from aging_invoices i
        where i.issue_date <= $1::date
     )
     select currency,
            (select count(*) from unnest($2::int[]) as bound where ($1::date - due_date) > bound)::int as bucket_index,
            sum(open)::text as amount, count(*)::text as count
       from outstanding
      where open > 0
      group by 1, 2`,
    [asOf, bounds],
  );
  const currencies = [...new Set(rows.map((r) => r.currency))].sort();
  return currencies.map((currency) => {
    const perBucket = buckets.map((b, i) => {
      const row = rows.find((r) => r.currency === currency && r.bucket_index === i);
      return {
        bucket: b.label,
        fromDays: b.from === Number.MIN_SAFE_INTEGER ? null : b.from,
        toDays: b.to,
        amount: Number(row?.amount ?? 0),
        count: Number(row?.count ?? 0),
      };
    });
    return {
      asOf,
      currency,
      total: {
        amount: perBucket.reduce((s, b) => s + b.amount, 0),
        count: perBucket.reduce((s, b) => s + b.count, 0),
      },
      buckets: perBucket,
    };
  });
}
