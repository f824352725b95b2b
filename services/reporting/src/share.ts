/** `part / whole` to four decimals (a share such as 0.8531); null when there is no whole. */
export function shareOf(part: number, whole: number): number | null {
  return whole === 0 ? null : Number((part / whole).toFixed(4));
}
