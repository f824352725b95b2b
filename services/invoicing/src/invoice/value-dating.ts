import { formatMoney, type IsoDate, RuleViolation } from '@ar/kernel';
import { amountToSettle, invoiceAsOf, type OverduePolicy } from './overdue';
import {
  type Allocation,
  type DatedFact,
  evolveInvoice,
  type Invoice,
  type InvoiceEvent,
  inValueOrder,
} from './state';

export { inValueOrder };

/**
 * Value dating (DOMAIN.md §3): a payment counts from the day the money arrived, a credit note
 * from its own date, however late either is recorded. The invoice must end exactly as if every
 * such fact had been recorded on its date.
 *
 * How: the facts of the current schedule (`invoice.facts`, and the new one) are replayed in date
 * order from the invoice as the schedule began (`invoice.epoch`), each day's overdue assessment
 * before that day's facts, up to the last day already assessed. What the replay says was owed is
 * then compared with what was recorded, and the difference is written as correcting events:
 *   - a fee charged that the replay does not charge (or charges in another amount) is reversed
 *     in full (`LateFeeReversed`); the replay's own amount, if any, is charged again;
 *   - a threshold the replay does not reach on that day is withdrawn (`PaymentOverdueWithdrawn`),
 *     so collections and credit-scoring can undo what followed from it;
 *   - a payment the replay splits otherwise is re-split (`PaymentReallocated`);
 *   - then the new fact's own events, and `DiscountTaken` / `InvoicePaid` / `InvoiceFullyCredited`
 *     as the replay has them (an invoice paid on its due date is paid on time).
 * Nothing recorded is edited. A fact recorded on its own day, after everything before it, needs
 * no correction: the replay is then exactly the ordinary path.
 */

/**
 * One fact applied on its day, as if recorded then: what `decide` would emit. `recording` is true
 * for the fact being recorded now (a plan is then held to what is open; a plan recorded before is
 * replayed on what was really open: see `instalment-plan.ts`).
 */
export type ApplyOnTime = (invoice: Invoice, fact: DatedFact, recording: boolean) => InvoiceEvent[];

/** The invoice replayed with `fact` in its place: every event the replay produced, and where it ends. */
export function replayWith(
  invoice: Invoice,
  fact: DatedFact,
  policy: OverduePolicy,
  applyOnTime: ApplyOnTime,
): { events: InvoiceEvent[]; invoice: Invoice } {
  const start = invoice.epoch ?? invoice;
  const facts = inValueOrder([...invoice.facts, fact]);
  const through =
    invoice.assessedThrough && invoice.assessedThrough > fact.date ? invoice.assessedThrough : fact.date;

  const events: InvoiceEvent[] = [];
  let state = start;
  const emit = (produced: InvoiceEvent[]) => {
    for (const event of produced) {
      events.push(event);
      state = evolveInvoice(state, event) as Invoice;
    }
  };
  // A payment recorded now may release payments recorded before it and dated after it (#14 F3):
  // each of those takes what is still owed on its date, the rest goes back to it as credit.
  const releases = fact.kind === 'PAYMENT' && (invoice.status === 'OPEN' || paidAfter(invoice, fact.date));
  for (const planned of facts) {
    let f = planned;
    // A plan agreed on an invoice already settled by then (a payment dated before it) is void.
    if (f.kind === 'PLAN' && f !== fact && state.status !== 'OPEN') continue;
    if (releases && f.kind === 'PAYMENT' && f !== fact) {
      const owed =
        state.status === 'OPEN' ? amountToSettle(invoiceAsOf(state, f.date, policy).invoice, f.date) : 0;
      if (owed === 0) continue;
      if (f.amount > owed) f = { ...f, amount: owed };
    }
    if (state.status !== 'OPEN') {
      throw new RuleViolation(
        'VALUE_DATE_CONFLICT',
        `${describe(fact, invoice.issued.currency)} would settle invoice ${invoice.issued.invoiceId} before ${describe(f, invoice.issued.currency)}, which it already took: record the difference as credit`,
        f === fact ? 'amount' : fact.kind === 'CREDIT_NOTE' ? 'issueDate' : 'receivedDate',
      );
    }
    try {
      emit(applyOnTime(state, f, f === fact));
    } catch (error) {
      if (f === fact || !(error instanceof RuleViolation)) throw error;
      throw new RuleViolation(
        'VALUE_DATE_CONFLICT',
        `${describe(fact, invoice.issued.currency)} would leave too little owed for ${describe(f, invoice.issued.currency)}, already recorded (${error.message})`,
        'amount',
      );
    }
  }
  if (state.status === 'OPEN') emit(invoiceAsOf(state, through, policy).events);
  return { events, invoice: state };
}

