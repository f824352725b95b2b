import { addDays } from '@ar/kernel';
import { testInfra } from '../../../tests/support/infra';
import { type RunResult, runSimulation } from '../src/run';
import { type Agreement, checkAgreement } from './simulation-agreement';

/**
 * The cross-service end-to-end test: a small seeded simulation, every service its own process,
 * over real Kafka; then the read models are checked against each other.
 */
describe('a small simulated company, distributed over real Kafka', () => {
  const { databaseUrl, kafkaBrokers } = testInfra();
  const options = {
    seed: 11,
    days: 50,
    customers: 8,
    topFiveShare: 0.6,
    annualSales: 3_000_000_000,
    startDate: '2026-01-05',
    policies: 'on' as const,
    mode: 'distributed' as const,
    databaseUrl,
    kafkaBrokers,
  };
  let result: RunResult;
  let agreement: Agreement;

  beforeAll(async () => {
    result = await runSimulation({
      ...options,
      inspect: async (platform, deployment) => {
        agreement = await checkAgreement(platform, deployment, addDays(options.startDate, options.days - 1));
      },
    });
  }, 240_000);

  it('did business: contracts, invoices, payments, overdue invoices and collection', () => {
    expect(result.tally.invoicesIssued).toBeGreaterThan(10);
    expect(result.tally.paymentsMade).toBeGreaterThan(0);
    expect(agreement.overdueInvoices).toBeGreaterThan(0);
    expect(result.figures.automatedReminderShare).not.toBeNull();
  });

  it("has each invoice's open amount in reporting equal to invoicing's own state", () => {
    expect(agreement.invoices).toBe(result.tally.invoicesIssued);
    expect(agreement.openAmountMismatches).toEqual([]);
  });

  it('has a collection case for each overdue invoice', () => {
    expect(agreement.overdueWithoutCase).toEqual([]);
  });

  it('lost no event and applied none twice', () => {
    for (const [producer, counts] of Object.entries(agreement.eventsPublished)) {
      expect({ producer, ...counts }).toEqual({
        producer,
        stored: counts.stored,
        inReporting: counts.stored,
      });
      expect(counts.stored).toBeGreaterThan(0);
    }
    expect(agreement.duplicateEventsInReporting).toBe(0);
  });
});
