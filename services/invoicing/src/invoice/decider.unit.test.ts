import { DEFAULT_LATE_FEE_TERMS, type InvoiceIssuedV1 } from '@ar/contracts';
import { addDays, BusinessCalendar, NotFound, RuleViolation, StateConflict } from '@ar/kernel';
import { deciderSpec } from '@ar/kernel/testing';
import { type InvoiceCommand, type InvoiceEvent, type InvoiceState, invoiceDecider } from './decider';
import { type Invoice, reviveInvoice } from './state';

const decider = invoiceDecider();
const spec = deciderSpec(decider);

const invoice: InvoiceIssuedV1 = {
  invoiceId: 'INV-1',
  customerId: 'C-1',
  amount: 1_000_000, // 10,000.00
  currency: 'CNY',
  issueDate: '2026-01-02',
  dueDate: '2026-01-31',
  lateFeeTerms: DEFAULT_LATE_FEE_TERMS,
};
const issued: InvoiceEvent = { type: 'InvoiceIssued', data: invoice };
/** The day an invoice due 2026-01-31 is `n` days overdue. */
const overdueDay = (n: number) => addDays(invoice.dueDate, n);

/** Runs commands in order, as the handler would, and returns every event they produced. */
function history(events: InvoiceEvent[], commands: InvoiceCommand[]) {
  let state: InvoiceState = events.reduce(decider.evolve, decider.initialState());
  const produced: InvoiceEvent[] = [];
  for (const command of commands) {
    const next = decider.decide(command, state, new Date());
    produced.push(...next);
    state = next.reduce(decider.evolve, state);
  }
  return { state, produced };
}
const ofType = <T extends InvoiceEvent['type']>(events: InvoiceEvent[], type: T) =>
  events.filter((e): e is Extract<InvoiceEvent, { type: T }> => e.type === type);
const pay = (paymentId: string, amount: number, paymentDate: string, currency = 'CNY'): InvoiceCommand => ({
  type: 'AllocatePayment',
  data: { paymentId, amount, currency, paymentDate },
});

describe('issuing an invoice', () => {
  it('issues an invoice with its amount and due date', () => {
    spec.given([]).when({ type: 'IssueInvoice', data: invoice }).then([issued]);
  });

  it('refuses a due date before the issue date', () => {
    spec
      .given([])
      .when({ type: 'IssueInvoice', data: { ...invoice, dueDate: '2026-01-01' } })
      .thenThrows(RuleViolation, /due date 2026-01-01 is before issue date 2026-01-02/);
  });

  it('treats the same issue request again as already done', () => {
    spec
      .given([issued])
      .when({ type: 'IssueInvoice', data: { ...invoice } })
      .thenNothingHappened();
  });

  it('refuses the same invoice id with another late-fee clause (a nested difference)', () => {
    const otherClause = { ...DEFAULT_LATE_FEE_TERMS, dailyInterestBp: 5 };
    spec
      .given([issued])
      .when({ type: 'IssueInvoice', data: { ...invoice, lateFeeTerms: otherClause } })
      .thenThrows(StateConflict, /already issued/);
  });

  it('refuses a command on an invoice never issued as unknown (404), not as a conflict', () => {
    spec
      .given([])
      .when({ type: 'WriteOffInvoice', data: { reason: 'x', date: '2026-01-02' } })
      .thenThrows(NotFound, /no such invoice/);
    spec
      .given([])
      .when({ type: 'ResolveDispute', data: { resolution: 'x', date: '2026-01-02' } })
      .thenThrows(NotFound, /no such invoice/);
  });

  it('refuses to issue the same invoice id with other details', () => {
    spec
      .given([issued])
      .when({ type: 'IssueInvoice', data: { ...invoice, amount: 2 } })
      .thenThrows(StateConflict, /already issued/);
  });
});