/**
 * Whether a paid invoice is offered a payment dated `date` (value dating onto a paid invoice):
 * only when a plan agreed after that date waived fees. Counted from its date the money would have
 * paid some of those fees (clearing order: fees first), so the waiver shrinks to what was really
 * open (`InstalmentPlanRevised`) and the invoice stays paid as it was. How much it can take is what
 * the replay leaves every payment already recorded applied in full (`amountToSettleOn`): the fees
 * open on its date at most; the rest is the customer's credit. Any other payment finds the
 * invoice paid (there is nothing it would have paid that was not paid).
 */
export function takesPaymentWhenPaid(invoice: Invoice, date: IsoDate): boolean {
  return (
    paidAfter(invoice, date) ||
    (invoice.status === 'PAID' &&
      Object.values(invoice.plans).some(
        (p) =>
          p.fees?.mode === 'WAIVED' &&
          p.fees.interest + p.fees.penalty > 0 &&
          p.agreedDate !== undefined &&
          p.agreedDate > date,
      ))
  );
}

/**
 * Paid in full on a day after `date`: money dated `date` found it open. Counted from its date it
 * pays the invoice then; the payments after it keep what was still owed on their dates, the rest
 * is released to them as credit, and the invoice is paid again on the earlier day (#14 probe F1).
 */
function paidAfter(invoice: Invoice, date: IsoDate): boolean {
  return invoice.status === 'PAID' && invoice.paidDate !== undefined && invoice.paidDate > date;
}

function describe(f: DatedFact, currency: string): string {
  if (f.kind === 'PLAN') return `instalment plan ${f.id} agreed ${f.date}`;
  return `${f.kind === 'PAYMENT' ? 'payment' : 'credit note'} ${f.id} of ${formatMoney(f.amount, currency)} dated ${f.date}`;
}

type AppliedPlan = NonNullable<Invoice['plan']>;
const planTerms = (p: AppliedPlan) => ({
  instalments: p.instalments.map(({ dueDate, amount, principal }) => ({
    dueDate,
    amount,
    principal: principal ?? amount,
  })),
  // Built key by key: a plan read back from the store (jsonb) has its keys in another order, and
  // plans are compared as JSON - the same plan must not look revised.
  fees: p.fees
    ? { mode: p.fees.mode, interest: p.fees.interest, penalty: p.fees.penalty }
    : { mode: 'INCLUDED' as const, interest: 0, penalty: 0 },
});
const samePlan = (a: AppliedPlan, b: AppliedPlan) =>
  JSON.stringify(planTerms(a)) === JSON.stringify(planTerms(b));

const feeKey = (c: { kind: string; forDate: string; amount: number }) => `${c.kind}:${c.forDate}:${c.amount}`;
const overdueKey = (o: { threshold: number; overdueDate: string }) => `${o.threshold}:${o.overdueDate}`;

/**
 * The events that bring the recorded invoice to what the replay with `fact` says, the
 * corrections first. Throws if they do not: a bug, never a person's mistake.
 */
