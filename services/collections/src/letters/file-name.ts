import type { LetterKind } from './templates';

/** Characters Windows forbids in a file name, which some mail clients also refuse or cut at. */
const FORBIDDEN = /[<>:"/\\|?*]+/g;
/** Device names Windows reserves whatever the extension (CON.pdf cannot be saved). */
const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;
const MAX_LENGTH = 120;

/**
 * A file name safe on every system and mail client (#18 probe A): no ':' (invoice ids, timestamps)
 * nor any other character Windows forbids (each run becomes '-'), no control or format character,
 * no trailing dot or space, no reserved device name, at most 120 characters with the extension
 * kept. Letters, digits and CJK stay as they are.
 */
export function safeFileName(name: string): string {
  let safe = name
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .replace(FORBIDDEN, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-\s]+/, '')
    .replace(/[-.\s]+$/, '');
  if (RESERVED.test(safe.split('.')[0] ?? '')) safe = `_${safe}`;
  if (safe.length > MAX_LENGTH) {
    const extension = /(\.[A-Za-z0-9]{1,5}){1,2}$/.exec(safe)?.[0] ?? '';
    safe = `${safe.slice(0, MAX_LENGTH - extension.length).replace(/[-.\s]+$/, '')}${extension}`;
  }
  return safe || 'document';
}

/** The attachment names of a letter and its detached signature: `<LETTER>-<invoice>.pdf(.sig)`. */
export function letterFileNames(
  letter: LetterKind | string,
  invoiceId: string,
): { pdf: string; signature: string } {
  const pdf = safeFileName(`${letter}-${safeFileName(invoiceId)}.pdf`);
  return { pdf, signature: `${pdf}.sig` };
}
