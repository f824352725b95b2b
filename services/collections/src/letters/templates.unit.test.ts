import { DEFAULT_LATE_FEE_TERMS } from '@ar/contracts';
import { type LetterFacts, letterText } from './templates';

/**
 * The repayment-plan agreement with the late fees waived (issue 18 letters, DOMAIN.md §3-4): the
 * fees are shown as waived, by whom and why, and the total owed is what the instalments add up to.
 */
describe('the plan agreement with the fees waived', () => {
  const facts: LetterFacts = {
    company: 'Acme Manufacturing Ltd',
    customerName: 'Beijing Widgets Co',
    invoiceId: 'INV-W',
    currency: 'CNY',
    owed: { principal: 1_000_000, interest: 18_525, penalty: 24_691 },
    dueDate: '2026-02-09',
    daysOverdue: 40,
    date: '2026-03-20',
    lateFee: DEFAULT_LATE_FEE_TERMS,
    instalments: [
      { dueDate: '2026-04-15', amount: 500_000 },
      { dueDate: '2026-05-15', amount: 500_000 },
    ],
    feeWaiver: { decidedBy: 'cfo-1', reason: 'long-standing customer' },
  };

  it('en: total owed is the instalments, the fees shown waived by whom and why', () => {
    const text = letterText('PLAN_AGREEMENT', facts, 'en');
    expect(text.amounts).toContainEqual(['Total owed', 'CNY 10,000.00']);
    expect(text.amounts).toContainEqual(['Interest', 'CNY 185.25 (waived)']);
    expect(text.amounts).toContainEqual(['Penalty', 'CNY 246.91 (waived)']);
    expect(text.paragraphs.join('\n')).toContain(
      'The late fees of CNY 432.16 are waived, decided by cfo-1: long-standing customer.',
    );
  });

  it('zh: the same', () => {
    const text = letterText('PLAN_AGREEMENT', facts, 'zh');
    expect(text.amounts).toContainEqual(['合计应付', 'CNY 10,000.00']);
    expect(text.amounts.find(([k]) => k === '违约金')?.[1]).toContain('已免除');
    expect(text.paragraphs.join('\n')).toContain('cfo-1');
  });

  it('without a waiver the fees count in the total as before', () => {
    const { feeWaiver: _, ...included } = facts;
    expect(letterText('PLAN_AGREEMENT', included, 'en').amounts).toContainEqual([
      'Total owed',
      'CNY 10,432.16',
    ]);
  });
});

/**
 * #18 probe F5: the dunning letter and the lawyer's-letter notice name the debtor company (as
 * credit-scoring registered it) even when addressed to a contact person, and the contract the
 * invoice belongs to (id, and its title and date when known) - a letter a lawyer would send names both.
 */
describe('the formal letters name the debtor company and the contract', () => {
  const facts: LetterFacts = {
    company: 'Acme Manufacturing Ltd',
    customerName: 'Beijing Widgets Co',
    attention: 'Li Wei',
    invoiceId: 'INV-7',
    contract: { id: 'CT-2025-019', title: 'Supply of CNC parts', date: '2025-11-03' },
    currency: 'CNY',
    owed: { principal: 1_000_000, interest: 0, penalty: 0 },
    dueDate: '2026-02-09',
    daysOverdue: 20,
    date: '2026-03-01',
    lateFee: DEFAULT_LATE_FEE_TERMS,
  };

  it.each(['DUNNING_LETTER', 'LAWYERS_LETTER'] as const)('%s en: company, contact and contract', (kind) => {
    const all = letterText(kind, facts, 'en').paragraphs.join('\n');
    expect(all).toContain('To: Beijing Widgets Co, attention Li Wei');
    expect(all).toContain('under contract CT-2025-019 (Supply of CNC parts, dated 2025-11-03)');
  });

  it.each(['DUNNING_LETTER', 'LAWYERS_LETTER'] as const)('%s zh: the same', (kind) => {
    const all = letterText(kind, facts, 'zh').paragraphs.join('\n');
    expect(all).toContain('致：Beijing Widgets Co（联系人：Li Wei）');
    expect(all).toContain('合同 CT-2025-019（Supply of CNC parts，签订于 2025-11-03）');
  });

  it('a contract known by its id alone is named by it; no contract, no contract sentence', () => {
    const byId = letterText('DUNNING_LETTER', { ...facts, contract: { id: 'CT-9' } }, 'en');
    expect(byId.paragraphs.join('\n')).toContain('issued to Beijing Widgets Co under contract CT-9.');
    const { contract: _, attention: __, ...none } = facts;
    const text = letterText('DUNNING_LETTER', none, 'en').paragraphs.join('\n');
    expect(text).toContain('To: Beijing Widgets Co');
    expect(text).not.toContain('contract CT');
  });
});

/**
 * #18 probe F6: the lawyer's-letter notice states only what the record shows - an earlier letter
 * delivered is referred to as sent on its date; one whose delivery failed (bounced) is not claimed.
 */
