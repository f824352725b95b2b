import { minorUnitsOf, mulDivHalfUp } from '@ar/kernel';

/**
 * Amounts in other currencies against a limit kept in one (DOMAIN.md §1): converted at the
 * configured rate (`fxRates`, exact decimals), by each currency's ISO 4217 minor units, rounded
 * half-up to the limit currency's minor unit. No rate, no conversion: the caller says so.
 */
export function convertMinorUnits(
  amount: number,
  from: string,
  to: string,
  rates: Record<string, string>,
): number | undefined {
  if (from === to) return amount;
  const rate = rates[from];
  if (rate === undefined) return undefined;
  const [whole, fraction = ''] = rate.split('.');
  const numerator = Number(`${whole}${fraction}`) * 10 ** minorUnitsOf(to);
  const denominator = 10 ** fraction.length * 10 ** minorUnitsOf(from);
  return mulDivHalfUp(amount, numerator, denominator);
}

/**
 * The same conversion of a total of any size, in BigInt (#14 item 13): a customer's exposure
 * may pass 2^53 however small each amount is.
 */
export function convertTotal(
  amount: bigint,
  from: string,
  to: string,
  rates: Record<string, string>,
): bigint | undefined {
  if (from === to) return amount;
  const rate = rates[from];
  if (rate === undefined) return undefined;
  const [whole, fraction = ''] = rate.split('.');
  const numerator = BigInt(`${whole}${fraction}`) * 10n ** BigInt(minorUnitsOf(to));
  const denominator = 10n ** BigInt(fraction.length + minorUnitsOf(from));
  const magnitude = (2n * (amount < 0n ? -amount : amount) * numerator + denominator) / (2n * denominator);
  return amount < 0n ? -magnitude : magnitude;
}
