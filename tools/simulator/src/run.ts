import { addDays, type IsoDate } from '@ar/kernel';
import { generateCompany } from './company';
import { type Deployment, type Policies, startDistributed, startEmbedded } from './deployment';
import { PlatformClient, type QuiesceStats } from './platform-client';
import { type SimulationTally, simulate } from './simulation';

export interface RunOptions {
  seed: number;
  days: number;
  customers: number;
  topFiveShare: number;
  annualSales: number;
  startDate: IsoDate;
  policies: Policies;
  mode: 'embedded' | 'distributed';
  databaseUrl: string;
  kafkaBrokers?: string[];
  onDay?(day: IsoDate, index: number, tally: SimulationTally): void;
  /** Called with the running platform after the last day, before it stops (checks, tests). */
  inspect?(platform: PlatformClient, deployment: Deployment): Promise<void>;
}

/** What the reporting service says of the period's last day: the figures the source reports. */
export interface RunFigures {
  asOf: IsoDate;
  overdueRateByAmount: number | null;
  overdueRateByCount: number | null;
  collectedWithin60Days: number | null;
  dso: number | null;
  automatedReminderShare: number | null;
}

export interface RunResult {
  policies: Policies;
  mode: 'embedded' | 'distributed';
  tally: SimulationTally;
  figures: RunFigures;
  /** Events the services stored over the run (every service's store, summed). */
  events: number;
  seconds: number;
  /** Where the run waited for a quiet platform (after each step of each day). */
  waiting: QuiesceStats;
}

/** One simulated company on a fresh platform: its customers registered, its period driven, its figures read. */
export async function runSimulation(options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const runId = `${options.policies}_${options.seed}_${Date.now().toString(36)}`;
  const deploymentOptions = {
    runId,
    policies: options.policies,
    startDate: options.startDate,
    databaseUrl: options.databaseUrl,
    ...(options.kafkaBrokers ? { kafkaBrokers: options.kafkaBrokers } : {}),
  };
  const deployment =
    options.mode === 'embedded'
      ? await startEmbedded(deploymentOptions)
      : await startDistributed(deploymentOptions);
  const platform = new PlatformClient(deployment);
  try {
    const customers = generateCompany(options);
    for (const c of customers) {
      const { behaviour: _behaviour, contractsPerYear: _contracts, ...registration } = c;
      const answer = await platform.call('credit-scoring', 'POST', '/customers', {
        ...registration,
        registrationNumber: `REG-${c.customerId}`,
        registeredDate: '2010-01-01',
      });
      if (answer.status !== 201)
        throw new Error(`registering ${c.customerId}: ${JSON.stringify(answer.body)}`);
    }
    await platform.quiesce();
    let dayStarted = performance.now();
    let before = { ...platform.stats };
    const tally = await simulate(platform, {
      ...options,
      customers,
      onDay: (day, index, dayTally) => {
        // SIM_TRACE=1: one line a day on stderr, where that day's time went.
        if (process.env.SIM_TRACE === '1') {
          const now = performance.now();
          const after = platform.stats;
          const ms = (key: keyof QuiesceStats) => Math.round(after[key] - before[key]);
          process.stderr.write(
            `${day} ${Math.round(now - dayStarted)} ms: clock ${ms('clockMs')}, progress ${ms('progressMs')}, lag ${ms('lagMs')}, pauses ${ms('sleepMs')}, rounds ${ms('rounds')}\n`,
          );
          dayStarted = now;
          before = { ...after };
        }
        options.onDay?.(day, index, dayTally);
      },
    });
    const asOf = addDays(options.startDate, options.days - 1);
    const figures = await readFigures(platform, asOf);
    const events = await platform.eventsStored();
    await options.inspect?.(platform, deployment);
    return {
      policies: options.policies,
      mode: options.mode,
      tally,
      figures,
      events,
      seconds: Math.round((performance.now() - started) / 1000),
      waiting: { ...platform.stats },
    };
  } finally {
    await platform.close();
    await deployment.stop();
  }
}

async function readFigures(platform: PlatformClient, asOf: IsoDate): Promise<RunFigures> {
  const get = async <T>(path: string) => (await platform.call<T>('reporting', 'GET', path)).body;
  type PerCurrency<K extends string, V> = Record<K, (V & { currency: string })[]>;
  const rates = await get<PerCurrency<'rates', { byAmount: number; byCount: number }>>(
    `/reports/overdue-rate?asOf=${asOf}`,
  );
  const collected = await get<PerCurrency<'rates', { rate: number | null }>>(
    `/reports/collection-rate?asOf=${asOf}&days=60`,
  );
  const dso = await get<PerCurrency<'dso', { dso: number | null }>>(`/reports/dso?asOf=${asOf}&days=90`);
  const kpis = await get<{ automatedReminderShare: number | null }>(`/reports/collection-kpis?asOf=${asOf}`);
  return {
    asOf,
    overdueRateByAmount: rates.rates[0]?.byAmount ?? null,
    overdueRateByCount: rates.rates[0]?.byCount ?? null,
    collectedWithin60Days: collected.rates[0]?.rate ?? null,
    dso: dso.dso[0]?.dso ?? null,
    automatedReminderShare: kpis.automatedReminderShare,
  };
}
