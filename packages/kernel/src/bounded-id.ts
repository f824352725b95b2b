import { createHash } from 'node:crypto';

/** The longest id the published contracts take (EntityId). */
export const MAX_ID_LENGTH = 64;

/**
 * A stable short id for what a readable id cannot say within MAX_ID_LENGTH: `prefix`, the first
 * `digits` hex digits of the SHA-256 of `parts` (as a JSON array, so no separator inside a part
 * can make two lists alike), then `suffix`.
 */
export function digestId(prefix: string, parts: readonly string[], digits = 48, suffix = ''): string {
  const digest = createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  return `${prefix}${digest.slice(0, digits)}${suffix}`;
}

/**
 * `readable` when it fits in an id; otherwise `prefix`, 40 hex digits of its SHA-256 and `suffix`
 * (which must leave the whole within MAX_ID_LENGTH). Ids that fit never change, so ids already
 * stored stay what they were; only ids the contracts refused take the short form.
 */
export function idWithinLimit(readable: string, prefix: string, suffix = ''): string {
  if (readable.length <= MAX_ID_LENGTH) return readable;
  const id = digestId(prefix, [readable], 40, suffix);
  if (id.length > MAX_ID_LENGTH) throw new Error(`${prefix}…${suffix} leaves no room for the digest`);
  return id;
}
