import type { LateFeeTermsV1, MessageKind } from '@ar/contracts';

export interface MessageFacts {
  customerName: string;
  invoiceId: string;
  amount: string;
  dueDate: string;
  daysOverdue: number;
  lateFee: LateFeeTermsV1 | undefined;
}

const clause = (t: LateFeeTermsV1 | undefined) =>
  t
    ? ` Under the contract, interest of ${t.dailyInterestBp / 100}% a day accrues from day ${t.interestFromDay} overdue and a one-off ${t.penaltyBp / 100}% penalty applies on day ${t.penaltyDay}.`
    : '';

/** Message templates: the customer, the amount, the days and the contract's late-fee clause. */
export const TEMPLATES: Record<MessageKind, (f: MessageFacts) => string> = {
  REMINDER_BEFORE_DUE: (f) =>
    `Dear ${f.customerName}, a friendly reminder that invoice ${f.invoiceId} for ${f.amount} is due on ${f.dueDate}. Thank you for your business.`,
  REMINDER_ON_DUE: (f) =>
    `Dear ${f.customerName}, invoice ${f.invoiceId} for ${f.amount} is due today (${f.dueDate}). Please arrange payment.${clause(f.lateFee)}`,
  REMINDER_OVERDUE: (f) =>
    `Dear ${f.customerName}, invoice ${f.invoiceId} for ${f.amount} is ${f.daysOverdue} days overdue since ${f.dueDate}.${clause(f.lateFee)} Please pay or contact us to agree a plan.`,
  CUSTOMER_CARE: (f) =>
    `Dear ${f.customerName}, we noticed invoice ${f.invoiceId} (${f.amount}, due ${f.dueDate}) is still open. Your account manager will call to understand how we can help.`,
  DUNNING_LETTER: (f) =>
    `Dear ${f.customerName}, formal notice: invoice ${f.invoiceId} for ${f.amount} is ${f.daysOverdue} days overdue.${clause(f.lateFee)} Your credit with us is suspended until it is settled.`,
};

export function formatAmount(minorUnits: number, currency: string): string {
  return `${currency} ${(minorUnits / 100).toFixed(2)}`;
}