describe('payments on an invoice', () => {
  it('takes a partial payment against the principal and leaves the rest open', () => {
    spec
      .given([issued])
      .when(pay('P-1', 300_000, '2026-01-20'))
      .then([
        {
          type: 'PaymentAllocated',
          data: {
            invoiceId: 'INV-1',
            customerId: 'C-1',
            currency: 'CNY',
            paymentId: 'P-1',
            amount: 300_000,
            toPenalty: 0,
            toInterest: 0,
            toPrincipal: 300_000,
            paymentDate: '2026-01-20',
          },
        },
      ]);
  });

  it('marks the invoice paid when the last of it is paid, with the days late', () => {
    const { produced, state } = history([issued], [pay('P-1', 1_000_000, overdueDay(3))]);
    expect(ofType(produced, 'InvoicePaid')[0]!.data).toMatchObject({ paidDate: '2026-02-03', daysLate: 3 });
    expect(state.status).toBe('PAID');
  });

  it('refuses a payment in another currency', () => {
    spec
      .given([issued])
      .when(pay('P-1', 1_000, '2026-01-20', 'EUR'))
      .thenThrows(RuleViolation, /payment in EUR cannot clear invoice INV-1 in CNY/);
  });

  it('refuses to allocate more than the invoice needs to settle', () => {
    spec
      .given([issued])
      .when(pay('P-1', 1_000_001, '2026-01-20'))
      .thenThrows(RuleViolation, /needs only CNY 10,000.00/);
  });

  it('ignores the same payment allocated twice', () => {
    const { produced } = history([issued], [pay('P-1', 100, '2026-01-20')]);
    spec
      .given([issued, ...produced])
      .when(pay('P-1', 100, '2026-01-20'))
      .thenNothingHappened();
  });

  it('refuses a payment on a paid invoice', () => {
    const { produced } = history([issued], [pay('P-1', 1_000_000, '2026-01-20')]);
    spec
      .given([issued, ...produced])
      .when(pay('P-2', 1, '2026-01-21'))
      .thenThrows(StateConflict, /is paid: cannot take a payment/);
  });

  it('clears the penalty first, then interest, then principal', () => {
    // By day 35: interest for days 16..34 (19 x 1000) and the 2% penalty (20000).
    const { produced } = history([issued], [pay('P-1', 30_000, overdueDay(35))]);
    expect(ofType(produced, 'PaymentAllocated')[0]!.data).toMatchObject({
      toPenalty: 20_000,
      toInterest: 10_000,
      toPrincipal: 0,
    });
  });
});

describe('early-payment discount (2/10 net 30)', () => {
  const discounted: InvoiceEvent = {
    type: 'InvoiceIssued',
    data: { ...invoice, amount: 100_000, discountTerms: { rateBp: 200, withinDays: 10 } },
  };

  it('takes the discount when settled on the last allowed day', () => {
    const { produced, state } = history([discounted], [pay('P-1', 98_000, '2026-01-12')]);
    expect(produced.map((e) => e.type)).toEqual(['PaymentAllocated', 'DiscountTaken', 'InvoicePaid']);
    expect(ofType(produced, 'DiscountTaken')[0]!.data.amount).toBe(2_000);
    expect(state.status).toBe('PAID');
  });

  it('refuses the discount a day later: the shortfall stays open', () => {
    const { produced, state } = history([discounted], [pay('P-1', 98_000, '2026-01-13')]);
    expect(produced.map((e) => e.type)).toEqual(['PaymentAllocated']);
    expect(state).toMatchObject({ status: 'OPEN', principalOpen: 2_000 });
  });

  it('takes the discount on a payment that completes earlier partial payments within the period', () => {
    const { produced } = history(
      [discounted],
      [pay('P-1', 50_000, '2026-01-05'), pay('P-2', 48_000, '2026-01-10')],
    );
    expect(ofType(produced, 'DiscountTaken')).toHaveLength(1);
    expect(ofType(produced, 'InvoicePaid')).toHaveLength(1);
  });
});