describe("the lawyer's-letter notice refers only to letters delivered", () => {
  const facts: LetterFacts = {
    company: 'Acme Manufacturing Ltd',
    customerName: 'Beijing Widgets Co',
    invoiceId: 'INV-8',
    currency: 'CNY',
    owed: { principal: 1_000_000, interest: 15_000, penalty: 20_000 },
    dueDate: '2026-01-30',
    daysOverdue: 31,
    date: '2026-03-02',
    lateFee: DEFAULT_LATE_FEE_TERMS,
  };
  const dunning = { kind: 'DUNNING_LETTER', date: '2026-02-16' } as const;
  const reminder = { kind: 'REMINDER_OVERDUE', date: '2026-01-31' } as const;

  it('a dunning letter that bounced is not claimed as formal notice (en, zh)', () => {
    const earlier = [
      { ...reminder, delivered: false },
      { ...dunning, delivered: false },
    ];
    const en = letterText('LAWYERS_LETTER', { ...facts, earlier }, 'en').paragraphs.join('\n');
    expect(en).not.toMatch(/formal notice|reminders/i);
    expect(en).toContain('Invoice INV-8, due on 2026-01-30, remains unpaid 31 days later');
    const zh = letterText('LAWYERS_LETTER', { ...facts, earlier }, 'zh').paragraphs.join('\n');
    expect(zh).not.toMatch(/正式催告|提醒/);
  });

  it('a delivered dunning letter is referred to as sent on its date (en, zh)', () => {
    const earlier = [
      { ...reminder, delivered: true },
      { ...dunning, delivered: true },
    ];
    const en = letterText('LAWYERS_LETTER', { ...facts, earlier }, 'en').paragraphs.join('\n');
    expect(en).toContain(
      'We sent our reminder on 2026-01-31 and our formal notice (dunning letter) on 2026-02-16. Invoice INV-8,',
    );
    const zh = letterText('LAWYERS_LETTER', { ...facts, earlier }, 'zh').paragraphs.join('\n');
    expect(zh).toContain('我方已于 2026-01-31 发出付款提醒，并于 2026-02-16 发出正式催告函');
  });

  it("an earlier lawyer's letter is no reminder", () => {
    const earlier = [{ kind: 'LAWYERS_LETTER', date: '2026-03-02', delivered: true }];
    const en = letterText('LAWYERS_LETTER', { ...facts, earlier }, 'en').paragraphs.join('\n');
    expect(en).not.toMatch(/reminder/i);
  });

  it('without a record of earlier letters it claims none', () => {
    const en = letterText('LAWYERS_LETTER', facts, 'en').paragraphs.join('\n');
    expect(en).not.toMatch(/formal notice|reminders/i);
  });
});

/**
 * #18 probe F9: names are what people typed. Bidi controls (U+202E right-to-left override) spoof
 * the text around them, control characters break it; both are taken out (CJK kept), emoji kept in
 * the text (the PDF renderer replaces what its font cannot draw).
 */
describe('names with bidi, control characters and emoji', () => {
  const facts: LetterFacts = {
    company: 'Acme Manufacturing Ltd',
    customerName: 'Evil \u202EoC sgnidloH\u202C 😀 北京\u0007Co\u2067',
    attention: 'Li\u0000 Wei\u200F',
    invoiceId: 'INV-9',
    contract: { id: 'CT-1', title: 'Supply\nof parts\u2066' },
    currency: 'CNY',
    owed: { principal: 1_000_000, interest: 0, penalty: 0 },
    dueDate: '2026-02-09',
    daysOverdue: 20,
    date: '2026-03-01',
    lateFee: DEFAULT_LATE_FEE_TERMS,
  };
  const unsafe = /(?![\u200d])[\p{Cc}\p{Cf}]/u;

  it.each(['en', 'zh'] as const)(
    '%s: no bidi or control character reaches the letter; CJK and emoji stay',
    (lang) => {
      for (const kind of ['DUNNING_LETTER', 'LAWYERS_LETTER', 'PLAN_AGREEMENT'] as const) {
        const text = letterText(kind, facts, lang);
        const all = [text.title, text.subject, ...text.paragraphs, text.signature].join(' ');
        expect(all).not.toMatch(unsafe);
        expect(all).toContain('Evil oC sgnidloH 😀 北京Co');
      }
      const formal = letterText('DUNNING_LETTER', facts, lang).paragraphs.join(' ');
      expect(formal).toContain('Li Wei');
      expect(formal).toContain('Supply of parts');
    },
  );
});

/**
 * #18 probe G: a repayment plan may carry a guarantee (issue 14 item 4: guarantor, kind, amount);
 * the agreement the customer receives states it, in both languages.
 */
describe('the plan agreement states the guarantee', () => {
  const facts: LetterFacts = {
    company: 'Acme Manufacturing Ltd',
    customerName: 'Beijing Widgets Co',
    invoiceId: 'INV-G',
    currency: 'CNY',
    owed: { principal: 1_000_000, interest: 0, penalty: 0 },
    dueDate: '2026-02-09',
    daysOverdue: 20,
    date: '2026-03-01',
    lateFee: DEFAULT_LATE_FEE_TERMS,
    instalments: [{ dueDate: '2026-04-15', amount: 1_000_000 }],
    guarantee: { guarantor: 'Bank of Ningbo', kind: 'BANK', amount: 600_000 },
  };

  it('en: guarantor, kind and amount', () => {
    expect(letterText('PLAN_AGREEMENT', facts, 'en').paragraphs).toContain(
      'Guarantee: Bank of Ningbo gives a bank guarantee for CNY 6,000.00 of the amounts owed under this plan.',
    );
  });

  it('zh: the same', () => {
    expect(letterText('PLAN_AGREEMENT', facts, 'zh').paragraphs).toContain(
      '担保：Bank of Ningbo 为本还款计划项下的欠款提供银行保函，担保金额 CNY 6,000.00。',
    );
  });

  it('a plan without a guarantee says nothing of one', () => {
    const { guarantee: _, ...none } = facts;
    expect(letterText('PLAN_AGREEMENT', none, 'en').paragraphs.join('\n')).not.toMatch(/guarantee/i);
  });
});
