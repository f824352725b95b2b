import type { LateFeeTermsV1, PlanGuaranteeV1 } from '@ar/contracts';
import { formatMoney, type IsoDate } from '@ar/kernel';
import { plainText } from './safe-text';

/** The formal documents collections sends (DOMAIN.md §4): each rendered to PDF and signed. */
export type LetterKind = 'DUNNING_LETTER' | 'LAWYERS_LETTER' | 'PLAN_AGREEMENT';
export type Language = 'en' | 'zh';
export const LANGUAGES: readonly Language[] = ['en', 'zh'];

/** What a letter states: the parties, the invoice, what is owed by component, the clause, the dates. */
export interface LetterFacts {
  company: string;
  customerName: string;
  /** The person it is addressed to (a contact person), when known. */
  attention?: string | undefined;
  invoiceId: string;
  /** The contract the invoice belongs to: its id, and its title and date when known. */
  contract?: { id: string; title?: string | undefined; date?: IsoDate | undefined } | undefined;
  currency: string;
  /** Owed today, in minor units, by component. */
  owed: { principal: number; interest: number; penalty: number };
  dueDate: IsoDate;
  daysOverdue: number;
  /** The letter's date: the business day it was generated. */
  date: IsoDate;
  lateFee: LateFeeTermsV1 | undefined;
  /** The instalments of a repayment-plan agreement. */
  instalments?: { dueDate: IsoDate; amount: number }[] | undefined;
  /**
   * The messages sent on the case before this letter, as the record shows them: a letter states only
   * those delivered (a bounced or failed one is never claimed as notice given).
   */
  earlier?: { kind: string; date: IsoDate; delivered: boolean }[] | undefined;
  /** By when the customer must pay (dunning and lawyer's letters). */
  payBy?: IsoDate | undefined;
  /**
   * The plan agreement's late fees waived (fees WAIVED): who decided it and why. The fees are shown
   * as waived and the total owed is the principal, what the instalments add up to.
   */
  feeWaiver?: { decidedBy: string; reason: string } | undefined;
  /** The guarantee given for a repayment plan (担保): who, what kind, how much (minor units). */
  guarantee?: PlanGuaranteeV1 | undefined;
}

/** A letter as text: a title, then paragraphs; the renderer lays it out. */
export interface LetterText {
  title: string;
  subject: string;
  paragraphs: string[];
  /** Rows of the amounts table: label, formatted amount. */
  amounts: [string, string][];
  signature: string;
}

const pct = (bp: number) => `${bp / 100}%`;

/** Whom a formal letter is to: the debtor company as registered, and the contact person when known. */
function addressee(f: LetterFacts, lang: Language): string {
  return lang === 'zh'
    ? `致：${f.customerName}${f.attention ? `（联系人：${f.attention}）` : ''}`
    : `To: ${f.customerName}${f.attention ? `, attention ${f.attention}` : ''}`;
}

