import { DEFAULT_LATE_FEE_TERMS } from '@ar/contracts';
import type { DunningFile } from '../case/state';
import type { ContactPreferences } from '../contact/decider';
import { earlierNotices, formalLetterFacts, planAgreementFacts } from './facts';
import { letterText } from './templates';

/** The facts a formal letter is rendered from, taken from the case (issue 18 letters). */
const file = {
  status: 'OPEN',
  invoice: {
    invoiceId: 'INV-F',
    customerId: 'C-F',
    customerName: 'Beijing Widgets Co',
    contractId: 'CT-2025-019',
    amount: 1_000_000,
    currency: 'CNY',
    dueDate: '2026-02-09',
    lateFeeTerms: DEFAULT_LATE_FEE_TERMS,
  },
} as unknown as DunningFile;
const prefs: ContactPreferences = {
  customerId: 'C-F',
  contacts: [
    { name: 'Zhang San', role: 'OWNER' } as ContactPreferences['contacts'][number],
    { name: 'Li Wei', email: 'li.wei@example.cn', role: 'FINANCE' } as ContactPreferences['contacts'][number],
  ],
  channel: 'EMAIL',
  language: 'en',
  quietDays: [],
  optedOut: [],
};
const base = {
  company: 'Acme Manufacturing Ltd',
  file,
  prefs,
  owed: { principal: 1_000_000, interest: 0, penalty: 0 },
  date: '2026-03-01',
  daysOverdue: 20,
};

describe('the facts of a formal letter', () => {
  it('name the debtor company, the contact with an address, and the contract (#18 probe F5)', () => {
    const facts = formalLetterFacts(base);
    expect(facts).toMatchObject({
      customerName: 'Beijing Widgets Co',
      attention: 'Li Wei',
      contract: { id: 'CT-2025-019' },
    });
    const text = letterText('DUNNING_LETTER', facts, 'en').paragraphs.join('\n');
    expect(text).toContain('To: Beijing Widgets Co, attention Li Wei');
    expect(text).toContain('The invoice was issued to Beijing Widgets Co under contract CT-2025-019.');
  });
});

describe('the earlier messages a letter may refer to (#18 probe F6)', () => {
  const sent = (position: number, kind: string, messageId: string, sentDate: string) => ({
    type: 'ReminderSent',
    streamPosition: position,
    data: { kind, messageId, sentDate },
  });
  const history = [
    { type: 'InvoiceTracked', streamPosition: 1, data: {} },
    sent(2, 'REMINDER_OVERDUE', 'M-1', '2026-01-31'),
    sent(3, 'DUNNING_LETTER', 'M-16', '2026-02-16'),
    sent(4, 'REMINDER_OVERDUE', 'M-31', '2026-03-02'),
  ];

  it('are the messages before the letter, delivered as the queue recorded them', () => {
    expect(earlierNotices(history, 4, new Map([['M-1', '2026-01-31']]))).toEqual([
      { kind: 'REMINDER_OVERDUE', date: '2026-01-31', delivered: true },
      { kind: 'DUNNING_LETTER', date: '2026-02-16', delivered: false },
    ]);
  });

  it('are dated the day each was delivered, not the day it was decided (#14 item 8)', () => {
    // The dunning letter decided on 02-16 waited for the customer's contact limit: it went on 02-17.
    const delivered = new Map([
      ['M-1', '2026-01-31'],
      ['M-16', '2026-02-17'],
    ]);
    expect(earlierNotices(history, 4, delivered)).toEqual([
      { kind: 'REMINDER_OVERDUE', date: '2026-01-31', delivered: true },
      { kind: 'DUNNING_LETTER', date: '2026-02-17', delivered: true },
    ]);
    const facts = formalLetterFacts({ ...base, earlier: earlierNotices(history, 4, delivered) });
    expect(letterText('LAWYERS_LETTER', facts, 'en').paragraphs.join('\n')).toContain(
      'We sent our reminder on 2026-01-31 and our formal notice (dunning letter) on 2026-02-17.',
    );
  });

  it("a bounced dunning letter is not claimed by the lawyer's letter built from them", () => {
    const facts = formalLetterFacts({
      ...base,
      earlier: earlierNotices(history, 4, new Map([['M-1', '2026-01-31']])),
    });
    const text = letterText('LAWYERS_LETTER', facts, 'en').paragraphs.join('\n');
    expect(text).toContain('We sent our reminder on 2026-01-31. Invoice INV-F');
    expect(text).not.toContain('formal notice');
  });
});

describe('the facts of a plan agreement (#18 probe G)', () => {
  it("carry the plan's guarantee, which the agreement states", () => {
    const facts = planAgreementFacts({
      ...base,
      plan: {
        caseId: 'INV-F',
        invoiceId: 'INV-F',
        customerId: 'C-F',
        planId: 'P-1',
        instalments: [{ dueDate: '2026-04-15', amount: 1_000_000 }],
        guarantee: { guarantor: 'Zhang San', kind: 'PERSONAL', amount: 500_000 },
        date: '2026-03-01',
      },
    });
    expect(facts).toMatchObject({ daysOverdue: 20, contract: { id: 'CT-2025-019' } });
    expect(letterText('PLAN_AGREEMENT', facts, 'en').paragraphs).toContain(
      'Guarantee: Zhang San gives a personal guarantee for CNY 5,000.00 of the amounts owed under this plan.',
    );
  });
});
