import type { IfMatch } from '@ar/kernel';
import { z } from 'zod';

/**
 * If-Match as RFC 9110 §13.1.1 has it, for this API's ETags (a stream's version, `"3"`): `*` (any
 * current version) or a list of versions (any of them), each quoted or bare; quotes balanced; at
 * most 15 digits (every version there is: a larger number was a 412 naming 'version 1e+23').
 * Weak tags (W/"3") never match under If-Match's strong comparison: refused as not ours.
 */
const VERSION = '(?:"\\d{1,15}"|\\d{1,15})';
const IF_MATCH = new RegExp(`^[ \\t]*(?:\\*|${VERSION}(?:[ \\t]*,[ \\t]*${VERSION})*)[ \\t]*$`);

/** The request's `headers` schema of a command that honours If-Match (its 412 is then documented). */
export const IfMatchHeaders = z.object({
  'if-match': z
    .string()
    .regex(IF_MATCH, 'must be a version such as "3", a list of them ("3", "4") or *')
    .optional(),
});

/** What If-Match asks (validated by IfMatchHeaders): `*`, or the versions of which one must be current. */
export function parseIfMatch(value: string): IfMatch {
  if (value.trim() === '*') return '*';
  return value.split(',').map((tag) => Number(tag.trim().replaceAll('"', '')));
}

/** The request's If-Match, parsed; none: undefined. */
export function ifMatchOf(request: { headers: Record<string, unknown> }): IfMatch | undefined {
  const value = request.headers['if-match'];
  return typeof value === 'string' ? parseIfMatch(value) : undefined;
}
