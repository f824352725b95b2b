import type { PaymentTermV1 } from '@ar/contracts';
import { BusinessCalendar, RuleViolation } from '@ar/kernel';
import { deciderSpec } from '@ar/kernel/testing';
import { DEFAULT_CLAUSE_POLICY } from '../clauses/clause-library';
import { type ContractCommand, type ContractEvent, type ContractState, contractDecider } from './decider';

/** Signing on the tier's terms (DOMAIN.md §1-2): prepayment for CAUTIOUS, longer terms by exception. */
const decider = contractDecider({ calendar: new BusinessCalendar(), clauses: DEFAULT_CLAUSE_POLICY });
const spec = deciderSpec(decider);

const draft = (
  tier: 'CAUTIOUS' | 'COOPERATIVE',
  warrantyTerm: PaymentTermV1 = { days: 30, basis: 'CALENDAR' },
) =>
  ({
    type: 'DraftContract',
    data: {
      contractId: 'K-1',
      customerId: 'C-1',
      title: 'Press line',
      value: 1_000_000,
      currency: 'CNY',
      tier,
      milestones: [
        {
          milestoneId: 'ADVANCE',
          name: '30% on signing',
          shareBp: 3000,
          trigger: 'SIGNING',
          term: { days: 5, basis: 'WORKING' },
        },
        {
          milestoneId: 'ACCEPT',
          name: '60% on acceptance',
          shareBp: 6000,
          trigger: 'ACCEPTANCE',
          term: { days: 10, basis: 'WORKING' },
        },
        {
          milestoneId: 'WARRANTY',
          name: '10% after the warranty',
          shareBp: 1000,
          trigger: 'AFTER_ACCEPTANCE',
          afterDays: 365,
          term: warrantyTerm,
        },
      ],
      date: '2026-01-02',
    },
  }) satisfies ContractCommand;
type Credit = NonNullable<Extract<ContractCommand, { type: 'SignContract' }>['data']['credit']>;
/** A term exception as credit-scoring keeps it (recorded by the risk role or decided by the committee). */
type StoredException = NonNullable<Credit['termException']>;
/** Signed naming a term exception by its id; `stored`: what credit-scoring answered for it at signing. */
const sign = (paymentTermDays: number, exceptionId?: string, stored?: StoredException): ContractCommand => ({
  type: 'SignContract',
  data: {
    date: '2026-01-05',
    credit: { approved: true, reasons: [], paymentTermDays, ...(stored ? { termException: stored } : {}) },
    ...(exceptionId ? { termException: { exceptionId } } : {}),
  },
});
function given(commands: ContractCommand[]): ContractEvent[] {
  let state: ContractState = decider.initialState();
  const events: ContractEvent[] = [];
  for (const c of commands) {
    const next = decider.decide(c, state, new Date());
    events.push(...next);
    state = next.reduce(decider.evolve, state);
  }
  return events;
}
const paid = (milestoneId: string): ContractCommand => ({
  type: 'RecordMilestoneInvoice',
  data: { milestoneId, invoiceId: `K-1:${milestoneId}`, status: 'PAID', date: '2026-01-06' },
});
const deliver: ContractCommand = {
  type: 'RecordDeliverable',
  data: { kind: 'DELIVERY', date: '2026-01-07' },
};

