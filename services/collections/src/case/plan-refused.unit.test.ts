import type { InstalmentPlanRefusedV1 } from '@ar/contracts';
import { addDays } from '@ar/kernel';
import { deciderSpec } from '@ar/kernel/testing';
import type { IncomingEvent } from '@ar/messaging';
import type { PoolClient } from 'pg';
import { commandFor } from '../reactions/on-invoicing-event';
import { type CaseCommand, type CaseEvent, type CaseState, caseDecider } from './decider';

/**
 * A plan invoicing refuses (#14 item 1, README Known gaps "Instalment plans"): collections checks
 * a plan against what it has heard from invoicing; when invoicing counts otherwise (fees charged
 * that collections had not heard of yet), invoicing records `InstalmentPlanRefused` with the
 * reason and the amounts. The case notes it (the plan refused, in its history) and goes on being
 * chased on the invoice's own due date; nothing is stuck, nothing parked.
 *
 * The story: 1,000,000 due 2026-01-31; on day 40 collections agrees a plan of the principal it
 * knows, 1,000,000; invoicing counts 1,044,000 open (24,000 interest, 20,000 penalty) and refuses.
 */
const decider = caseDecider();
const spec = deciderSpec(decider);
const invoice = {
  invoiceId: 'INV-R',
  customerId: 'C-R',
  customerName: 'Acme Machinery',
  amount: 1_000_000,
  currency: 'CNY',
  dueDate: '2026-01-31',
  lateFeeTerms: { interestFromDay: 16, dailyInterestBp: 10, penaltyDay: 31, penaltyBp: 200 },
};
const ref = { caseId: 'INV-R', invoiceId: 'INV-R', customerId: 'C-R' };
const tracked: CaseEvent = { type: 'InvoiceTracked', data: invoice };
const day = (n: number) => addDays(invoice.dueDate, n);
const agreedOn = day(40); // 2026-03-12
const at = (d: string) => new Date(`${d}T03:00:00Z`); // 11:00 in Shanghai
const runDay = (today: string): CaseCommand => ({ type: 'RunDay', data: { today, tier: 'COOPERATIVE' } });

const instalments = [
  { dueDate: '2026-03-31', amount: 333_333 },
  { dueDate: '2026-04-30', amount: 333_333 },
  { dueDate: '2026-05-29', amount: 333_334 },
];
const agreed: CaseEvent = {
  type: 'InstalmentPlanAgreed',
  data: { ...ref, planId: 'PLAN-R', instalments, date: agreedOn, fees: 'INCLUDED' },
};
const refusal: InstalmentPlanRefusedV1 = {
  invoiceId: 'INV-R',
  customerId: 'C-R',
  currency: 'CNY',
  planId: 'PLAN-R',
  agreedDate: agreedOn,
  code: 'PLAN_DOES_NOT_MATCH_OPEN_AMOUNT',
  reason:
    'instalments add up to CNY 10,000.00; open on 2026-03-12: CNY 10,440.00 (principal CNY 10,000.00, interest CNY 240.00, penalty CNY 200.00)',
  planned: 1_000_000,
  fees: 'INCLUDED',
  open: { principal: 1_000_000, interest: 24_000, penalty: 20_000, total: 1_044_000 },
};
const heard = async (): Promise<CaseCommand> => {
  const command = await commandFor(
    {} as PoolClient,
    {
      type: 'InstalmentPlanRefused',
      data: refusal,
    } as unknown as IncomingEvent,
  );
  if (!command) throw new Error('InstalmentPlanRefused means nothing to the case');
  return command;
};

function run(commands: CaseCommand[], events: CaseEvent[]) {
  let state: CaseState = events.reduce(decider.evolve, decider.initialState());
  const produced: CaseEvent[] = [];
  for (const c of commands) {
    const next = decider.decide(c, state, at(c.type === 'RunDay' ? c.data.today : agreedOn));
    produced.push(...next);
    state = next.reduce(decider.evolve, state);
  }
  return { produced, state };
}

describe('a plan invoicing refuses is noted on the case, which goes on', () => {
  it('notes the refusal with its reason and what invoicing counts open', async () => {
    spec
      .given([tracked, agreed])
      .when(await heard(), at(agreedOn))
      .then([
        {
          type: 'InstalmentPlanRefusedNoted',
          data: {
            ...ref,
            planId: 'PLAN-R',
            code: 'PLAN_DOES_NOT_MATCH_OPEN_AMOUNT',
            reason: refusal.reason,
            planned: 1_000_000,
            fees: 'INCLUDED',
            open: refusal.open,
            agreedDate: agreedOn,
            date: agreedOn,
          },
        },
      ]);
  });

  it('the refusal heard again is noted once', async () => {
    const command = await heard();
    expect(run([command, command], [tracked, agreed]).produced.map((e) => e.type)).toEqual([
      'InstalmentPlanRefusedNoted',
    ]);
  });

  it('after the refusal the case is still chased on the invoice’s own due date, rung by rung', async () => {
    // Opened and escalated before the plan (days 1, 16, 31), then the refusal: the day run goes on.
    const before = run([runDay(day(1)), runDay(day(16)), runDay(day(31))], [tracked]);
    const { produced, state } = run(
      [await heard(), runDay(day(46)), runDay(day(91))],
      [tracked, ...before.produced, agreed],
    );
    expect(state).toMatchObject({ status: 'OPEN', plan: undefined });
    expect(produced).toContainEqual(
      expect.objectContaining({ type: 'CaseEscalated', data: expect.objectContaining({ daysOverdue: 91 }) }),
    );
  });
});
