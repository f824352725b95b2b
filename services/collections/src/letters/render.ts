import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import { drawable, plainText } from './safe-text';
import { type Language, type LetterFacts, type LetterKind, letterText } from './templates';

/**
 * The font letters are set in: one with Chinese glyphs. Default Debian's Noto Sans CJK
 * (`apt-get install fonts-noto-cjk`), the Simplified Chinese face of its collection; another
 * with LETTER_FONT (a .ttf/.otf, or a .ttc with LETTER_FONT_FACE naming the face).
 */
export interface LetterFont {
  path: string;
  /** The PostScript name of the face inside a .ttc collection. */
  face?: string | undefined;
}

export const DEFAULT_LETTER_FONT: LetterFont = {
  path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  face: 'NotoSansCJKsc-Regular',
};

export function letterFontFromEnv(env: NodeJS.ProcessEnv = process.env): LetterFont {
  return env.LETTER_FONT ? { path: env.LETTER_FONT, face: env.LETTER_FONT_FACE } : DEFAULT_LETTER_FONT;
}

/**
 * Renders a letter to PDF bytes: the title, the paragraphs, the amounts by component, the seal
 * line. The same facts give the same bytes (the creation date is the letter's date), so an
 * archived letter can be rendered again and compared.
 */
export async function renderLetter(
  kind: LetterKind,
  facts: LetterFacts,
  lang: Language,
  font: LetterFont = DEFAULT_LETTER_FONT,
): Promise<Buffer> {
  if (!existsSync(font.path)) {
    throw new Error(
      `letter font ${font.path} not found: install fonts-noto-cjk or set LETTER_FONT (and LETTER_FONT_FACE for a .ttc)`,
    );
  }
  const text = letterText(kind, facts, lang);
  const doc = new PDFDocument({
    size: 'A4',
    margin: 60,
    info: {
      Title: text.title,
      Subject: text.subject,
      Author: facts.company,
      CreationDate: new Date(`${facts.date}T00:00:00Z`),
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('letter', font.path, font.face as string);
  doc.font('letter');
  // What the font cannot draw (an emoji in a name) is drawn as '?', never as tofu.
  const face = (doc as unknown as { _font?: { font?: { hasGlyphForCodePoint?(c: number): boolean } } })._font
    ?.font;
  const draw = (s: string) =>
    face?.hasGlyphForCodePoint ? drawable(s, (c) => face.hasGlyphForCodePoint!(c)) : s;
  for (const k of ['title', 'subject', 'signature'] as const) text[k] = draw(text[k]);
  text.paragraphs = text.paragraphs.map(draw);
  text.amounts = text.amounts.map(([label, amount]) => [draw(label), draw(amount)]);
  doc
    .fontSize(9)
    .fillColor('#555')
    .text(draw(plainText(facts.company)), { align: 'right' });
  doc.text(facts.date, { align: 'right' });
  doc.moveDown(1.5);
  doc.fontSize(16).fillColor('#000').text(text.title, { align: 'center' });
  doc.moveDown();
  doc.fontSize(10.5);
  for (const p of text.paragraphs) doc.text(p, { align: 'left', lineGap: 3 }).moveDown(0.6);
  doc.moveDown(0.5);
  const left = doc.page.margins.left;
  for (const [label, amount] of text.amounts) {
    const y = doc.y;
    doc.text(label, left, y, { width: 200 });
    doc.text(amount, left + 220, y, { width: 200, align: 'right' });
    doc.moveDown(0.3);
  }
  doc.moveDown(1.5);
  doc.text(text.signature, left, doc.y, { lineGap: 3 });
  doc.end();
  return done;
}
