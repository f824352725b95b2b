import type { CaseEvent } from '../case/state';
import { owedForLetter } from './owed';

/**
 * What a letter states as owed, by component (issue 18 letters): as invoicing charged it -
 * interest and penalty apart, a waiver clearing both.
 */
const invoice = {
  invoiceId: 'INV-L',
  customerId: 'C-L',
  customerName: 'Acme Machinery',
  amount: 1_234_550,
  currency: 'CNY',
  dueDate: '2026-01-31',
  lateFeeTerms: { interestFromDay: 16, dailyInterestBp: 10, penaltyDay: 31, penaltyBp: 200 },
};
const history = (events: CaseEvent[]) => events.map((e, i) => ({ ...e, streamPosition: i + 1 }));

describe('the owed amounts of a letter', () => {
  it('a penalty invoicing charged on the letter day is the penalty, not interest (day 31 letter)', () => {
    const events = history([
      { type: 'InvoiceTracked', data: invoice },
      { type: 'CaseOpened', data: {} as never },
      {
        type: 'ReminderSent',
        data: { kind: 'REMINDER_OVERDUE', sentDate: '2026-03-03', messageId: 'M-31' } as never,
      },
      // Invoicing's day job charged the day's fees after collections' reminder was recorded.
      {
        type: 'InvoiceFeesNoted',
        data: { change: 18_525, reason: 'CHARGED', date: '2026-03-03', kind: 'INTEREST' },
      },
      {
        type: 'InvoiceFeesNoted',
        data: { change: 24_691, reason: 'CHARGED', date: '2026-03-03', kind: 'PENALTY' },
      },
    ]);
    expect(owedForLetter(events, 3, '2026-03-03')).toEqual({
      principal: 1_234_550,
      interest: 18_525,
      penalty: 24_691,
    });
  });

  it('fees charged for a later day than the letter are not in it', () => {
    const events = history([
      { type: 'InvoiceTracked', data: invoice },
      {
        type: 'InvoiceFeesNoted',
        data: { change: 1_000, reason: 'CHARGED', date: '2026-02-20', kind: 'INTEREST' },
      },
      {
        type: 'ReminderSent',
        data: { kind: 'REMINDER_OVERDUE', sentDate: '2026-02-20', messageId: 'M-20' } as never,
      },
      {
        type: 'InvoiceFeesNoted',
        data: { change: 24_691, reason: 'CHARGED', date: '2026-03-03', kind: 'PENALTY' },
      },
    ]);
    expect(owedForLetter(events, 3, '2026-02-20')).toEqual({
      principal: 1_234_550,
      interest: 1_000,
      penalty: 0,
    });
  });
});
