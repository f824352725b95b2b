import type { LateFeeTermsV1, MessageKind } from '@ar/contracts';
import { formatMoney } from '@ar/kernel';
import { plainText } from '../letters/safe-text';

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
const clauseZh = (t: LateFeeTermsV1 | undefined) =>
  t
    ? `根据合同约定，逾期第${t.interestFromDay}天起每日按未付金额的${t.dailyInterestBp / 100}%计收逾期利息，逾期第${t.penaltyDay}天另收取${t.penaltyBp / 100}%的违约金。`
    : '';

/** English, then Chinese: one message both a foreign and a Chinese reader can act on. */
const ZH: Record<MessageKind, (f: MessageFacts) => string> = {
  REMINDER_BEFORE_DUE: (f) =>
    `尊敬的 ${f.customerName}：温馨提示，发票 ${f.invoiceId}（金额 ${f.amount}）将于 ${f.dueDate} 到期。感谢您的支持。`,
  REMINDER_ON_DUE: (f) =>
    `尊敬的 ${f.customerName}：发票 ${f.invoiceId}（金额 ${f.amount}）${f.daysOverdue > 0 ? `已于 ${f.dueDate} 到期` : `今日（${f.dueDate}）到期`}，请安排付款。${clauseZh(f.lateFee)}`,
  REMINDER_OVERDUE: (f) =>
    `尊敬的 ${f.customerName}：发票 ${f.invoiceId}（金额 ${f.amount}）自 ${f.dueDate} 起已逾期 ${f.daysOverdue} 天。${clauseZh(f.lateFee)}请尽快付款，或与我们联系商定还款计划。`,
  CUSTOMER_CARE: (f) =>
    `尊敬的 ${f.customerName}：我们注意到发票 ${f.invoiceId}（金额 ${f.amount}，${f.dueDate} 到期）尚未结清。您的客户经理将与您联系，了解我们能提供哪些帮助。`,
  DUNNING_LETTER: (f) =>
    `尊敬的 ${f.customerName}：正式通知，发票 ${f.invoiceId}（金额 ${f.amount}）已逾期 ${f.daysOverdue} 天。${clauseZh(f.lateFee)}在结清之前，您在我方的信用额度暂停使用。`,
  LAWYERS_LETTER: (f) =>
    `尊敬的 ${f.customerName}：律师函通知，发票 ${f.invoiceId}（金额 ${f.amount}）已逾期 ${f.daysOverdue} 天。${clauseZh(f.lateFee)}本案已移交我方法务部门，如不立即付款，我方将依法采取诉讼、仲裁或支付令等措施。`,
};

const EN: Record<MessageKind, (f: MessageFacts) => string> = {
  REMINDER_BEFORE_DUE: (f) =>
    `Dear ${f.customerName}, a friendly reminder that invoice ${f.invoiceId} for ${f.amount} is due on ${f.dueDate}. Thank you for your business.`,
  REMINDER_ON_DUE: (f) =>
    `Dear ${f.customerName}, invoice ${f.invoiceId} for ${f.amount} ${f.daysOverdue > 0 ? `was due on ${f.dueDate}` : `is due today (${f.dueDate})`}. Please arrange payment.${clause(f.lateFee)}`,
  REMINDER_OVERDUE: (f) =>
    `Dear ${f.customerName}, invoice ${f.invoiceId} for ${f.amount} is ${f.daysOverdue} days overdue since ${f.dueDate}.${clause(f.lateFee)} Please pay or contact us to agree a plan.`,
  CUSTOMER_CARE: (f) =>
    `Dear ${f.customerName}, we noticed invoice ${f.invoiceId} (${f.amount}, due ${f.dueDate}) is still open. Your account manager will call to understand how we can help.`,
  DUNNING_LETTER: (f) =>
    `Dear ${f.customerName}, formal notice: invoice ${f.invoiceId} for ${f.amount} is ${f.daysOverdue} days overdue.${clause(f.lateFee)} Your credit with us is suspended until it is settled.`,
  LAWYERS_LETTER: (f) =>
    `Dear ${f.customerName}, lawyer's-letter notice: invoice ${f.invoiceId} for ${f.amount} is ${f.daysOverdue} days overdue.${clause(f.lateFee)} The case is now with our legal department; unless it is paid at once we will take legal steps (litigation, arbitration or a payment order).`,
};

