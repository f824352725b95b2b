import { DEFAULT_LATE_FEE_TERMS } from '@ar/contracts';
import { StateConflict } from '@ar/kernel';
import { deciderSpec } from '@ar/kernel/testing';
import { type InvoiceCommand, type InvoiceEvent, invoiceDecider } from './decider';

const decider = invoiceDecider();
const spec = deciderSpec(decider);
const issued: InvoiceEvent = {
  type: 'InvoiceIssued',
  data: {
    invoiceId: 'INV-1',
    customerId: 'C-1',
    amount: 1_000_000,
    currency: 'CNY',
    issueDate: '2026-01-02',
    dueDate: '2026-01-31',
    lateFeeTerms: DEFAULT_LATE_FEE_TERMS,
  },
};
const creditNote = (amount: number, reason = 'returned goods'): InvoiceCommand => ({
  type: 'IssueCreditNote',
  data: { creditNoteId: 'CN-1', amount, reason, issueDate: '2026-01-10' },
});
const writeOff = (reason = 'customer insolvent', date = '2026-03-01'): InvoiceCommand => ({
  type: 'WriteOffInvoice',
  data: { reason, date },
});
const after = (commands: InvoiceCommand[]) => {
  let state = [issued].reduce(decider.evolve, decider.initialState());
  const events: InvoiceEvent[] = [issued];
  for (const c of commands) {
    const next = decider.decide(c, state, new Date());
    events.push(...next);
    state = next.reduce(decider.evolve, state);
  }
  return events;
};

describe('an invoice command sent again', () => {
  it('the same credit note again changes nothing', () => {
    spec
      .given(after([creditNote(400_000)]))
      .when(creditNote(400_000))
      .thenNothingHappened();
  });

  it('a credit note id used again with another amount is a conflict, not silently dropped', () => {
    spec
      .given(after([creditNote(400_000)]))
      .when(creditNote(500_000))
      .thenThrows(StateConflict, /CN-1 was already issued with other details/);
  });

  it('the same credit note again after it credited the invoice in full changes nothing', () => {
    spec
      .given(after([creditNote(1_000_000)]))
      .when(creditNote(1_000_000))
      .thenNothingHappened();
  });

  it('the same write-off again changes nothing', () => {
    spec
      .given(after([writeOff()]))
      .when(writeOff())
      .thenNothingHappened();
  });

  it('a write-off with another reason or date on a written-off invoice is a conflict', () => {
    spec
      .given(after([writeOff()]))
      .when(writeOff('another reason'))
      .thenThrows(StateConflict, /written off/);
  });
});