export function recordDatedFact(
  invoice: Invoice,
  fact: DatedFact,
  policy: OverduePolicy,
  applyOnTime: ApplyOnTime,
): InvoiceEvent[] {
  const replay = replayWith(invoice, fact, policy, applyOnTime);
  const { invoiceId, customerId, currency } = invoice.issued;
  const cause = {
    kind: fact.kind === 'PLAN' ? ('INSTALMENT_PLAN' as const) : fact.kind,
    id: fact.id,
    date: fact.date,
  };

  const replayedFees = new Set([...replay.invoice.charges].map(feeKey));
  const replayedOverdue = new Set(replay.invoice.overdueAll.map(overdueKey));
  const recordedFees = new Set([...invoice.charges].map(feeKey));
  const recordedOverdue = new Set(invoice.overdueAll.map(overdueKey));
  const recordedSplit = new Map(invoice.allocations.map((a) => [a.paymentId, a]));

  const corrections: InvoiceEvent[] = [];
  for (const charge of invoice.charges) {
    if (replayedFees.has(feeKey(charge))) continue;
    corrections.push({
      type: 'LateFeeReversed',
      data: { invoiceId, customerId, currency, ...charge, cause },
    });
  }
  for (const reached of invoice.overdueAll) {
    if (replayedOverdue.has(overdueKey(reached))) continue;
    corrections.push({
      type: 'PaymentOverdueWithdrawn',
      data: { invoiceId, customerId, ...reached, cause },
    });
  }
  // A payment the replay no longer needs at all (an earlier one paid what it paid) is released in full.
  const replayedPayments = new Set(
    replay.events.flatMap((e) => (e.type === 'PaymentAllocated' ? [e.data.paymentId] : [])),
  );
  for (const f of invoice.facts) {
    const before = recordedSplit.get(f.id);
    if (f.kind !== 'PAYMENT' || replayedPayments.has(f.id) || !before) continue;
    corrections.push(reallocation(before, { amount: 0, toPenalty: 0, toInterest: 0, toPrincipal: 0 }));
  }
  for (const event of replay.events) {
    switch (event.type) {
      case 'LateFeeCharged':
        if (!recordedFees.has(feeKey(event.data))) corrections.push(event);
        break;
      case 'PaymentOverdue':
        if (!recordedOverdue.has(overdueKey(event.data))) corrections.push(event);
        break;
      case 'PaymentAllocated': {
        const before = recordedSplit.get(event.data.paymentId);
        if (!before) {
          corrections.push(event);
        } else if (
          before.amount !== event.data.amount ||
          before.toPenalty !== event.data.toPenalty ||
          before.toInterest !== event.data.toInterest ||
          before.toPrincipal !== event.data.toPrincipal
        ) {
          corrections.push(reallocation(before, event.data));
        }
        break;
      }
      case 'CreditNoteIssued':
        if (!invoice.creditNoteIds.includes(event.data.creditNoteId)) corrections.push(event);
        break;
      case 'DiscountTaken':
        if (!invoice.discountTaken) corrections.push(event);
        break;
      case 'LateFeesWaived':
        // A plan's waiver is new with the plan; a plan recorded before is revised as a whole.
        if (!event.data.planId || !invoice.plans[event.data.planId]) corrections.push(event);
        break;
      case 'InstalmentPlanApplied': {
        const recorded = invoice.plans[event.data.planId];
        if (!recorded) corrections.push(event);
        else if (!samePlan(recorded, event.data)) corrections.push(revision(recorded, planTerms(event.data)));
        break;
      }
      case 'InvoicePaid':
        // Already paid on that day (a payment dated before a plan that waived fees, paying fees only):
        // paid once, as recorded. Paid on another day: paid again, on the day the replay says.
        if (invoice.status !== 'PAID') corrections.push(event);
        else if (invoice.paidDate !== event.data.paidDate)
          corrections.push({ ...event, data: { ...event.data, cause } });
        break;
      case 'InvoiceFullyCredited':
        corrections.push(event);
        break;
      default:
        break;
    }
  }

  // A plan the replay does not reach (the invoice was settled before it was agreed) is void.
  // (By plan id: the order of an object's keys is not kept by a snapshot's JSON in the store.)
  for (const recorded of Object.values(invoice.plans).sort((a, b) => (a.planId < b.planId ? -1 : 1))) {
    if (replay.invoice.plans[recorded.planId] || recorded.instalments.length === 0) continue;
    const { mode } = planTerms(recorded).fees;
    corrections.push(revision(recorded, { instalments: [], fees: { mode, interest: 0, penalty: 0 } }));
  }

  /** A payment's split as the replay has it; what it no longer takes of the recorded amount is released. */
  function reallocation(
    before: Allocation,
    now: { amount: number; toPenalty: number; toInterest: number; toPrincipal: number },
  ): InvoiceEvent {
    const { paymentId, date: paymentDate, amount, toPenalty, toInterest, toPrincipal } = before;
    const released = amount - now.amount;
    return {
      type: 'PaymentReallocated',
      data: {
        invoiceId,
        customerId,
        paymentId,
        currency,
        amount,
        paymentDate,
        toPenalty: now.toPenalty,
        toInterest: now.toInterest,
        toPrincipal: now.toPrincipal,
        previous: { toPenalty, toInterest, toPrincipal },
        ...(released > 0 ? { released } : {}),
        cause,
      },
    };
  }

  function revision(recorded: AppliedPlan, revised: ReturnType<typeof planTerms>): InvoiceEvent {
    return {
      type: 'InstalmentPlanRevised',
      data: {
        invoiceId,
        customerId,
        planId: recorded.planId,
        ...revised,
        previous: planTerms(recorded),
        cause,
      },
    };
  }

  const after = corrections.reduce((s, e) => evolveInvoice(s, e) as Invoice, invoice);
  const owed = (s: Invoice) =>
    [
      s.status,
      s.principalOpen,
      s.interestOpen,
      s.penaltyOpen,
      [...s.overdueAll.map(overdueKey)].sort(),
      s.plan?.instalments.length ? JSON.stringify(planTerms(s.plan).instalments) : '',
    ].join('|');
  if (owed(after) !== owed(replay.invoice)) {
    throw new Error(
      `value dating of ${fact.id} on ${invoiceId}: ${owed(after)} is not ${owed(replay.invoice)}`,
    );
  }
  return corrections;
}

