import { formatAmount, TEMPLATES } from './templates';

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
