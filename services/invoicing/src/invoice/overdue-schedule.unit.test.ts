import type { InvoiceIssuedV1, LateFeeTermsV1 } from '@ar/contracts';
import { addDays } from '@ar/kernel';
import fc from 'fast-check';
import { type InvoiceCommand, type InvoiceEvent, type InvoiceState, invoiceDecider } from './decider';
import { assessOverdue, nextOverdueAssessment, type OverduePolicy } from './overdue';
import type { Invoice } from './state';

/**
 * The overdue clock's schedule (`nextOverdueAssessment`): the business day job reads an invoice only
 * on the day it names, so that day must be exactly the first day on which `assessOverdue` would do
 * something - never later (a threshold or fee would be late), and not earlier when it knows.
 */
const seed = process.env.FC_SEED === 'random' ? undefined : Number(process.env.FC_SEED ?? 20261124);

function invoiceAfter(issued: InvoiceIssuedV1, commands: InvoiceCommand[], policy: OverduePolicy): Invoice {
  const decider = invoiceDecider(policy);
  let state: InvoiceState = decider.evolve(decider.initialState(), {
    type: 'InvoiceIssued',
    data: issued,
  } as InvoiceEvent);
  for (const command of commands)
    state = decider.decide(command, state, new Date()).reduce(decider.evolve, state);
  return state as Invoice;
}

/**
 * The first day after `after` on which assessing the invoice emits anything: the earliest day the
 * events of a long assessment belong to (a day's interest is charged the day after it closes).
 */
function firstDayWithEvents(invoice: Invoice, after: string, policy: OverduePolicy, days: number) {
  const onDays = assessOverdue(invoice, addDays(after, days), policy).map((e) =>
    e.type === 'PaymentOverdue'
      ? e.data.overdueDate
      : e.type === 'LateFeeCharged' && e.data.kind === 'INTEREST'
        ? addDays(e.data.forDate, 1)
        : (e.data as { forDate: string }).forDate,
  );
  return onDays.length > 0 ? onDays.sort()[0] : undefined;
}

const terms = fc.option(
  fc.record<LateFeeTermsV1>({
    interestFromDay: fc.integer({ min: 0, max: 40 }),
    dailyInterestBp: fc.integer({ min: 1, max: 20 }),
    penaltyDay: fc.integer({ min: 1, max: 60 }),
    penaltyBp: fc.integer({ min: 0, max: 300 }),
  }),
  { nil: undefined },
);

describe('the next day the overdue clock has something to do', () => {
  it('is the first day assessing the invoice does something, for random invoices, clauses and payments', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3_000_000 }), // small amounts too: fees that round to zero
        fc.integer({ min: 0, max: 200 }), // due this many days after 2026-01-01
        terms,
        fc.constantFrom([1, 16, 31, 61, 91], [3, 45], [120]),
        fc.integer({ min: 0, max: 260 }), // assessed through this many days after the due date
        fc.option(fc.tuple(fc.integer({ min: 1, max: 99 }), fc.integer({ min: 0, max: 200 })), {
          nil: undefined,
        }), // a partial payment: percent, days after the due date
        (amount, dueIn, lateFeeTerms, overdueThresholds, assessedIn, payment) => {
          const policy: OverduePolicy = { overdueThresholds: [...overdueThresholds] };
          const dueDate = addDays('2026-01-01', dueIn);
          const issued: InvoiceIssuedV1 = {
            invoiceId: 'INV-1',
            customerId: 'C-1',
            amount,
            currency: 'CNY',
            issueDate: '2025-12-01',
            dueDate,
            ...(lateFeeTerms && { lateFeeTerms }),
          };
          const after = addDays(dueDate, assessedIn);
          const commands: InvoiceCommand[] = [];
          if (payment && payment[1] <= assessedIn) {
            const paid = Math.floor((amount * payment[0]) / 100);
            if (paid > 0)
              commands.push({
                type: 'AllocatePayment',
                data: {
                  paymentId: 'P-1',
                  amount: paid,
                  currency: 'CNY',
                  paymentDate: addDays(dueDate, payment[1]),
                },
              });
          }
          commands.push({ type: 'AssessOverdue', data: { asOf: after } });
          const invoice = invoiceAfter(issued, commands, policy);
          if (invoice.status !== 'OPEN') return;

          const next = nextOverdueAssessment(invoice, after, policy);
          const truth = firstDayWithEvents(invoice, after, policy, 450);
          if (truth) {
            // Never later than the day something happens; exactly it when something does on it.
            expect(next).toBeDefined();
            expect(next! <= truth).toBe(true);
            if (assessOverdue(invoice, next!, policy).length > 0) expect(next).toBe(truth);
          }
          if (next) expect(next > after).toBe(true);
        },
      ),
      { numRuns: 150, ...(seed !== undefined && { seed }) },
    );
  });

  it('is none for an invoice with nothing left to happen: no clause and every threshold reached, or a prepayment', () => {
    const policy: OverduePolicy = { overdueThresholds: [1, 16, 31, 61, 91] };
    const base: InvoiceIssuedV1 = {
      invoiceId: 'INV-2',
      customerId: 'C-1',
      amount: 100_000,
      currency: 'CNY',
      issueDate: '2026-01-01',
      dueDate: '2026-01-31',
    };
    const assessed = invoiceAfter(base, [{ type: 'AssessOverdue', data: { asOf: '2026-06-01' } }], policy);
    expect(assessed.overdueThresholdsReached).toEqual([1, 16, 31, 61, 91]);
    expect(nextOverdueAssessment(assessed, '2026-06-01', policy)).toBeUndefined();
    const prepayment = invoiceAfter({ ...base, prepayment: true }, [], policy);
    expect(nextOverdueAssessment(prepayment, '2026-06-01', policy)).toBeUndefined();
    // Not yet assessed: the first threshold's day.
    expect(nextOverdueAssessment(invoiceAfter(base, [], policy), '2026-01-10', policy)).toBe('2026-02-01');
  });

  it('assesses an invoice due in 2000 without a clause in five thresholds, not a walk through every day since', () => {
    const policy: OverduePolicy = { overdueThresholds: [1, 16, 31, 61, 91] };
    const invoice = invoiceAfter(
      {
        invoiceId: 'INV-2000',
        customerId: 'C-1',
        amount: 100_000,
        currency: 'CNY',
        issueDate: '2000-01-01',
        dueDate: '2000-01-31',
      },
      [],
      policy,
    );
    const events = assessOverdue(invoice, '9999-12-31', policy);
    expect(events.map((e) => (e.data as { threshold: number }).threshold)).toEqual([1, 16, 31, 61, 91]);
    expect(nextOverdueAssessment(invoice, '2026-03-02', policy)).toBe('2000-02-01');
  });
});