describe('the overdue clock', () => {
  it('emits PaymentOverdue on the first day after the due date, not on the due date', () => {
    spec
      .given([issued])
      .when({ type: 'AssessOverdue', data: { asOf: invoice.dueDate } })
      .thenNothingHappened();
    spec
      .given([issued])
      .when({ type: 'AssessOverdue', data: { asOf: overdueDay(1) } })
      .thenContains([
        { type: 'PaymentOverdue', data: expect.objectContaining({ threshold: 1, daysOverdue: 1 }) },
      ]);
  });

  it('emits each threshold once, with the day it was reached, even when days are caught up', () => {
    // Run on day 20 only: thresholds 1 and 16 are reached in between.
    const { produced } = history(
      [issued],
      [
        { type: 'AssessOverdue', data: { asOf: overdueDay(20) } },
        { type: 'AssessOverdue', data: { asOf: overdueDay(20) } },
      ],
    );
    expect(ofType(produced, 'PaymentOverdue').map((e) => [e.data.threshold, e.data.overdueDate])).toEqual([
      [1, '2026-02-01'],
      [16, '2026-02-16'],
    ]);
  });

  it('charges 0.1% per day from day 16 overdue, for closed days only', () => {
    const { produced } = history([issued], [{ type: 'AssessOverdue', data: { asOf: overdueDay(18) } }]);
    const interest = ofType(produced, 'LateFeeCharged');
    // Days 16 and 17 are closed on day 18; day 15 bears none.
    expect(interest.map((e) => [e.data.forDate, e.data.daysOverdue, e.data.amount])).toEqual([
      ['2026-02-16', 16, 1_000],
      ['2026-02-17', 17, 1_000],
    ]);
  });

  it('charges the one-off 2% penalty on day 31, once', () => {
    const { produced } = history(
      [issued],
      [
        { type: 'AssessOverdue', data: { asOf: overdueDay(30) } },
        { type: 'AssessOverdue', data: { asOf: overdueDay(31) } },
        { type: 'AssessOverdue', data: { asOf: overdueDay(45) } },
      ],
    );
    const penalties = ofType(produced, 'LateFeeCharged').filter((e) => e.data.kind === 'PENALTY');
    expect(penalties.map((e) => [e.data.forDate, e.data.amount])).toEqual([['2026-03-03', 20_000]]);
  });

  it('rounds each day of interest half-up to the minor unit', () => {
    const small = (amount: number): InvoiceEvent => ({ type: 'InvoiceIssued', data: { ...invoice, amount } });
    const dayOne = (amount: number) =>
      ofType(
        history([small(amount)], [{ type: 'AssessOverdue', data: { asOf: overdueDay(17) } }]).produced,
        'LateFeeCharged',
      )[0]?.data.amount;
    expect(dayOne(1_500)).toBe(2); // 1.5 -> 2
    expect(dayOne(1_499)).toBe(1); // 1.499 -> 1
    expect(dayOne(499)).toBeUndefined(); // 0.499 -> 0: no fee, no event
  });

  it('lowers the interest base from the date of a partial payment (paid on day 20, the rest on day 40)', () => {
    const first = history([issued], [pay('P-1', 400_000, overdueDay(20))]);
    // Interest for days 16..19 on 1,000,000 was due first: 4,000; the rest reduced the principal.
    expect(ofType(first.produced, 'PaymentAllocated')[0]!.data).toMatchObject({
      toInterest: 4_000,
      toPrincipal: 396_000,
    });
    const principal = 604_000;
    // Days 20..39 at 0.1% of 604,000 = 604 a day (20 days) and the penalty of 2% on day 31.
    const rest = principal + 20 * 604 + 12_080;
    const second = history([issued, ...first.produced], [pay('P-2', rest, overdueDay(40))]);
    const fees = ofType(second.produced, 'LateFeeCharged');
    expect(fees.filter((e) => e.data.kind === 'INTEREST').map((e) => e.data.amount)).toEqual(
      Array(20).fill(604),
    );
    expect(fees.filter((e) => e.data.kind === 'PENALTY').map((e) => e.data.base)).toEqual([principal]);
    expect(second.state.status).toBe('PAID');
    expect(() => history([issued, ...first.produced], [pay('P-2', rest + 1, overdueDay(40))])).toThrow(
      /needs only/,
    );
  });

  it('gives exactly one PaymentOverdue per threshold and the clause fees over 100 business days', () => {
    const calendar = new BusinessCalendar();
    let day = invoice.dueDate;
    const commands: InvoiceCommand[] = [];
    for (let n = 0; n < 100; n++) {
      day = calendar.addWorkingDays(day, 1);
      commands.push({ type: 'AssessOverdue', data: { asOf: day } });
      commands.push({ type: 'AssessOverdue', data: { asOf: day } }); // the same day again: nothing
    }
    const { produced, state } = history([issued], commands);
    expect(ofType(produced, 'PaymentOverdue').map((e) => e.data.threshold)).toEqual([1, 16, 31, 61, 91]);
    const daysOverdue = Math.round((Date.parse(day) - Date.parse(invoice.dueDate)) / 86_400_000);
    const interestDays = daysOverdue - 16; // days 16 .. daysOverdue-1
    const fees = ofType(produced, 'LateFeeCharged');
    expect(fees.filter((e) => e.data.kind === 'INTEREST')).toHaveLength(interestDays);
    expect(state).toMatchObject({ interestOpen: interestDays * 1_000, penaltyOpen: 20_000 });
  });

  it('does not charge late fees on an invoice without a late-payment clause', () => {
    const noClause: InvoiceEvent = { type: 'InvoiceIssued', data: { ...invoice, lateFeeTerms: undefined } };
    const { produced } = history([noClause], [{ type: 'AssessOverdue', data: { asOf: overdueDay(40) } }]);
    expect(produced.map((e) => e.type)).toEqual(['PaymentOverdue', 'PaymentOverdue', 'PaymentOverdue']);
  });
});

