import type { InstalmentPlanAgreedV1, ReminderSentV1 } from '@ar/contracts';
import type { IsoDate } from '@ar/kernel';
import { daysBetween } from '@ar/kernel';
import type { Pool, PoolClient } from 'pg';
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
  /** The messages sent on the case before the letter and whether each was delivered (`earlierNotices`). */
  earlier?: LetterFacts['earlier'];
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
    earlier: input.earlier,
  };
}

/**
 * The messages the case decided before the one at `position` (its `ReminderSent`s), each with
 * whether its delivery is recorded as delivered - a letter claims notice given only for those - and
 * the day it was delivered (#14 item 8: a message held by the contact limit or a quiet day went
 * later than it was decided; one delivered before that day was recorded is dated as decided).
 */
export function earlierNotices(
  history: readonly { type: string; data: unknown; streamPosition: number }[],
  position: number,
  delivered: ReadonlyMap<string, IsoDate | null>,
): NonNullable<LetterFacts['earlier']> {
  return history
    .filter((h) => h.type === 'ReminderSent' && h.streamPosition < position)
    .map((h) => h.data as ReminderSentV1)
    .map((m) => ({
      kind: m.kind,
      date: delivered.get(m.messageId) ?? m.sentDate,
      delivered: delivered.has(m.messageId),
    }));
}

/**
 * The case's messages the delivery queue recorded as delivered (`outbound_messages`, status
 * DELIVERED), each with the business day it went (null when delivered before that was recorded).
 */
export async function deliveredMessageIds(
  db: Pool | PoolClient,
  invoiceId: string,
): Promise<Map<string, IsoDate | null>> {
  const { rows } = await db.query<{ message_id: string; day: string | null }>(
    `select message_id, to_char(delivered_on, 'YYYY-MM-DD') as day from outbound_messages
      where invoice_id = $1 and status = 'DELIVERED'`,
    [invoiceId],
  );
  return new Map(rows.map((r) => [r.message_id, r.day]));
}

/**
 * The facts of a repayment-plan agreement: the parties, the contract, what was owed when it was
 * agreed, every instalment, the fees waived (who decided it and why) and the plan's guarantee.
 */
export function planAgreementFacts(input: {
  company: string;
  file: DunningFile;
  prefs: ContactPreferences | undefined;
  plan: InstalmentPlanAgreedV1;
  owed: LetterFacts['owed'];
}): LetterFacts {
  const { file, plan } = input;
  return {
    ...formalLetterFacts({
      company: input.company,
      file,
      prefs: input.prefs,
      owed: input.owed,
      date: plan.date,
      daysOverdue: Math.max(0, daysBetween(file.invoice.dueDate, plan.date)),
    }),
    instalments: plan.instalments,
    feeWaiver:
      plan.fees === 'WAIVED'
        ? (plan.feeWaiver ?? { decidedBy: '(not recorded)', reason: '(not recorded)' })
        : undefined,
    guarantee: plan.guarantee,
  };
}
