import type { IsoDate } from '@ar/kernel';
import type { DunningFile } from '../case/state';
import type { ContactPreferences } from '../contact/decider';
import type { LetterFacts } from './templates';

/** The person a letter is addressed to: the contact with an email address, else the first one. */
export function attentionOf(prefs: ContactPreferences | undefined): string | undefined {
  return prefs?.contacts.find((c) => c.email)?.name ?? prefs?.contacts[0]?.name;
}

/**
 * The facts of a formal letter (dunning letter, lawyer's-letter notice) from the case: the debtor
 * company as credit-scoring registered it (the case's customer name), the contact person, the
 * contract the invoice was issued under, the amounts owed and the dates. The delivery queue renders
 * the letter from these.
 */
export function formalLetterFacts(input: {
  company: string;
  file: DunningFile;
  prefs: ContactPreferences | undefined;
  owed: LetterFacts['owed'];
  date: IsoDate;
  daysOverdue: number;
  payBy?: IsoDate | undefined;
}): LetterFacts {
  const { file } = input;
  return {
    company: input.company,
    customerName: file.invoice.customerName,
    attention: attentionOf(input.prefs),
    invoiceId: file.invoice.invoiceId,
    contract: file.invoice.contractId ? { id: file.invoice.contractId } : undefined,
    currency: file.invoice.currency,
    owed: input.owed,
    dueDate: file.invoice.dueDate,
    daysOverdue: input.daysOverdue,
    date: input.date,
    lateFee: file.invoice.lateFeeTerms,
    payBy: input.payBy,
  };
}
