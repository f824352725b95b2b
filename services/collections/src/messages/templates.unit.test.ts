import { formatAmount, messageIn, TEMPLATES } from './templates';

const facts = {
  customerName: 'Acme',
  invoiceId: 'INV-7',
  amount: formatAmount(123_457, 'JPY'),
  dueDate: '2026-03-31',
  daysOverdue: 30,
  lateFee: undefined,
};

describe('collection messages', () => {
  it('quote a JPY amount in yen: JPY 123,457, never JPY 1234.57', () => {
    const text = TEMPLATES.REMINDER_OVERDUE(facts);
    expect(text).toContain('JPY 123,457');
    expect(text).not.toContain('1234.57');
  });

  it('are written in Chinese and in English', () => {
    const text = TEMPLATES.REMINDER_BEFORE_DUE({ ...facts, amount: formatAmount(250_000, 'CNY') });
    expect(text).toContain('尊敬的 Acme');
    expect(text).toContain('CNY 2,500.00');
    expect(text).toContain('Dear Acme');
  });
});

/**
 * #18 probe F10: an email to a customer whose language is zh had an English subject ("Invoice
 * INV-7: reminder overdue"). A message for delivery has its subject and body in the customer's
 * language, the amount formatted by its currency's ISO 4217 minor units in both.
 */
describe('a message in the customer language', () => {
  const facts = {
    customerName: '北京小部件有限公司',
    invoiceId: 'INV-7',
    amount: 123_457,
    currency: 'JPY',
    dueDate: '2026-03-31',
    daysOverdue: 30,
    lateFee: undefined,
  };

  it.each([
    'REMINDER_BEFORE_DUE',
    'REMINDER_ON_DUE',
    'REMINDER_OVERDUE',
    'CUSTOMER_CARE',
    'DUNNING_LETTER',
  ] as const)('%s zh: subject and body in Chinese, the yen amount in yen', (kind) => {
    const m = messageIn(kind, facts, 'zh');
    for (const part of [m.subject, m.body]) {
      expect(part).toContain('发票 INV-7');
      expect(part).toContain('JPY 123,457');
      expect(part).not.toMatch(/Invoice|Dear|reminder/i);
    }
  });

  it('en: subject and body in English; KWD with its three decimals', () => {
    const m = messageIn('REMINDER_OVERDUE', { ...facts, amount: 1_234, currency: 'KWD' }, 'en');
    expect(m.subject).toBe('Invoice INV-7 (KWD 1.234) is 30 days overdue');
    expect(m.body).toContain('Dear 北京小部件有限公司, invoice INV-7 for KWD 1.234 is 30 days overdue');
    expect(m.body).not.toContain('尊敬的');
  });
});

describe('a name with bidi and control characters (#18 probe F9)', () => {
  it('reaches no message as typed: the spoofing and breaking characters are taken out', () => {
    const name = 'Evil \u202EoC sgnidloH\u202C\u0007 😀 北京';
    const both = TEMPLATES.REMINDER_OVERDUE({ ...facts, customerName: name });
    const zh = messageIn(
      'REMINDER_OVERDUE',
      { ...facts, customerName: name, amount: 1, currency: 'CNY' },
      'zh',
    );
    for (const text of [both, zh.body]) {
      expect(text).toContain('Evil oC sgnidloH 😀 北京');
      expect(text).not.toMatch(/[\u202a-\u202e]/u);
    }
  });
});