describe('instalment plans', () => {
  const plan = {
    planId: 'PLAN-1',
    instalments: [
      { dueDate: '2026-03-31', amount: 500_000 },
      { dueDate: '2026-04-30', amount: 500_000 },
    ],
    date: overdueDay(5),
    fees: 'INCLUDED' as const,
  };

  it('replaces the due date with the instalments and restarts the overdue clock', () => {
    const { produced, state } = history(
      [issued],
      [
        { type: 'AssessOverdue', data: { asOf: overdueDay(5) } },
        { type: 'ApplyInstalmentPlan', data: plan },
        { type: 'AssessOverdue', data: { asOf: '2026-03-31' } },
        { type: 'AssessOverdue', data: { asOf: '2026-04-01' } },
      ],
    );
    const overdue = ofType(produced, 'PaymentOverdue');
    expect(overdue.map((e) => [e.data.threshold, e.data.dueDate, e.data.overdueAmount])).toEqual([
      [1, '2026-01-31', 1_000_000],
      [1, '2026-03-31', 500_000],
    ]);
    expect(state).toMatchObject({
      schedule: plan.instalments.map((i) => ({ dueDate: i.dueDate, amount: i.amount })),
      planId: 'PLAN-1',
    });
  });

  it('refuses a plan whose instalments do not add up to what is open', () => {
    spec
      .given([issued])
      .when({
        type: 'ApplyInstalmentPlan',
        data: { ...plan, instalments: [{ dueDate: '2026-03-31', amount: 1 }] },
      })
      .thenThrows(
        RuleViolation,
        /add up to CNY 0.01; open on 2026-02-05: CNY 10,000.00 \(principal CNY 10,000.00/,
      );
  });
});

describe('credit notes, disputes, write-offs and factoring', () => {
  it('reduces the principal by a credit note and closes the invoice when fully credited', () => {
    const { produced, state } = history(
      [issued],
      [
        {
          type: 'IssueCreditNote',
          data: { creditNoteId: 'CN-1', amount: 400_000, reason: 'returned goods', issueDate: '2026-01-10' },
        },
        {
          type: 'IssueCreditNote',
          data: { creditNoteId: 'CN-2', amount: 600_000, reason: 'price', issueDate: '2026-01-11' },
        },
      ],
    );
    expect(produced.map((e) => e.type)).toEqual([
      'CreditNoteIssued',
      'CreditNoteIssued',
      'InvoiceFullyCredited',
    ]);
    expect(state.status).toBe('CREDITED');
  });

  it('refuses a credit note larger than the unpaid principal', () => {
    spec
      .given([issued])
      .when({
        type: 'IssueCreditNote',
        data: { creditNoteId: 'CN-1', amount: 1_000_001, reason: 'x', issueDate: '2026-01-10' },
      })
      .thenThrows(RuleViolation, /exceeds the unpaid principal/);
  });

  it('keeps a disputed invoice overdue (for aging) but marks its overdue events disputed', () => {
    const { produced } = history(
      [issued],
      [
        { type: 'DisputeInvoice', data: { reason: 'wrong quantity', date: '2026-01-20' } },
        { type: 'AssessOverdue', data: { asOf: overdueDay(1) } },
      ],
    );
    expect(ofType(produced, 'PaymentOverdue')[0]!.data.disputed).toBe(true);
  });

  it('writes off what is still owed, principal and fees', () => {
    const { produced, state } = history(
      [issued],
      [
        { type: 'AssessOverdue', data: { asOf: overdueDay(18) } },
        { type: 'WriteOffInvoice', data: { reason: 'customer insolvent', date: overdueDay(18) } },
      ],
    );
    expect(ofType(produced, 'InvoiceWrittenOff')[0]!.data).toMatchObject({
      principal: 1_000_000,
      fees: 2_000,
    });
    expect(state.status).toBe('WRITTEN_OFF');
  });

  it('writes off the fees owed on its own date, when the clock last ran days before (a weekend)', () => {
    // Probe #17 F1: written off on a Sunday, the fees of Friday's run were written off - not the
    // interest of Friday and Saturday that the invoice showed as owed that day.
    const { produced, state } = history(
      [issued],
      [
        { type: 'AssessOverdue', data: { asOf: overdueDay(18) } },
        { type: 'WriteOffInvoice', data: { reason: 'customer insolvent', date: overdueDay(20) } },
      ],
    );
    // 0.1% a day of 1,000,000 for overdue days 16 to 19, each charged the next morning.
    expect(ofType(produced, 'InvoiceWrittenOff')[0]!.data).toMatchObject({
      principal: 1_000_000,
      fees: 4 * 1_000,
    });
    expect(state.status).toBe('WRITTEN_OFF');
    expect((state as Invoice).interestOpen).toBe(4_000);
  });

  it('assigns a good receivable to a factor and records the advance', () => {
    const { produced } = history(
      [issued],
      [
        { type: 'AssignToFactor', data: { factorId: 'BANK-1', withRecourse: true, date: '2026-01-10' } },
        { type: 'RecordFactorAdvance', data: { factorId: 'BANK-1', amount: 800_000, date: '2026-01-11' } },
      ],
    );
    expect(produced.map((e) => e.type)).toEqual(['InvoiceAssignedToFactor', 'FactorAdvanceReceived']);
  });

  it('refuses to assign an overdue receivable', () => {
    spec
      .given([issued])
      .when({ type: 'AssignToFactor', data: { factorId: 'BANK-1', withRecourse: true, date: overdueDay(2) } })
      .thenThrows(RuleViolation, /overdue invoice cannot be assigned/);
  });
});

describe('amounts in refusals', () => {
  // A finance user reads "CNY 10,000.00", not "1000000"; a JPY amount has no minor units.
  const jpy: InvoiceEvent = { type: 'InvoiceIssued', data: { ...invoice, currency: 'JPY', amount: 123_457 } };

  it('names over-allocations, credit notes and advances with their currency', () => {
    spec
      .given([jpy])
      .when(pay('P-1', 200_000, '2026-01-10', 'JPY'))
      .thenThrows(RuleViolation, /JPY 200,000 allocated to invoice INV-1, which needs only JPY 123,457/);
    spec
      .given([issued])
      .when({
        type: 'IssueCreditNote',
        data: { creditNoteId: 'CN-1', amount: 1_000_001, reason: 'returned goods', issueDate: '2026-01-10' },
      })
      .thenThrows(
        RuleViolation,
        /credit note of CNY 10,000.01 exceeds the unpaid principal of CNY 10,000.00/,
      );
    spec
      .given([
        issued,
        {
          type: 'CreditNoteIssued',
          data: {
            invoiceId: 'INV-1',
            customerId: 'C-1',
            creditNoteId: 'CN-1',
            amount: 50_000,
            currency: 'CNY',
            reason: 'returned goods',
            issueDate: '2026-01-10',
          },
        } as InvoiceEvent,
      ])
      .when({
        type: 'IssueCreditNote',
        data: { creditNoteId: 'CN-1', amount: 60_000, reason: 'returned goods', issueDate: '2026-01-10' },
      })
      .thenThrows(StateConflict, /already issued with other details \(CNY 500.00,/);
  });
});

describe('an invoice overdue for years', () => {
  /**
   * How many items of arrays were iterated while `work` ran (spreads, for...of): the work a fold
   * does, counted without a clock (a timed assertion fails on a loaded CI machine).
   */
  function itemsIterated(work: () => void): number {
    const original = Array.prototype[Symbol.iterator];
    let items = 0;
    Array.prototype[Symbol.iterator] = function (this: unknown[]) {
      const inner = original.call(this);
      return Object.assign(Object.create(inner), {
        next: () => {
          items++;
          return inner.next();
        },
      });
    } as typeof original;
    try {
      work();
    } finally {
      Array.prototype[Symbol.iterator] = original;
    }
    return items;
  }

  // Found by the fuzz run (#15, Known gaps): each day's fee copied every fee before it, so an
  // invoice due in 2000 took 2.4 s to assess and fold, one due in 1900 (46,310 fees) 24 s.
  it('charges and folds a day of interest each without going over the days before it', () => {
    const longAgo: InvoiceEvent = {
      type: 'InvoiceIssued',
      data: { ...invoice, issueDate: '2019-12-16', dueDate: '2020-01-15' },
    };
    const state = decider.evolve(decider.initialState(), longAgo);
    let events: InvoiceEvent[] = [];
    let folded: InvoiceState = state;
    const items = itemsIterated(() => {
      events = decider.decide({ type: 'AssessOverdue', data: { asOf: '2026-11-25' } }, state, new Date());
      folded = events.reduce(decider.evolve, state);
    });
    const fees = ofType(events, 'LateFeeCharged');
    // Interest for each day from day 16 (2020-01-31) through 2026-11-24 (2,490 days), and the penalty.
    expect(fees).toHaveLength(2490 + 1);
    expect((folded as Invoice).interestOpen + (folded as Invoice).penaltyOpen).toBe(
      fees.reduce((sum, e) => sum + e.data.amount, 0),
    );
    // A few items per fee (small lists of thresholds and dates), not the fees before it: copying
    // them went over 3 million.
    expect(items).toBeLessThan(50 * fees.length);
  });

  it('comes back from a snapshot with its fees, and charges on from there as the stream folded whole does', () => {
    const longAgo: InvoiceEvent = {
      type: 'InvoiceIssued',
      data: { ...invoice, issueDate: '2025-12-01', dueDate: '2026-01-01' },
    };
    const assess = (asOf: string): InvoiceCommand => ({ type: 'AssessOverdue', data: { asOf } });
    const { state } = history([longAgo], [assess('2026-03-01')]);
    const revived = reviveInvoice(JSON.parse(JSON.stringify(state)));
    expect(revived).toEqual(state);
    const later = (from: InvoiceState) =>
      decider.decide(assess('2026-04-01'), from, new Date()).reduce(decider.evolve, from);
    const [fromSnapshot, fromStream] = [later(revived), later(state)] as Invoice[];
    expect([...fromSnapshot!.charges]).toEqual([...fromStream!.charges]);
    expect(fromSnapshot!.charges.length).toBeGreaterThan((state as Invoice).charges.length);
    expect(fromSnapshot).toEqual(fromStream);
  });
});
