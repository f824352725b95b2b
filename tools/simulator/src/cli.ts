/**
 * `pnpm simulate`: a company's year of business through the real services, with the platform's
 * policies on and off, and the figures that come out. `pnpm simulate --help` lists the options.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type IsoDate, toIsoDate } from '@ar/kernel';
import { localDatabaseUrl, localKafkaBrokers } from '@ar/platform';
import { Presets, SingleBar } from 'cli-progress';
import type { Policies } from './deployment';
import { type RunResult, runSimulation } from './run';

const HELP = `Usage: pnpm simulate [options]

Simulates a company's customers (industries, regions, scales, the top five buying a share of the
sales) with payment behaviours (on time, habitual delay, cash-flow trouble, evasion), and drives
their contracts, milestones, invoices, payments and promises through the real services over REST,
one business day at a time. Then reads overdue rate, 60-day collection, DSO and the automated
reminder share from the reporting service, for the platform's policies on and off.

Options:
  --seed <n>            random seed; the same seed gives the same run        (default 42)
  --days <n>            business period in calendar days                      (default 365)
  --customers <n>       customers, at least 6                                 (default 40)
  --top-five <share>    share of sales bought by the five largest customers   (default 0.6)
  --annual-sales <n>    annual sales on credit, in currency units (CNY)       (default 60000000)
  --start <date>        first business date                                   (default 2026-01-01)
  --policies <which>    on | off | both                                       (default both)
  --mode <mode>         embedded (one process) | distributed (Kafka, a process per service)
                                                                              (default embedded)
  --out <file>          also write the results as JSON to this file
  -h, --help            this help

Servers: DATABASE_URL (else the test PostgreSQL is started); distributed also KAFKA_BROKERS
(else a local Kafka broker is started). Each run gets its own database or schemas and topics.`;

function fail(message: string): never {
  process.stderr.write(`pnpm simulate: ${message}\nTry pnpm simulate --help\n`);
  process.exit(2);
}

function parseOptions() {
  const parsed = (() => {
    try {
      return parseArgs({
        options: {
          seed: { type: 'string', default: '42' },
          days: { type: 'string', default: '365' },
          customers: { type: 'string', default: '40' },
          'top-five': { type: 'string', default: '0.6' },
          'annual-sales': { type: 'string', default: '60000000' },
          start: { type: 'string', default: '2026-01-01' },
          policies: { type: 'string', default: 'both' },
          mode: { type: 'string', default: 'embedded' },
          out: { type: 'string' },
          help: { type: 'boolean', short: 'h', default: false },
        },
        strict: true,
      });
    } catch (error) {
      fail((error as Error).message);
    }
  })();
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  const integer = (name: string, value: string, min: number, max: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      fail(`--${name} must be a whole number from ${min} to ${max}, not "${value}"`);
    return n;
  };
  const topFiveShare = Number(v['top-five']);
  if (!(topFiveShare > 0 && topFiveShare < 1))
    fail(`--top-five must be a share between 0 and 1, not "${v['top-five']}"`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v.start) || toIsoDate(new Date(`${v.start}T00:00:00Z`)) !== v.start) {
    fail(`--start must be a date like 2026-01-01, not "${v.start}"`);
  }
  if (!['on', 'off', 'both'].includes(v.policies))
    fail(`--policies must be on, off or both, not "${v.policies}"`);
  if (!['embedded', 'distributed'].includes(v.mode))
    fail(`--mode must be embedded or distributed, not "${v.mode}"`);
  return {
    seed: integer('seed', v.seed, 0, 2 ** 31 - 1),
    days: integer('days', v.days, 1, 3650),
    customers: integer('customers', v.customers, 6, 10_000),
    topFiveShare,
    annualSales: integer('annual-sales', v['annual-sales'], 1_000, 1e13) * 100,
    startDate: v.start as IsoDate,
    policies: (v.policies === 'both' ? ['off', 'on'] : [v.policies]) as Policies[],
    mode: v.mode as 'embedded' | 'distributed',
    out: v.out,
  };
}

const percent = (ratio: number | null) => (ratio === null ? 'n/a' : `${(ratio * 100).toFixed(1)}%`);

/** The policies-off and -on runs side by side: the table the README shows. */
export function summaryTable(results: RunResult[]): string {
  const rows: [string, (r: RunResult) => string][] = [
    ['overdue rate (by amount)', (r) => percent(r.figures.overdueRateByAmount)],
    ['overdue rate (by count)', (r) => percent(r.figures.overdueRateByCount)],
    ['collected within 60 days', (r) => percent(r.figures.collectedWithin60Days)],
    ['DSO (90-day window)', (r) => (r.figures.dso === null ? 'n/a' : `${r.figures.dso} days`)],
    ['automated reminder share', (r) => percent(r.figures.automatedReminderShare)],
    ['contracts signed on credit', (r) => String(r.tally.contractsSigned)],
    ['contracts refused credit (prepaid)', (r) => String(r.tally.contractsRefused)],
    ['invoices issued', (r) => String(r.tally.invoicesIssued)],
    ['payments', (r) => String(r.tally.paymentsMade)],
    ['promises made / kept', (r) => `${r.tally.promisesMade} / ${r.tally.promisesKept}`],
    ['paid earlier after a reminder or escalation', (r) => String(r.tally.paidAfterPressure)],
    ['customer-care calls / freezes lifted', (r) => `${r.tally.callsMade} / ${r.tally.unfreezes}`],
    ['events stored', (r) => String(r.events)],
    ['run time', (r) => `${r.seconds} s`],
  ];
  const header = ['figure', ...results.map((r) => `policies ${r.policies}`)];
  const body = rows.map(([label, cell]) => [label, ...results.map(cell)]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

/** A run's events, its mean business day, and where it waited for a quiet platform. */
export function waitingLine(r: RunResult, days: number): string {
  const w = r.waiting;
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return `policies ${r.policies}: ${r.events} events, ${r.seconds} s (${s((r.seconds * 1000) / days)} a day); waited for a quiet platform ${w.quiesces} times in ${w.rounds} rounds: progress ${s(w.progressMs)}, Kafka lag ${s(w.lagMs)}, pauses ${s(w.sleepMs)}`;
}

async function main() {
  const options = parseOptions();
  const databaseUrl = localDatabaseUrl();
  const kafkaBrokers = options.mode === 'distributed' ? localKafkaBrokers() : undefined;
  const results: RunResult[] = [];
  for (const policies of options.policies) {
    // A redrawn bar on a terminal; a line every few seconds in a log (CI).
    const bar = new SingleBar(
      {
        format:
          ' policies {policies} |{bar}| {value}/{total} days | {date} | invoices {invoices} | payments {payments}',
        hideCursor: true,
        noTTYOutput: true,
        notTTYSchedule: 5_000,
      },
      Presets.shades_classic,
    );
    bar.start(options.days, 0, { policies, date: options.startDate, invoices: 0, payments: 0 });
    try {
      results.push(
        await runSimulation({
          ...options,
          policies,
          databaseUrl,
          ...(kafkaBrokers ? { kafkaBrokers } : {}),
          onDay: (date, index, tally) =>
            bar.update(index + 1, {
              policies,
              date,
              invoices: tally.invoicesIssued,
              payments: tally.paymentsMade,
            }),
        }),
      );
    } finally {
      bar.stop();
    }
  }
  const command = `pnpm simulate ${process.argv.slice(2).join(' ')}`.trim();
  process.stdout.write(
    `\n${command}: ${options.customers} customers (top five ${options.topFiveShare * 100}% of sales), ${options.days} days from ${options.startDate}, seed ${options.seed}, ${options.mode}; figures as of ${results[0]?.figures.asOf}\n\n${summaryTable(results)}\n\n${results.map((r) => waitingLine(r, options.days)).join('\n')}\n`,
  );
  if (options.out) writeFileSync(options.out, `${JSON.stringify({ command, options, results }, null, 2)}\n`);
}

main().catch((error) => {
  process.stderr.write(`pnpm simulate failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