const list = (items: string[], and: string, sep = ', ') =>
  items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(sep)}${and}${items.at(-1)}`;

/**
 * What earlier messages the record shows delivered, in words ('' when none): reminders and the
 * formal dunning letter, each on its date. Undelivered ones are left out - never claimed as sent.
 */
function noticeGiven(f: LetterFacts, lang: Language): string {
  const delivered = (f.earlier ?? []).filter((e) => e.delivered);
  // Reminders and customer care; the letters are named as what they are (a lawyer's letter is no reminder).
  const reminders = delivered.filter((e) => !e.kind.endsWith('_LETTER')).map((e) => e.date);
  const letters = delivered.filter((e) => e.kind === 'DUNNING_LETTER').map((e) => e.date);
  if (lang === 'zh') {
    const parts = [
      ...(reminders.length ? [`于 ${list(reminders, '及', '、')} 发出付款提醒`] : []),
      ...(letters.length ? [`于 ${list(letters, '及', '、')} 发出正式催告函`] : []),
    ];
    return parts.length ? `我方已${parts.join('，并')}。` : '';
  }
  const parts = [
    ...(reminders.length
      ? [`our reminder${reminders.length > 1 ? 's' : ''} on ${list(reminders, ' and ')}`]
      : []),
    ...(letters.length ? [`our formal notice (dunning letter) on ${list(letters, ' and ')}`] : []),
  ];
  return parts.length ? `We sent ${parts.join(' and ')}. ` : '';
}

/** To whom the invoice was issued and under which contract (id, title and date when known). */
function issuedTo(f: LetterFacts, lang: Language): string {
  const c = f.contract;
  if (lang === 'zh') {
    const more = c ? [c.title, c.date ? `签订于 ${c.date}` : undefined].filter(Boolean).join('，') : '';
    const contract = c ? `，依据双方合同 ${c.id}${more ? `（${more}）` : ''}` : '';
    return `该发票开具给 ${f.customerName}${contract}。`;
  }
  const more = c ? [c.title, c.date ? `dated ${c.date}` : undefined].filter(Boolean).join(', ') : '';
  const contract = c ? ` under contract ${c.id}${more ? ` (${more})` : ''}` : '';
  return `The invoice was issued to ${f.customerName}${contract}.`;
}

/** The contract's late-payment clause in words, or undefined when the invoice carries none. */
export function clauseText(t: LateFeeTermsV1 | undefined, lang: Language): string | undefined {
  if (!t) return undefined;
  return lang === 'zh'
    ? `逾期付款条款：自逾期第${t.interestFromDay}天起，按未付金额每日${pct(t.dailyInterestBp)}计收逾期利息；逾期第${t.penaltyDay}天，另按未付金额一次性收取${pct(t.penaltyBp)}的违约金。争议由卖方所在地人民法院管辖。`
    : `Late-payment clause: from day ${t.interestFromDay} overdue, interest of ${pct(t.dailyInterestBp)} of the unpaid amount accrues per day; on day ${t.penaltyDay} overdue a one-off penalty of ${pct(t.penaltyBp)} of the unpaid amount applies. Disputes are heard by the court of the seller's seat.`;
}

function amounts(f: LetterFacts, lang: Language): [string, string][] {
  const m = (n: number) => formatMoney(n, f.currency, lang);
  const waived = f.feeWaiver !== undefined;
  const fee = (n: number) => (waived ? `${m(n)} ${lang === 'zh' ? '(已免除)' : '(waived)'}` : m(n));
  const total = f.owed.principal + (waived ? 0 : f.owed.interest + f.owed.penalty);
  return lang === 'zh'
    ? [
        ['本金', m(f.owed.principal)],
        ['逾期利息', fee(f.owed.interest)],
        ['违约金', fee(f.owed.penalty)],
        ['合计应付', m(total)],
      ]
    : [
        ['Principal', m(f.owed.principal)],
        ['Interest', fee(f.owed.interest)],
        ['Penalty', fee(f.owed.penalty)],
        ['Total owed', m(total)],
      ];
}

/** The waiver of a plan's late fees in words, or undefined when the fees are not waived. */
function waiverText(f: LetterFacts, lang: Language): string | undefined {
  if (!f.feeWaiver) return undefined;
  const fees = formatMoney(f.owed.interest + f.owed.penalty, f.currency, lang);
  return lang === 'zh'
    ? `逾期利息及违约金共 ${fees} 予以免除，由 ${f.feeWaiver.decidedBy} 决定，理由：${f.feeWaiver.reason}。各期金额合计即为合计应付金额。`
    : `The late fees of ${fees} are waived, decided by ${f.feeWaiver.decidedBy}: ${f.feeWaiver.reason}. The instalments add up to the total owed.`;
}

const GUARANTEE_KIND: Record<PlanGuaranteeV1['kind'], { en: string; zh: string }> = {
  PERSONAL: { en: 'a personal guarantee', zh: '个人保证担保' },
  CORPORATE: { en: 'a corporate guarantee', zh: '企业保证担保' },
  BANK: { en: 'a bank guarantee', zh: '银行保函' },
  COLLATERAL: { en: 'collateral', zh: '抵押/质押担保' },
};

