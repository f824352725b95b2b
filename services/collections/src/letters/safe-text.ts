/**
 * Text people typed (customer and contact names, titles, reasons) made safe to put in a letter
 * (#18 probe F9): a bidi control (U+202E right-to-left override, the isolates U+2066-2069, the
 * marks) would reorder the text around it and spoof what the letter says; a control character
 * (NUL, BEL, a line break in a name) breaks the layout. Formatting (Cf) characters are taken out
 * (but the joiners, which shape emoji and some scripts), a line break or tab becomes a space, other
 * control characters are taken out, and spaces are collapsed: one line, read in typed order.
 * Letters, digits, CJK and emoji are kept (the PDF replaces what its font cannot draw, `drawable`).
 */
export function plainText(s: string): string {
  return s
    .normalize('NFC')
    .replace(/(?![\u200c\u200d])\p{Cf}/gu, '')
    .replace(/[\t\n\v\f\r\u0085\p{Zl}\p{Zp}]/gu, ' ')
    .replace(/\p{Cc}/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * `s` with each character (grapheme) the font cannot draw replaced by '?': an emoji in a name is
 * not printed as an empty box (tofu) nor left to the renderer, and the rest of the name reads.
 */
export function drawable(s: string, hasGlyph: (codePoint: number) => boolean): string {
  let out = '';
  for (const { segment } of new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(s)) {
    const points = [...segment].map((c) => c.codePointAt(0)!);
    // Variation selectors and joiners only shape what they follow: the base must be drawable.
    const needed = points.filter((p) => !(p >= 0xfe00 && p <= 0xfe0f) && p !== 0x200d);
    out += needed.every((p) => p < 0x20 || hasGlyph(p)) ? segment : '?';
  }
  return out;
}