/**
 * What a payment dated `date` must bring to settle the invoice, counted from that date. Payments
 * dated later and recorded before give way (released: `replayWith`); a credit note or plan dated
 * later may not, and then it is the most they leave room for (found by bisection: the replay
 * accepts any smaller amount).
 */
export function amountToSettleOn(
  invoice: Invoice,
  date: IsoDate,
  policy: OverduePolicy,
  applyOnTime: ApplyOnTime,
): number {
  const onTheDay = {
    ...invoice,
    facts: invoice.facts.filter((f) => f.date <= date),
    assessedThrough: date,
  };
  const probe: DatedFact = { kind: 'PAYMENT', id: '\u0000probe', date, amount: 0, currency: '' };
  const before = replayUntil(onTheDay, date, policy, applyOnTime);
  const full = before ? amountToSettle(before, date) : 0;
  if (invoice.facts.every((f) => f.date <= date) || full === 0) return full;
  const fits = (amount: number) => {
    try {
      replayWith(invoice, { ...probe, amount, currency: invoice.issued.currency }, policy, applyOnTime);
      return true;
    } catch {
      return false;
    }
  };
  // Later payments make room (they are released); only later credit notes or plans may not.
  if (fits(full)) return full;
  let low = 0;
  let high = full;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** The invoice replayed with only its facts up to `date`, assessed to `date`; undefined if settled. */
function replayUntil(
  invoice: Invoice,
  date: IsoDate,
  policy: OverduePolicy,
  applyOnTime: ApplyOnTime,
): Invoice | undefined {
  let state = invoice.epoch ?? invoice;
  for (const f of inValueOrder(invoice.facts)) {
    if (f.kind === 'PLAN' && state.status !== 'OPEN') continue;
    if (state.status !== 'OPEN') return undefined;
    state = applyOnTime(state, f, false).reduce((s, e) => evolveInvoice(s, e) as Invoice, state);
  }
  if (state.status !== 'OPEN') return undefined;
  return invoiceAsOf(state, date, policy).invoice;
}
