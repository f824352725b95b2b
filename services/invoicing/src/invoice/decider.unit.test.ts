import { RuleViolation, StateConflict } from '@ar/kernel';
import { deciderSpec } from '@ar/kernel/testing';
import { type InvoiceIssued, invoiceDecider } from './decider';

const spec = deciderSpec(invoiceDecider);
const invoice = {
  invoiceId: 'INV-1',
  customerId: 'C-1',
  amount: 1_000_00,
  currency: 'CNY',
  issueDate: '2026-03-02',
  dueDate: '2026-04-01',
};
const issued: InvoiceIssued = { type: 'InvoiceIssued', data: invoice };

describe('invoice', () => {
  it('issues an invoice with its amount and due date', () => {
    spec.given([]).when({ type: 'IssueInvoice', data: invoice }).then([issued]);
  });

  it('accepts a due date on the issue date (cash on delivery)', () => {
    const sameDay = { ...invoice, dueDate: invoice.issueDate };
    spec
      .given([])
      .when({ type: 'IssueInvoice', data: sameDay })
      .then([{ type: 'InvoiceIssued', data: sameDay }]);
  });

  it('refuses a due date before the issue date', () => {
    spec
      .given([])
      .when({ type: 'IssueInvoice', data: { ...invoice, dueDate: '2026-03-01' } })
      .thenThrows(RuleViolation, /due date 2026-03-01 is before issue date 2026-03-02/);
  });

  it('treats the same issue request again as already done', () => {
    spec
      .given([issued])
      .when({ type: 'IssueInvoice', data: { ...invoice } })
      .thenNothingHappened();
  });

  it('refuses to issue the same invoice id with other details', () => {
    spec
      .given([issued])
      .when({ type: 'IssueInvoice', data: { ...invoice, amount: 2 } })
      .thenThrows(StateConflict, /already issued/);
  });
});
