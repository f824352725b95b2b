import { daysBetween } from '@ar/kernel';
import { respondToPressure, unchasedPaymentDay } from './behaviour';
import { generateCompany } from './company';
import { SeededRandom } from './random';

describe('simulated customers', () => {
  const company = () =>
    generateCompany({ seed: 7, customers: 40, topFiveShare: 0.6, annualSales: 6_000_000_000 });

  it('gives the same company for the same seed, and another for another seed', () => {
    expect(company()).toEqual(company());
    expect(
      generateCompany({ seed: 8, customers: 40, topFiveShare: 0.6, annualSales: 6_000_000_000 }),
    ).not.toEqual(company());
  });

  it('has the five largest customers buy the configured share of the sales', () => {
    const customers = company();
    const total = customers.reduce((sum, c) => sum + c.expectedAnnualValue, 0);
    const topFive = customers.slice(0, 5).reduce((sum, c) => sum + c.expectedAnnualValue, 0);
    expect(topFive / total).toBeCloseTo(0.6, 2);
    expect(new Set(customers.map((c) => c.behaviour))).toEqual(
      new Set(['ON_TIME', 'HABITUAL_DELAY', 'CASH_FLOW_TROUBLE', 'EVASION']),
    );
  });

  it('refuses a company too small to have five large customers and others', () => {
    expect(() => generateCompany({ seed: 1, customers: 5, topFiveShare: 0.6, annualSales: 1 })).toThrow(
      /at least 6/,
    );
  });
});

describe('payment behaviour', () => {
  const due = '2026-03-31';
  const lateness = (behaviour: Parameters<typeof unchasedPaymentDay>[0]) =>
    Array.from({ length: 200 }, (_, i) =>
      daysBetween(due, unchasedPaymentDay(behaviour, due, new SeededRandom(i))),
    );

  it('unchased: on-time payers pay by the due date, evaders months late, the others in between', () => {
    expect(Math.max(...lateness('ON_TIME'))).toBeLessThanOrEqual(0);
    expect(Math.min(...lateness('HABITUAL_DELAY'))).toBeGreaterThanOrEqual(15);
    expect(Math.min(...lateness('CASH_FLOW_TROUBLE'))).toBeGreaterThanOrEqual(30);
    expect(Math.min(...lateness('EVASION'))).toBeGreaterThanOrEqual(90);
  });

  it('given a dunning letter, a habitual late payer mostly pays within a week; nobody pays later than meant', () => {
    const answers = Array.from({ length: 200 }, (_, i) =>
      respondToPressure('HABITUAL_DELAY', 'DUNNED', '2026-04-16', '2026-05-20', new SeededRandom(i)),
    );
    const paying = answers.filter((a) => a.kind === 'PAY');
    expect(paying.length).toBeGreaterThan(150);
    for (const a of paying)
      expect(a.kind === 'PAY' && daysBetween('2026-04-16', a.on)).toBeLessThanOrEqual(7);
    expect(
      respondToPressure('HABITUAL_DELAY', 'DUNNED', '2026-04-16', '2026-04-17', new SeededRandom(1)),
    ).toEqual({
      kind: 'IGNORE',
    });
  });

  it('when a case opens, a customer in cash-flow trouble promises a date; an evader moves only for legal action', () => {
    const promise = respondToPressure(
      'CASH_FLOW_TROUBLE',
      'CASE_OPENED',
      '2026-04-01',
      '2026-07-01',
      new SeededRandom(3),
    );
    expect(promise.kind).toBe('PROMISE');
    for (const pressure of ['REMINDED', 'CASE_OPENED', 'DUNNED'] as const) {
      expect(respondToPressure('EVASION', pressure, '2026-04-01', '2026-12-01', new SeededRandom(3))).toEqual(
        {
          kind: 'IGNORE',
        },
      );
    }
    const legal = Array.from({ length: 100 }, (_, i) =>
      respondToPressure('EVASION', 'LEGAL', '2026-05-01', '2026-12-01', new SeededRandom(i)),
    );
    expect(legal.filter((a) => a.kind === 'PAY').length).toBeGreaterThan(40);
  });
});
