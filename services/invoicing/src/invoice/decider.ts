import type { InvoiceIssuedV1 } from '@ar/contracts';
import { type Decider, daysBetween, RuleViolation, StateConflict } from '@ar/kernel';

export type IssueInvoice = { type: 'IssueInvoice'; data: InvoiceIssuedV1 };
export type InvoiceCommand = IssueInvoice;

export type InvoiceIssued = { type: 'InvoiceIssued'; data: InvoiceIssuedV1 };
export type InvoiceEvent = InvoiceIssued;

export type InvoiceState = { status: 'NONE' } | { status: 'ISSUED'; invoice: InvoiceIssuedV1 };

function sameInvoice(a: InvoiceIssuedV1, b: InvoiceIssuedV1): boolean {
  return JSON.stringify(a, Object.keys(a).sort()) === JSON.stringify(b, Object.keys(b).sort());
}

/** An invoice's rules. */
export const invoiceDecider: Decider<InvoiceCommand, InvoiceEvent, InvoiceState> = {
  initialState: () => ({ status: 'NONE' }),

  evolve(state, event) {
    switch (event.type) {
      case 'InvoiceIssued':
        return { status: 'ISSUED', invoice: event.data };
      default:
        return state;
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'IssueInvoice': {
        const invoice = command.data;
        if (state.status === 'ISSUED') {
          // The same request again (a client retry) is not an error and changes nothing.
          if (sameInvoice(state.invoice, invoice)) return [];
          throw new StateConflict(
            'INVOICE_ALREADY_ISSUED',
            `invoice ${invoice.invoiceId} was already issued with other details`,
            'invoiceId',
          );
        }
        if (daysBetween(invoice.issueDate, invoice.dueDate) < 0) {
          throw new RuleViolation(
            'DUE_BEFORE_ISSUE',
            `due date ${invoice.dueDate} is before issue date ${invoice.issueDate}`,
            'dueDate',
          );
        }
        return [{ type: 'InvoiceIssued', data: invoice }];
      }
    }
  },
};
