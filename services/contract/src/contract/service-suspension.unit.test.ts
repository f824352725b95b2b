import { BusinessCalendar } from '@ar/kernel';
import { deciderSpec } from '@ar/kernel/testing';
import { DEFAULT_CLAUSE_POLICY } from '../clauses/clause-library';
import {
  type ContractCommand,
  type ContractEvent,
  type ContractState,
  contractDecider,
  type MilestoneDraft,
} from './decider';
import { contractView } from './handler';
import type { Contract } from './state';

// The service-suspension clause (DOMAIN.md §2): after-sales service is suspended when the
// acceptance invoice is due and still unpaid 10 days after acceptance; a payment that day
// prevents it. 2026-01-16 is a Friday; day 10 after it is Monday 2026-01-26.
const calendar = new BusinessCalendar();
const decider = contractDecider({ calendar, clauses: DEFAULT_CLAUSE_POLICY });
const spec = deciderSpec(decider);

const milestones = (acceptanceTerm: MilestoneDraft['term']): MilestoneDraft[] => [
  {
    milestoneId: 'SIGN',
    name: '30% on signing',
    shareBp: 3000,
    trigger: 'SIGNING',
    term: { days: 5, basis: 'WORKING' },
  },
  {
    milestoneId: 'ACCEPT',
    name: '70% on acceptance',
    shareBp: 7000,
    trigger: 'ACCEPTANCE',
    term: acceptanceTerm,
  },
];
const draft = (term: MilestoneDraft['term']): ContractCommand => ({
  type: 'DraftContract',
  data: {
    contractId: 'K-9',
    customerId: 'C-9',
    title: 'Packaging line',
    value: 1_000_000,
    currency: 'CNY',
    tier: 'COOPERATIVE',
    milestones: milestones(term),
    date: '2026-01-02',
  },
});
const check = (today: string): ContractCommand => ({ type: 'CheckServiceSuspension', data: { today } });
const invoice = (status: 'INVOICED' | 'PAID', date: string): ContractCommand => ({
  type: 'RecordMilestoneInvoice',
  data: { milestoneId: 'ACCEPT', invoiceId: 'INV-K9-ACCEPT', status, date },
});

/** The commands one after the other from the `given` history: what they produced, where it ends. */
function sequence(given: ContractEvent[], commands: ContractCommand[]) {
  let state: ContractState = given.reduce(decider.evolve, decider.initialState());
  const produced: ContractEvent[] = [];
  for (const c of commands) {
    const next = decider.decide(c, state, new Date('2026-01-05T09:00:00+08:00'));
    produced.push(...next);
    state = next.reduce(decider.evolve, state);
  }
  return { state, produced };
}
const accepted = (term: MilestoneDraft['term'] = { days: 3, basis: 'WORKING' }) =>
  sequence(
    [],
    [
      draft(term),
      { type: 'SignContract', data: { date: '2026-01-05', credit: { approved: true, reasons: [] } } },
      { type: 'RecordDeliverable', data: { kind: 'ACCEPTANCE', date: '2026-01-16' } },
      invoice('INVOICED', '2026-01-16'),
    ],
  ).produced;
const types = (events: ContractEvent[]) => events.map((e) => e.type);

describe('service suspension: unpaid and due, 10 days after acceptance', () => {
  it('does not suspend on the 10th day itself: the customer may still pay that day', () => {
    spec.given(accepted()).when(check('2026-01-26')).thenNothingHappened();
  });

  it('suspends the day after the 10th day when the acceptance invoice is due and unpaid', () => {
    spec
      .given(accepted())
      .when(check('2026-01-27'))
      .then([
        {
          type: 'ServiceSuspended',
          data: {
            contractId: 'K-9',
            customerId: 'C-9',
            milestoneId: 'ACCEPT',
            invoiceId: 'INV-K9-ACCEPT',
            acceptedDate: '2026-01-16',
            dueDate: '2026-01-21',
            date: '2026-01-27',
            reason:
              'invoice INV-K9-ACCEPT due 2026-01-21 still unpaid at the end of 2026-01-26, 10 days after acceptance',
          },
        },
      ]);
  });

  it("is prevented by a payment on the 10th day, after that day's job ran", () => {
    const { produced } = sequence(accepted(), [
      check('2026-01-26'), // the day job, in the morning
      invoice('PAID', '2026-01-26'), // the customer pays in the afternoon
      check('2026-01-27'),
      check('2026-01-28'),
    ]);
    expect(types(produced)).toEqual(['MilestoneInvoiceStatus']);
  });

  it('does not suspend for an acceptance invoice not yet due (a 30-day term), until it is overdue', () => {
    // Due 30 days after 2026-01-16: Sunday 2026-02-15, so Monday 2026-02-16.
    const given = accepted({ days: 30, basis: 'CALENDAR' });
    spec.given(given).when(check('2026-01-27')).thenNothingHappened();
    spec.given(given).when(check('2026-02-16')).thenNothingHappened();
    spec
      .given(given)
      .when(check('2026-02-17'))
      .thenContains([
        {
          type: 'ServiceSuspended',
          data: expect.objectContaining({ dueDate: '2026-02-16', date: '2026-02-17' }),
        },
      ]);
  });

  it('resumes the service when the invoice is paid, and shows both dates on the contract', () => {
    const { state, produced } = sequence(accepted(), [check('2026-01-27'), invoice('PAID', '2026-02-03')]);
    expect(types(produced)).toEqual(['ServiceSuspended', 'MilestoneInvoiceStatus', 'ServiceResumed']);
    expect(contractView(state as Contract, 7)).toMatchObject({
      serviceSuspended: false,
      suspensions: [
        {
          milestoneId: 'ACCEPT',
          invoiceId: 'INV-K9-ACCEPT',
          suspendedDate: '2026-01-27',
          resumedDate: '2026-02-03',
          withdrawn: false,
        },
      ],
    });
  });

  it('withdraws a suspension when a payment recorded later was received by the 10th day', () => {
    // The bank line of a payment received on day 10 is matched two days later.
    const { state, produced } = sequence(accepted(), [check('2026-01-27'), invoice('PAID', '2026-01-26')]);
    expect(produced.at(-1)).toMatchObject({
      type: 'ServiceResumed',
      data: { date: '2026-01-27', withdrawn: true },
    });
    expect(contractView(state as Contract, 7).suspensions).toEqual([
      expect.objectContaining({ suspendedDate: '2026-01-27', resumedDate: '2026-01-27', withdrawn: true }),
    ]);
  });
});
