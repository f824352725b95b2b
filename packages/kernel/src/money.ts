/**
 * Money is an integer number of minor units (cents, fen) with an ISO-4217 currency; never a
 * float. Every percentage in the domain goes through `applyRate`, which rounds half-up to the
 * minor unit (0.5 fen -> 1 fen) - the one rounding rule of the platform.
 */
export interface Money {
  amount: number;
  currency: string;
}

export function isMinorUnits(value: number): boolean {
  return Number.isSafeInteger(value);
}

/**
 * amount x numerator / denominator, rounded half-up (away from zero for negatives), exact for
 * any safe-integer amount because it is computed in BigInt.
 */
export function mulDivHalfUp(amount: number, numerator: number, denominator: number): number {
  if (!isMinorUnits(amount)) throw new RangeError(`amount must be an integer of minor units: ${amount}`);
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || denominator <= 0) {
    throw new RangeError(`rate must be a ratio of integers: ${numerator}/${denominator}`);
  }
  const negative = amount * numerator < 0;
  const product = BigInt(Math.abs(amount)) * BigInt(Math.abs(numerator));
  const d = BigInt(denominator);
  const rounded = (product * 2n + d) / (2n * d);
  return Number(negative ? -rounded : rounded);
}

/** A rate in basis points (1 bp = 0.01%): 0.1% a day = 10 bp, 2% = 200 bp. */
export function applyRateBasisPoints(amount: number, basisPoints: number): number {
  return mulDivHalfUp(amount, basisPoints, 10_000);
}

/**
 * Splits a total into parts proportional to weights, summing exactly to the total
 * (largest-remainder method), e.g. 30/60/10 of 100.01 -> 30.00 / 60.01 / 10.00.
 */
export function splitByWeights(total: number, weights: number[]): number[] {
  if (!isMinorUnits(total) || total < 0)
    throw new RangeError(`total must be non-negative minor units: ${total}`);
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0 || weights.some((w) => w < 0 || !Number.isSafeInteger(w))) {
    throw new RangeError('weights must be non-negative integers with a positive sum');
  }
  const exact = weights.map((w) => BigInt(total) * BigInt(w));
  const parts = exact.map((e) => Number(e / BigInt(sum)));
  let left = total - parts.reduce((a, b) => a + b, 0);
  const byRemainder = exact
    .map((e, i) => ({ i, r: e % BigInt(sum) }))
    .sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of byRemainder) {
    if (left === 0) break;
    parts[i] = (parts[i] ?? 0) + 1;
    left--;
  }
  return parts;
}

export const CURRENCY_CODE = /^[A-Z]{3}$/;

/**
 * How many decimals a currency's minor unit has, by ISO 4217 (CNY 2, JPY 0, KWD 3), as the
 * runtime's Intl knows it; an amount in minor units of JPY is in yen.
 */
export function minorUnitsOf(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
    .maximumFractionDigits as number;
}

/**
 * An amount of minor units as a person reads it, in messages and error texts alike: the ISO
 * code and the amount in major units with its currency's decimals and the locale's grouping
 * ("CNY 1,234.57", "JPY 123,457", "KWD 1.234"). Exact for any safe integer: the decimal is
 * built from the integer's digits, never divided as a float. The one formatting of money.
 */
export function formatMoney(amount: number | bigint, currency: string, locale: 'en' | 'zh' = 'en'): string {
  // A total (a BigInt) is exact at any size; a number only while it is a safe integer.
  if (typeof amount === 'number' && !isMinorUnits(amount))
    throw new RangeError(`amount must be an integer of minor units: ${amount}`);
  const digits = minorUnitsOf(currency);
  const magnitude = String(amount < 0 ? -amount : amount).padStart(digits + 1, '0');
  const decimal = digits === 0 ? magnitude : `${magnitude.slice(0, -digits)}.${magnitude.slice(-digits)}`;
  const format = new Intl.NumberFormat(locale === 'zh' ? 'zh-CN' : 'en', {
    style: 'currency',
    currency,
    currencyDisplay: 'code',
  }) as Intl.NumberFormat & { format(value: string): string };
  // Intl puts a no-break space between code and figure; messages carry a plain one.
  return format.format(`${amount < 0 ? '-' : ''}${decimal}`).replace(/[\u00a0\u202f]/g, ' ');
}