/** The plan's guarantee in words, or undefined when it carries none. */
function guaranteeText(f: LetterFacts, lang: Language): string | undefined {
  const g = f.guarantee;
  if (!g) return undefined;
  const amount = formatMoney(g.amount, f.currency, lang);
  return lang === 'zh'
    ? `担保：${g.guarantor} 为本还款计划项下的欠款提供${GUARANTEE_KIND[g.kind].zh}，担保金额 ${amount}。`
    : `Guarantee: ${g.guarantor} gives ${GUARANTEE_KIND[g.kind].en} for ${amount} of the amounts owed under this plan.`;
}

const EN: Record<LetterKind, (f: LetterFacts) => Omit<LetterText, 'amounts' | 'signature'>> = {
  DUNNING_LETTER: (f) => ({
    title: 'Formal Notice of Overdue Payment',
    subject: `Formal notice: invoice ${f.invoiceId} is ${f.daysOverdue} days overdue`,
    paragraphs: [
      addressee(f, 'en'),
      `Dear ${f.attention ?? f.customerName},`,
      `Invoice ${f.invoiceId}, due on ${f.dueDate}, is ${f.daysOverdue} days overdue as of ${f.date}. The amounts owed are set out below.`,
      issuedTo(f, 'en'),
      ...(clauseText(f.lateFee, 'en') ? [clauseText(f.lateFee, 'en')!] : []),
      `Please pay the total owed${f.payBy ? ` by ${f.payBy}` : ''}, or contact us to agree a repayment plan. Your credit with us is suspended until the invoice is settled.`,
    ],
  }),
  LAWYERS_LETTER: (f) => ({
    title: "Notice Before Legal Action (Lawyer's Letter)",
    subject: `Notice before legal action: invoice ${f.invoiceId}, ${f.daysOverdue} days overdue`,
    paragraphs: [
      addressee(f, 'en'),
      `Dear ${f.attention ?? f.customerName},`,
      `${noticeGiven(f, 'en')}Invoice ${f.invoiceId}, due on ${f.dueDate}, remains unpaid ${f.daysOverdue} days later (as of ${f.date}).`,
      issuedTo(f, 'en'),
      ...(clauseText(f.lateFee, 'en') ? [clauseText(f.lateFee, 'en')!] : []),
      `Unless the total owed is paid${f.payBy ? ` by ${f.payBy}` : ''}, the matter is handed to our legal counsel, who will assess litigation, arbitration or a payment order without further notice.`,
    ],
  }),
  PLAN_AGREEMENT: (f) => ({
    title: 'Repayment Plan Agreement',
    subject: `Repayment plan agreement for invoice ${f.invoiceId}`,
    paragraphs: [
      `Between ${f.company} (the seller) and ${f.customerName} (the customer), agreed on ${f.date}.`,
      `The customer owes the amounts below under invoice ${f.invoiceId}, due on ${f.dueDate}, and pays them in the instalments listed. Each instalment paid in full by its date keeps the plan; a missed instalment breaks it and the whole amount open falls due.`,
      ...(clauseText(f.lateFee, 'en') ? [clauseText(f.lateFee, 'en')!] : []),
      ...(waiverText(f, 'en') ? [waiverText(f, 'en')!] : []),
      ...(guaranteeText(f, 'en') ? [guaranteeText(f, 'en')!] : []),
      ...(f.instalments ?? []).map(
        (i, n) => `Instalment ${n + 1}: ${formatMoney(i.amount, f.currency, 'en')} by ${i.dueDate}`,
      ),
    ],
  }),
};

