/**
 * Aging buckets by days past due as of the report date. Default: not yet due, 1-30, 31-60,
 * 61-90, 91-180, 180+ (DOMAIN.md §5). A company may configure its own upper bounds.
 */
export interface AgingBucket {
  /** e.g. `1-30`, `180+`, `current` */
  label: string;
  /** Inclusive bounds in days past due; `to` null = open-ended. */
  from: number;
  to: number | null;
}

export const DEFAULT_BUCKET_BOUNDS = [30, 60, 90, 180];

export function agingBuckets(upperBounds: number[] = DEFAULT_BUCKET_BOUNDS): AgingBucket[] {
  const bounds = [...upperBounds];
  if (bounds.some((b, i) => !Number.isInteger(b) || b < 1 || (i > 0 && b <= bounds[i - 1]!))) {
    throw new RangeError(`bucket bounds must be increasing positive integers: ${upperBounds.join(',')}`);
  }
  const buckets: AgingBucket[] = [{ label: 'current', from: Number.MIN_SAFE_INTEGER, to: 0 }];
  let from = 1;
  for (const to of bounds) {
    buckets.push({ label: `${from}-${to}`, from, to });
    from = to + 1;
  }
  buckets.push({ label: `${from - 1}+`, from, to: null });
  return buckets;
}

export function bucketOf(daysPastDue: number, buckets: AgingBucket[]): AgingBucket {
  const found = buckets.find((b) => daysPastDue >= b.from && (b.to === null || daysPastDue <= b.to));
  if (!found) throw new RangeError(`no bucket for ${daysPastDue} days`);
  return found;
}

/** The company's buckets: `AGING_BUCKET_BOUNDS=30,60,90,180` (upper bounds in days past due). */
export function configuredAgingBuckets(env: NodeJS.ProcessEnv = process.env): AgingBucket[] {
  const setting = env.AGING_BUCKET_BOUNDS?.trim();
  return agingBuckets(setting ? setting.split(',').map((b) => Number(b.trim())) : DEFAULT_BUCKET_BOUNDS);
}
