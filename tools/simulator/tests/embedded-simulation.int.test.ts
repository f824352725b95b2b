import { testInfra } from '../../../tests/support/infra';
import { runSimulation } from '../src/run';

/** The embedded default (one process), run twice: the same seed gives the same figures. */
describe('the simulation in one process', () => {
  const { databaseUrl } = testInfra();
  const options = {
    seed: 5,
    days: 40,
    customers: 8,
    topFiveShare: 0.6,
    annualSales: 3_000_000_000,
    startDate: '2026-02-02',
    mode: 'embedded' as const,
    databaseUrl,
  };

  it('gives the same events and figures for the same seed', async () => {
    const first = await runSimulation({ ...options, policies: 'on' });
    const second = await runSimulation({ ...options, policies: 'on' });
    expect(first.tally.invoicesIssued).toBeGreaterThan(5);
    expect(second.tally).toEqual(first.tally);
    expect(second.figures).toEqual(first.figures);
  }, 170_000);

  it('runs without collections and tiering when the policies are off', async () => {
    const off = await runSimulation({ ...options, policies: 'off' });
    expect(off.tally.contractsRefused).toBe(0);
    expect(off.tally.promisesMade).toBe(0);
    expect(off.figures.automatedReminderShare).toBeNull();
  }, 120_000);
});
