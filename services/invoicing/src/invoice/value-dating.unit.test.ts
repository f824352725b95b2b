import { DEFAULT_LATE_FEE_TERMS, type InvoiceIssuedV1 } from '@ar/contracts';
import { addDays, RuleViolation } from '@ar/kernel';
import { type InvoiceCommand, type InvoiceEvent, type InvoiceState, invoiceDecider } from './decider';
import type { Invoice } from './state';

/**
 * Value dating (DOMAIN.md §3): a payment counts from the day the money arrived, however late
 * its bank line is matched. The invoice ends exactly as if it had been recorded that day; fees
 * that were not due are reversed and thresholds withdrawn by correcting events, never by
 * editing what was recorded.
 */
const decider = invoiceDecider();

const invoice: InvoiceIssuedV1 = {
  invoiceId: 'INV-VD',
  customerId: 'C-1',
  amount: 100_000, // 1,000.00 CNY
  currency: 'CNY',
  issueDate: '2026-01-02',
  dueDate: '2026-01-31',
  lateFeeTerms: DEFAULT_LATE_FEE_TERMS,
};
const issued: InvoiceEvent = { type: 'InvoiceIssued', data: invoice };
const day = (n: number) => addDays(invoice.dueDate, n);
const assess = (n: number): InvoiceCommand => ({ type: 'AssessOverdue', data: { asOf: day(n) } });
const pay = (paymentId: string, amount: number, n: number): InvoiceCommand => ({
  type: 'AllocatePayment',
  data: { paymentId, amount, currency: 'CNY', paymentDate: day(n) },
});
const credit = (creditNoteId: string, amount: number, n: number): InvoiceCommand => ({
  type: 'IssueCreditNote',
  data: { creditNoteId, amount, reason: 'price reduction', issueDate: day(n) },
});

function run(commands: InvoiceCommand[]) {
  let state: InvoiceState = decider.evolve(decider.initialState(), issued);
  const recorded: InvoiceEvent[] = [issued];
  for (const command of commands) {
    const next = decider.decide(command, state, new Date());
    recorded.push(...next);
    state = next.reduce(decider.evolve, state);
  }
  return { state: state as Invoice, recorded };
}

/** What a person reads on the invoice: the money and the thresholds it stands at. */
const owed = (s: Invoice) => ({
  status: s.status,
  principal: s.principalOpen,
  interest: s.interestOpen,
  penalty: s.penaltyOpen,
  thresholds: [...s.overdueThresholdsReached].sort((a, b) => a - b),
});

describe('value dating: a payment counts from the day the money arrived', () => {
  it('a payment in full on the due date, recorded 50 days later, pays the invoice on time', () => {
    const late = run([assess(50), pay('P-1', 100_000, 0)]);

    expect(owed(late.state)).toEqual({
      status: 'PAID',
      principal: 0,
      interest: 0,
      penalty: 0,
      thresholds: [],
    });
    const paid = late.recorded.find((e) => e.type === 'InvoicePaid');
    expect(paid?.data).toMatchObject({ paidDate: day(0), daysLate: 0 });
    // History is kept: what was charged stays recorded, and each charge is reversed by its own event.
    const charged = late.recorded.filter((e) => e.type === 'LateFeeCharged');
    const reversed = late.recorded.filter((e) => e.type === 'LateFeeReversed');
    expect(charged.length).toBeGreaterThan(0);
    expect(reversed.map((e) => e.data)).toEqual(
      charged.map((c) =>
        expect.objectContaining({
          kind: c.data.kind,
          forDate: c.data.forDate,
          amount: c.data.amount,
          cause: { kind: 'PAYMENT', id: 'P-1', date: day(0) },
        }),
      ),
    );
    const withdrawn = late.recorded.filter((e) => e.type === 'PaymentOverdueWithdrawn');
    expect(withdrawn.map((e) => [e.data.threshold, e.data.overdueDate])).toEqual([
      [1, day(1)],
      [16, day(16)],
      [31, day(31)],
    ]);
  });

  it('a partial payment recorded late ends with exactly the fees of one recorded on its day', () => {
    const onTime = run([assess(3), pay('P-1', 50_000, 5), assess(50)]);
    const late = run([assess(50), pay('P-1', 50_000, 5)]);

    expect(owed(late.state)).toEqual(owed(onTime.state));
    expect(late.state.interestOpen).toBe(34 * 50); // days 16..49 (50 not closed yet) at 0.1% of 500.00
    expect(late.state.penaltyOpen).toBe(1_000); // 2% of 500.00 on day 31
  });

  it('an earlier-dated payment recorded after a later one moves the later one to principal', () => {
    const onTime = run([assess(3), pay('P-1', 30_000, 5), assess(40), pay('P-2', 20_000, 40), assess(50)]);
    const late = run([assess(40), pay('P-2', 20_000, 40), assess(50), pay('P-1', 30_000, 5)]);

    expect(owed(late.state)).toEqual(owed(onTime.state));
    const reallocated = late.recorded.filter((e) => e.type === 'PaymentReallocated');
    expect(reallocated.map((e) => e.data.paymentId)).toEqual(['P-2']);
    expect(reallocated[0]!.data.toPrincipal).toBeGreaterThan(reallocated[0]!.data.previous.toPrincipal);
  });

  it('a credit note dated back lowers the fees from its own date', () => {
    const onTime = run([assess(10), credit('CN-1', 40_000, 10), assess(50)]);
    const late = run([assess(50), credit('CN-1', 40_000, 10)]);

    expect(owed(late.state)).toEqual(owed(onTime.state));
  });

  it('a payment recorded on its day changes nothing that was recorded before', () => {
    const { recorded } = run([assess(20), pay('P-1', 10_000, 20)]);
    expect(recorded.some((e) => e.type === 'LateFeeReversed' || e.type === 'PaymentOverdueWithdrawn')).toBe(
      false,
    );
  });

  it('refuses a back-dated payment that would leave a later payment nothing to clear', () => {
    const { state } = run([assess(40), pay('P-2', 60_000, 40)]);
    expect(() => decider.decide(pay('P-1', 100_000, 0), state, new Date())).toThrow(RuleViolation);
  });
});
