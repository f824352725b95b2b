import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ServiceMetrics } from '@ar/platform';
import pino from 'pino';

const here = __dirname;
const dashboardFile = join(here, '..', 'grafana', 'receivables-platform.json');
const run = promisify(execFile);

/** promtool, from Debian's `prometheus` package (or PROMTOOL): missing fails the run, never skips. */
async function promtool(...args: string[]): Promise<string> {
  const bin = process.env.PROMTOOL ?? 'promtool';
  try {
    const { stdout, stderr } = await run(bin, args, { cwd: here });
    return stdout + stderr;
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error(
        `${bin} not found: install Debian's prometheus package (apt-get install -y prometheus), or set PROMTOOL`,
      );
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** Every metric name the platform exposes, with the series a histogram makes of its name. */
async function exposedNames(): Promise<Set<string>> {
  const metrics = new ServiceMetrics('test', pino({ level: 'silent' }));
  const names = new Set<string>(['up']);
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (m.type === 'histogram') for (const s of ['_bucket', '_count', '_sum']) names.add(m.name + s);
  }
  return names;
}

const dashboardExpressions = (): string[] =>
  (JSON.parse(readFileSync(dashboardFile, 'utf8')) as { panels: { targets?: { expr: string }[] }[] }).panels
    .flatMap((p) => p.targets ?? [])
    .map((t) => t.expr);

describe('alerts and dashboard as code', () => {
  it('promtool checks the alert rules', async () => {
    expect(await promtool('check', 'rules', 'alerts.yml')).toContain('SUCCESS');
  });

  it('promtool unit tests of the alert rules pass (relay and consumer lag, parked, day job late, no lease owner, error rate)', async () => {
    const out = await promtool('test', 'rules', 'alerts.test.yml');
    expect(out).toContain('SUCCESS');
    const tested = readFileSync(join(here, 'alerts.test.yml'), 'utf8');
    for (const alert of [
      'RelayBehind',
      'ConsumerLagging',
      'ConsumerStuck',
      'MessagesParked',
      'ProjectionBehind',
      'DayJobLate',
      'NoLeaseOwner',
      'LeaseOwnedTwice',
      'HighErrorRate',
      'DependencyUnreachable',
      'InstanceDown',
    ])
      expect(tested).toContain(`alertname: ${alert}`);
  });

  it('the dashboard queries are valid PromQL (checked by promtool as rules)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ar-dashboard-'));
    const rules = dashboardExpressions().map(
      (expr, i) =>
        `      - record: dashboard:panel_${i}\n        expr: ${JSON.stringify(
          expr.replaceAll('$__rate_interval', '1m').replaceAll('$service', '.*'),
        )}`,
    );
    writeFileSync(
      join(dir, 'dashboard.yml'),
      `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`,
    );
    expect(await promtool('check', 'rules', join(dir, 'dashboard.yml'))).toContain('SUCCESS');
  });

  it('every alert links to its section of the runbook', () => {
    const alerts = readFileSync(join(here, 'alerts.yml'), 'utf8');
    const names = [...alerts.matchAll(/- alert: (\w+)/g)].map((m) => m[1]!);
    const anchors = new Set(
      [...readFileSync(join(here, '..', '..', 'docs', 'runbook.md'), 'utf8').matchAll(/^### (\w+)$/gm)].map(
        (m) => m[1]!.toLowerCase(),
      ),
    );
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) {
      expect(alerts).toContain(`runbook_url: "docs/runbook.md#${name.toLowerCase()}"`);
      expect({ name, inRunbook: anchors.has(name.toLowerCase()) }).toEqual({ name, inRunbook: true });
    }
  });

  it('the alerts and the dashboard name only metrics the services expose', async () => {
    const names = await exposedNames();
    const used = new Set(
      [readFileSync(join(here, 'alerts.yml'), 'utf8'), ...dashboardExpressions()].flatMap((text) =>
        [...text.matchAll(/\bar_[a-z_]+\b/g)].map((m) => m[0]),
      ),
    );
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !names.has(name))).toEqual([]);
  });
});