/** Message templates: the customer, the amount, the days and the contract's late-fee clause, in Chinese and English. */
export const TEMPLATES: Record<MessageKind, (f: MessageFacts) => string> = Object.fromEntries(
  (Object.keys(EN) as MessageKind[]).map((kind) => [
    kind,
    (facts: MessageFacts) => {
      const f = { ...facts, customerName: plainText(facts.customerName) };
      return `${EN[kind](f)}\n\n${ZH[kind](f)}`;
    },
  ]),
) as Record<MessageKind, (f: MessageFacts) => string>;

const SUBJECT_EN: Record<MessageKind, (f: MessageFacts) => string> = {
  REMINDER_BEFORE_DUE: (f) => `Reminder: invoice ${f.invoiceId} (${f.amount}) is due on ${f.dueDate}`,
  REMINDER_ON_DUE: (f) =>
    f.daysOverdue > 0
      ? `Invoice ${f.invoiceId} (${f.amount}) was due on ${f.dueDate}`
      : `Invoice ${f.invoiceId} (${f.amount}) is due today`,
  REMINDER_OVERDUE: (f) => `Invoice ${f.invoiceId} (${f.amount}) is ${f.daysOverdue} days overdue`,
  CUSTOMER_CARE: (f) => `Invoice ${f.invoiceId} (${f.amount}) is still open: how can we help?`,
  DUNNING_LETTER: (f) =>
    `Formal notice: invoice ${f.invoiceId} (${f.amount}) is ${f.daysOverdue} days overdue`,
  LAWYERS_LETTER: (f) =>
    `Lawyer's-letter notice: invoice ${f.invoiceId} (${f.amount}) is ${f.daysOverdue} days overdue`,
};

const SUBJECT_ZH: Record<MessageKind, (f: MessageFacts) => string> = {
  REMINDER_BEFORE_DUE: (f) => `付款提醒：发票 ${f.invoiceId}（${f.amount}）将于 ${f.dueDate} 到期`,
  REMINDER_ON_DUE: (f) =>
    f.daysOverdue > 0
      ? `发票 ${f.invoiceId}（${f.amount}）已于 ${f.dueDate} 到期`
      : `发票 ${f.invoiceId}（${f.amount}）今日到期`,
  REMINDER_OVERDUE: (f) => `发票 ${f.invoiceId}（${f.amount}）已逾期 ${f.daysOverdue} 天`,
  CUSTOMER_CARE: (f) => `发票 ${f.invoiceId}（${f.amount}）尚未结清：我们能提供哪些帮助`,
  DUNNING_LETTER: (f) => `正式催告：发票 ${f.invoiceId}（${f.amount}）已逾期 ${f.daysOverdue} 天`,
  LAWYERS_LETTER: (f) => `律师函通知：发票 ${f.invoiceId}（${f.amount}）已逾期 ${f.daysOverdue} 天`,
};

/**
 * A message as delivered to a customer (email subject and body) in the customer's language
 * (contact preferences; issue 18 F10), the amount formatted by its currency's ISO 4217 minor
 * units and the language's grouping, in the subject and the body alike.
 */
export function messageIn(
  kind: MessageKind,
  f: Omit<MessageFacts, 'amount'> & { amount: number; currency: string },
  lang: 'en' | 'zh',
): { subject: string; body: string } {
  const facts: MessageFacts = {
    ...f,
    customerName: plainText(f.customerName),
    amount: formatMoney(f.amount, f.currency, lang),
  };
  return lang === 'zh'
    ? { subject: SUBJECT_ZH[kind](facts), body: ZH[kind](facts) }
    : { subject: SUBJECT_EN[kind](facts), body: EN[kind](facts) };
}

/** The amount as the messages quote it: ISO code and major units by the currency's own decimals. */
export function formatAmount(minorUnits: number, currency: string): string {
  return formatMoney(minorUnits, currency);
}