const ZH: Record<LetterKind, (f: LetterFacts) => Omit<LetterText, 'amounts' | 'signature'>> = {
  DUNNING_LETTER: (f) => ({
    title: '逾期付款正式催告函',
    subject: `正式催告：发票 ${f.invoiceId} 已逾期 ${f.daysOverdue} 天`,
    paragraphs: [
      addressee(f, 'zh'),
      `尊敬的 ${f.attention ?? f.customerName}：`,
      `发票 ${f.invoiceId} 应于 ${f.dueDate} 付款，截至 ${f.date} 已逾期 ${f.daysOverdue} 天。应付金额明细如下。`,
      issuedTo(f, 'zh'),
      ...(clauseText(f.lateFee, 'zh') ? [clauseText(f.lateFee, 'zh')!] : []),
      `请${f.payBy ? `于 ${f.payBy} 前` : '尽快'}支付全部应付金额，或与我们联系商定还款计划。在结清之前，您在我方的信用额度暂停使用。`,
    ],
  }),
  LAWYERS_LETTER: (f) => ({
    title: '律师函（法律行动前通知）',
    subject: `法律行动前通知：发票 ${f.invoiceId} 已逾期 ${f.daysOverdue} 天`,
    paragraphs: [
      addressee(f, 'zh'),
      `尊敬的 ${f.attention ?? f.customerName}：`,
      `${noticeGiven(f, 'zh')}发票 ${f.invoiceId}（应于 ${f.dueDate} 付款）截至 ${f.date} 已逾期 ${f.daysOverdue} 天，仍未付款。`,
      issuedTo(f, 'zh'),
      ...(clauseText(f.lateFee, 'zh') ? [clauseText(f.lateFee, 'zh')!] : []),
      `如未能${f.payBy ? `于 ${f.payBy} 前` : ''}支付全部应付金额，本事项将移交我方法律顾问，评估诉讼、仲裁或支付令，届时不再另行通知。`,
    ],
  }),
  PLAN_AGREEMENT: (f) => ({
    title: '还款计划协议',
    subject: `发票 ${f.invoiceId} 的还款计划协议`,
    paragraphs: [
      `卖方 ${f.company} 与客户 ${f.customerName} 于 ${f.date} 达成本协议。`,
      `客户就发票 ${f.invoiceId}（应于 ${f.dueDate} 付款）欠付下列金额，并按下列分期支付。每期按时足额支付，计划继续有效；任何一期未按时足额支付，计划即告违约，全部未付金额立即到期。`,
      ...(clauseText(f.lateFee, 'zh') ? [clauseText(f.lateFee, 'zh')!] : []),
      ...(waiverText(f, 'zh') ? [waiverText(f, 'zh')!] : []),
      ...(guaranteeText(f, 'zh') ? [guaranteeText(f, 'zh')!] : []),
      ...(f.instalments ?? []).map(
        (i, n) => `第 ${n + 1} 期：${formatMoney(i.amount, f.currency, 'zh')}，于 ${i.dueDate} 前支付`,
      ),
    ],
  }),
};

/** The facts with what people typed made plain text: no bidi or control character (`plainText`). */
function typedSafely(f: LetterFacts): LetterFacts {
  const opt = (s: string | undefined) => (s === undefined ? undefined : plainText(s));
  return {
    ...f,
    company: plainText(f.company),
    customerName: plainText(f.customerName),
    attention: opt(f.attention),
    invoiceId: plainText(f.invoiceId),
    contract: f.contract && { ...f.contract, id: plainText(f.contract.id), title: opt(f.contract.title) },
    guarantee: f.guarantee && { ...f.guarantee, guarantor: plainText(f.guarantee.guarantor) },
    feeWaiver: f.feeWaiver && {
      decidedBy: plainText(f.feeWaiver.decidedBy),
      reason: plainText(f.feeWaiver.reason),
    },
  };
}

/** The letter of `kind` in `lang`, from the facts: the words the PDF carries. */
export function letterText(kind: LetterKind, facts: LetterFacts, lang: Language): LetterText {
  const f = typedSafely(facts);
  const body = (lang === 'zh' ? ZH : EN)[kind](f);
  return {
    ...body,
    amounts: amounts(f, lang),
    signature:
      lang === 'zh'
        ? `${f.company}（电子签章：本文件附有 Ed25519 分离签名，可凭公布的公钥验证）`
        : `${f.company} (electronically sealed: a detached Ed25519 signature accompanies this document; verify it with our published key)`,
  };
}
