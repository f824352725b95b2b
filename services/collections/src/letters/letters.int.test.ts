import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LATE_FEE_TERMS } from '@ar/contracts';
import { CompanySigner as LetterSigner, verifyDetached as verifyLetter } from '@ar/platform';
import { renderLetter } from './render';
import type { Language, LetterFacts, LetterKind } from './templates';

/**
 * Letters as documents (issue 18 item 2): rendered to PDF, drawn to PNG by poppler's pdftoppm
 * and read back by pdftotext, in English and Chinese, then signed and verified.
 */
describe('letters as signed PDF documents', () => {
  const dir = mkdtempSync(join(tmpdir(), 'letters-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const facts: LetterFacts = {
    company: 'Acme Manufacturing Ltd',
    customerName: 'Beijing Widgets Co',
    attention: 'Li Wei',
    invoiceId: 'INV-2026-0042',
    currency: 'CNY',
    owed: { principal: 123_456_789, interest: 617_284, penalty: 0 },
    dueDate: '2026-02-09',
    daysOverdue: 20,
    date: '2026-03-01',
    lateFee: DEFAULT_LATE_FEE_TERMS,
    payBy: '2026-03-11',
    instalments: [
      { dueDate: '2026-03-15', amount: 62_000_000 },
      { dueDate: '2026-04-15', amount: 62_074_073 },
    ],
  };

  /** The PDF drawn to a PNG (page 1) and its text read back, as a recipient's viewer would. */
  function readBack(pdf: Buffer, name: string): string {
    const file = join(dir, `${name}.pdf`);
    writeFileSync(file, pdf);
    execFileSync('pdftoppm', ['-png', '-r', '50', '-f', '1', '-l', '1', file, join(dir, name)]);
    expect(statSync(join(dir, `${name}-1.png`)).size).toBeGreaterThan(1000);
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  }
  // Line breaks fall anywhere in Chinese text (pdftotext reads them as spaces): compare without whitespace.
  const oneLine = (s: string) => s.replace(/\s+/g, '');

  it.each<[LetterKind, Language, string[]]>([
    [
      'DUNNING_LETTER',
      'en',
      [
        'Formal Notice of Overdue Payment',
        'Invoice INV-2026-0042, due on 2026-02-09, is 20 days overdue as of 2026-03-01',
        'from day 16 overdue, interest of 0.1% of the unpaid amount accrues per day',
        'on day 31 overdue a one-off penalty of 2%',
        'Principal CNY 1,234,567.89',
        'Interest CNY 6,172.84',
        'Penalty CNY 0.00',
        'Total owed CNY 1,240,740.73',
        'by 2026-03-11',
      ],
    ],
    [
      'DUNNING_LETTER',
      'zh',
      [
        '逾期付款正式催告函',
        '发票 INV-2026-0042 应于 2026-02-09 付款，截至 2026-03-01 已逾期 20 天',
        '自逾期第16天起，按未付金额每日0.1%计收逾期利息',
        '逾期第31天，另按未付金额一次性收取2%的违约金',
        '本金 CNY 1,234,567.89',
        '逾期利息 CNY 6,172.84',
        '合计应付 CNY 1,240,740.73',
      ],
    ],
    [
      'LAWYERS_LETTER',
      'en',
      ["Lawyer's Letter", 'remains unpaid 20 days later', 'litigation, arbitration or a payment order'],
    ],
    ['LAWYERS_LETTER', 'zh', ['律师函', '诉讼、仲裁或支付令', '合计应付 CNY 1,240,740.73']],
    [
      'PLAN_AGREEMENT',
      'en',
      [
        'Repayment Plan Agreement',
        'Instalment 1: CNY 620,000.00 by 2026-03-15',
        'Instalment 2: CNY 620,740.73 by 2026-04-15',
      ],
    ],
    ['PLAN_AGREEMENT', 'zh', ['还款计划协议', '第 2 期：CNY 620,740.73，于 2026-04-15 前支付']],
  ])(
    'the %s in %s holds the amounts by component, the clause and the dates',
    async (kind, lang, expected) => {
      const text = oneLine(readBack(await renderLetter(kind, facts, lang), `${kind}-${lang}`));
      for (const phrase of expected) expect(text).toContain(oneLine(phrase));
    },
  );

  it('draws a name with bidi controls, control characters and emoji safely (#18 probe F9)', async () => {
    const named = {
      ...facts,
      customerName: 'Evil \u202EoC sgnidloH\u202C 😀 北京\u0007Co',
      attention: 'Li\u0000 Wei 👩‍💼',
    };
    for (const lang of ['en', 'zh'] as const) {
      const text = readBack(await renderLetter('DUNNING_LETTER', named, lang), `F9-${lang}`);
      // The name reads as typed, in order, on one line; what the font cannot draw is a '?', not tofu.
      expect(text).toContain('Evil oC sgnidloH ? 北京Co');
      expect(text).toContain('Li Wei ?');
      expect(text).not.toContain('Li Wei ??'); // one emoji (a ZWJ sequence), one '?'
      // Nothing but line and page breaks (pdftotext's) of the control and format characters.
      expect([...text].filter((c) => /[\p{Cc}\p{Cf}\uFFFD]/u.test(c) && !'\n\f'.includes(c))).toEqual([]);
    }
  });

  it('renders the same bytes for the same facts (an archived letter can be rendered again)', async () => {
    const a = await renderLetter('DUNNING_LETTER', facts, 'zh');
    const b = await renderLetter('DUNNING_LETTER', facts, 'zh');
    expect(a.equals(b)).toBe(true);
  });

  it('carries a detached signature that verifies with the published key and fails after one byte changes', async () => {
    const signer = LetterSigner.generate();
    const pdf = await renderLetter('DUNNING_LETTER', facts, 'en');
    const signature = signer.sign(pdf);
    expect(verifyLetter(pdf, signature, signer.publicKeyPem)).toBe(true);
    for (const at of [0, Math.floor(pdf.length / 2), pdf.length - 1]) {
      const altered = Buffer.from(pdf);
      altered[at] = (altered[at]! + 1) % 256;
      expect(verifyLetter(altered, signature, signer.publicKeyPem)).toBe(false);
    }
    // Another company's key does not verify it either.
    expect(verifyLetter(pdf, signature, LetterSigner.generate().publicKeyPem)).toBe(false);
  });

  it('keeps a generated development key across restarts, and takes the company key from the environment', () => {
    const file = join(dir, 'dev', 'letter-signing-key.pem');
    const first = LetterSigner.fromEnv({}, file);
    expect(first.development).toBe(true);
    expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    expect(LetterSigner.fromEnv({}, file).publicKeyPem).toBe(first.publicKeyPem);
    const company = LetterSigner.fromEnv(
      { LETTER_SIGNING_KEY: readFileSync(file, 'utf8') },
      join(dir, 'x.pem'),
    );
    expect(company.development).toBe(false);
    expect(company.keyId).toBe(first.keyId);
  });
});