describe('prepayment (款到发货): a CAUTIOUS customer signs, delivery waits for payment', () => {
  it('signs a CAUTIOUS contract on prepayment terms: every milestone due on signing', () => {
    const events = given([draft('CAUTIOUS'), sign(0)]);
    expect(
      events.filter((e) => e.type === 'MilestoneReached').map((e) => [e.data.milestoneId, e.data.dueDate]),
    ).toEqual([
      ['ADVANCE', '2026-01-05'],
      ['ACCEPT', '2026-01-05'],
      ['WARRANTY', '2026-01-05'],
    ]);
  });

  it('refuses the delivery while a prepayment milestone is unpaid, naming it and the amount', () => {
    spec
      .given(given([draft('CAUTIOUS'), sign(0), paid('ADVANCE')]))
      .when(deliver)
      .thenThrows(
        RuleViolation,
        /prepayment: delivery waits for payment of ACCEPT \(CNY 6,000\.00\), WARRANTY \(CNY 1,000\.00\)/,
      );
  });

  it('delivers once every prepayment milestone is paid, and only then is the contract complete', () => {
    const paidInFull = given([draft('CAUTIOUS'), sign(0), paid('ADVANCE'), paid('ACCEPT'), paid('WARRANTY')]);
    expect(paidInFull.map((e) => e.type)).not.toContain('ContractCompleted');
    spec
      .given(paidInFull)
      .when(deliver)
      .then([
        {
          type: 'DeliverableRecorded',
          data: { contractId: 'K-1', customerId: 'C-1', kind: 'DELIVERY', date: '2026-01-07' },
        },
        { type: 'ContractCompleted', data: { contractId: 'K-1', customerId: 'C-1', date: '2026-01-07' } },
      ]);
  });

  it('says so on its signature and on every milestone it bills: money asked before shipping is not credit (#14)', () => {
    const events = given([draft('CAUTIOUS'), sign(0)]);
    expect(events.find((e) => e.type === 'ContractSigned')?.data).toMatchObject({ prepayment: true });
    expect(
      events
        .filter((e) => e.type === 'MilestoneReached')
        .map((e) => (e.data as { prepayment?: boolean }).prepayment),
    ).toEqual([true, true, true]);
    const onCredit = given([draft('COOPERATIVE', { days: 15, basis: 'CALENDAR' }), sign(15)]);
    expect(onCredit.find((e) => e.type === 'ContractSigned')?.data).not.toHaveProperty('prepayment');
    expect(onCredit.find((e) => e.type === 'MilestoneReached')?.data).not.toHaveProperty('prepayment');
  });

  it('does not hold the delivery of a contract on credit terms', () => {
    const events = given([draft('COOPERATIVE', { days: 15, basis: 'CALENDAR' }), sign(15), deliver]);
    expect(events.at(-1)?.type).toBe('DeliverableRecorded');
  });
});

describe('a term longer than the tier allows needs a recorded exception', () => {
  it('refuses to sign a milestone term longer than the tier allows, naming the milestone', () => {
    spec
      .given(given([draft('COOPERATIVE')]))
      .when(sign(15))
      .thenThrows(RuleViolation, /WARRANTY: 30 calendar days is longer than the 15 days COOPERATIVE allows/);
  });

  it('counts a working-day term at its longest across weekends', () => {
    // 11 working days can span 17 calendar days; 10 working days at most 14.
    spec
      .given(given([draft('COOPERATIVE', { days: 11, basis: 'WORKING' })]))
      .when(sign(15))
      .thenThrows(RuleViolation, /WARRANTY: 11 working days \(up to 17 calendar days\)/);
    expect(
      given([draft('COOPERATIVE', { days: 10, basis: 'WORKING' }), sign(15)]).some(
        (e) => e.type === 'ContractSigned',
      ),
    ).toBe(true);
  });

  it('refuses a term exception credit-scoring has no record of for the customer, naming the field (#14)', () => {
    // The signature names a decision id; credit-scoring, asked at signing, found none (or another customer's).
    spec
      .given(given([draft('COOPERATIVE')]))
      .when(sign(15, 'EX-UNKNOWN', undefined))
      .thenThrows(RuleViolation, /credit-scoring has no recorded term exception EX-UNKNOWN for customer C-1/);
    try {
      decider.decide(
        sign(15, 'EX-UNKNOWN', undefined),
        given([draft('COOPERATIVE')]).reduce(decider.evolve, decider.initialState()),
        new Date(),
      );
    } catch (error) {
      expect(error).toMatchObject({ code: 'TERM_EXCEPTION_NOT_FOUND', field: 'termException.exceptionId' });
    }
  });

  it('refuses a term exception credit-scoring does not hold or did not approve even when the terms need none, so a signature records every exception it names (#14 probe F10)', () => {
    // Net 15 on COOPERATIVE needs no exception; naming one is still naming a decision.
    const withinTier = draft('COOPERATIVE', { days: 15, basis: 'CALENDAR' });
    spec
      .given(given([withinTier]))
      .when(sign(15, 'EX-UNKNOWN', undefined))
      .thenThrows(RuleViolation, /credit-scoring has no recorded term exception EX-UNKNOWN for customer C-1/);
    spec
      .given(given([withinTier]))
      .when(
        sign(15, 'EX-NO', {
          exceptionId: 'EX-NO',
          approved: false,
          termDays: 30,
          approvedBy: 'COMMITTEE',
          votes: [
            { member: 'SALES', approve: true, reason: 'key account' },
            { member: 'FINANCE', approve: false, reason: 'cash is short' },
            { member: 'LEGAL', approve: true, reason: 'retention clause' },
          ],
        }),
      )
      .thenThrows(RuleViolation, /the credit committee did not approve exception EX-NO/);
    // One it holds is recorded, needed or not.
    const stored: StoredException = {
      exceptionId: 'EX-20',
      approved: true,
      termDays: 20,
      approvedBy: 'RISK',
      decidedBy: 'risk-wang',
      reason: 'twenty days',
    };
    expect(
      given([withinTier, sign(15, 'EX-20', stored)]).find((e) => e.type === 'ContractSigned')?.data,
    ).toMatchObject({ termException: { exceptionId: 'EX-20', termDays: 20 } });
  });

  it('signs with an exception the risk role recorded in credit-scoring, and records it with its id on the signature', () => {
    const stored: StoredException = {
      exceptionId: 'EX-RISK',
      approved: true,
      termDays: 30,
      approvedBy: 'RISK',
      decidedBy: 'risk-wang',
      reason: 'warranty retention agreed in the tender',
    };
    const events = given([draft('COOPERATIVE'), sign(15, 'EX-RISK', stored)]);
    expect(events.find((e) => e.type === 'ContractSigned')?.data).toMatchObject({
      termException: {
        exceptionId: 'EX-RISK',
        approvedBy: 'RISK',
        termDays: 30,
        decidedBy: 'risk-wang',
        reason: 'warranty retention agreed in the tender',
      },
    });
  });

  it('signs with an exception the credit committee decided in credit-scoring, each member with a reason', () => {
    const votes = [
      { member: 'SALES' as const, approve: true, reason: 'key account' },
      { member: 'FINANCE' as const, approve: true, reason: 'small share' },
      { member: 'LEGAL' as const, approve: true, reason: 'retention clause' },
    ];
    const stored: StoredException = {
      exceptionId: 'EX-COM',
      approved: true,
      termDays: 30,
      approvedBy: 'COMMITTEE',
      votes,
    };
    const events = given([draft('COOPERATIVE'), sign(15, 'EX-COM', stored)]);
    expect(events.find((e) => e.type === 'ContractSigned')?.data).toMatchObject({
      termException: { exceptionId: 'EX-COM', approvedBy: 'COMMITTEE', votes },
    });
  });

  it('refuses when the committee did not approve, or the exception is shorter than the term', () => {
    const votes = [
      { member: 'SALES' as const, approve: true, reason: 'key account' },
      { member: 'FINANCE' as const, approve: false, reason: 'cash is short' },
      { member: 'LEGAL' as const, approve: true, reason: 'retention clause' },
    ];
    spec
      .given(given([draft('COOPERATIVE')]))
      .when(
        sign(15, 'EX-NO', {
          exceptionId: 'EX-NO',
          approved: false,
          termDays: 30,
          approvedBy: 'COMMITTEE',
          votes,
        }),
      )
      .thenThrows(
        RuleViolation,
        /the credit committee did not approve exception EX-NO: FINANCE: cash is short/,
      );
    spec
      .given(given([draft('COOPERATIVE')]))
      .when(
        sign(15, 'EX-20', {
          exceptionId: 'EX-20',
          approved: true,
          termDays: 20,
          approvedBy: 'RISK',
          decidedBy: 'risk-wang',
          reason: 'twenty days',
        }),
      )
      .thenThrows(
        RuleViolation,
        /WARRANTY: 30 calendar days is longer than the 20 days exception EX-20 allows/,
      );
  });
});

describe('the tier at signing', () => {
  it("holds the terms to the customer's tier when signing, not the tier it had when drafted", () => {
    const upgraded: ContractCommand = {
      type: 'SignContract',
      data: {
        date: '2026-01-05',
        credit: { approved: true, reasons: [], paymentTermDays: 30, tier: 'STRATEGIC' },
      },
    };
    const events = given([draft('COOPERATIVE', { days: 20, basis: 'CALENDAR' }), upgraded]);
    expect(events.map((e) => e.type)).toContain('ContractSigned');
  });
});
