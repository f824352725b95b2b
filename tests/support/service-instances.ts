import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stopProcess } from '@ar/platform';
import { ensureBuilt, spawnBuilt } from './built';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A lease changing hands, as the instances log it ("lease taken" / "lease given up"). */
export interface LeaseEvent {
  lease: string;
  instance: string;
  taken: boolean;
  at: number;
}

/** An exit nobody asked for: a crash. */
export interface Crash {
  instance: string;
  code: number | null;
  signal: string | null;
  at: number;
  lastLines: string[];
}

/**
 * One instance of a service as its own process, run as production runs it: the built JavaScript
 * (`pnpm build`, done here first; `node infra/deploy/dist/<name>/main.js`, no TypeScript loaded),
 * on a port of its own that it keeps across restarts. Its output goes to a log file; the lease
 * lines are followed, so a test knows which instance runs which relay and projection.
 */
export class ServiceInstance {
  child: ChildProcess | undefined;
  /** Whether the current process answered /ready since it was started. */
  ready = false;
  starts = 0;
  private expectingExit = false;
  /** Stopped for good: no start again. */
  private retired = false;
  private readonly log: WriteStream;
  private readonly recent: string[] = [];

  constructor(
    readonly service: string,
    readonly index: number,
    readonly port: number,
    private readonly env: Record<string, string>,
    logDir: string,
    private readonly fleet: Fleet,
  ) {
    mkdirSync(logDir, { recursive: true });
    this.log = createWriteStream(join(logDir, `${this.name}.log`), { flags: 'a' });
  }

  get name(): string {
    return `${this.service}#${this.index}`;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process (again) and resolves once it answers /ready; a start that fails is tried again. */
  async start(timeoutMs = 300_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await ensureBuilt();
    for (;;) {
      if (this.retired) throw new Error(`${this.name} was stopped for good while starting`);
      this.spawn();
      const child = this.child!;
      while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
        try {
          if ((await fetch(`${this.url}/ready`, { signal: AbortSignal.timeout(2000) })).ok) {
            this.ready = true;
            return;
          }
        } catch {
          // not listening yet
        }
        await sleep(200);
      }
      if (Date.now() >= deadline) throw new Error(`${this.name} not ready within ${timeoutMs} ms`);
      // It exited while starting (e.g. a server away): a supervisor would start it again.
      this.log.write(`--- ${this.name} exited while starting (${child.exitCode}); starting again\n`);
      await sleep(500);
    }
  }

  private spawn(): void {
    this.starts++;
    this.ready = false;
    this.expectingExit = false;
    this.log.write(`--- ${new Date().toISOString()} start ${this.starts} of ${this.name}\n`);
    const child = spawnBuilt(this.service, { ...this.env, PORT: String(this.port) }, [
      'ignore',
      'pipe',
      'pipe',
    ]);
    this.child = child;
    const follow = (stream: NodeJS.ReadableStream) =>
      createInterface({ input: stream }).on('line', (line) => {
        this.log.write(`${line}\n`);
        this.recent.push(line);
        if (this.recent.length > 40) this.recent.shift();
        if (line.includes('"lease ')) this.onLeaseLine(line);
      });
    follow(child.stdout!);
    follow(child.stderr!);
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      const wasReady = this.ready;
      this.ready = false;
      this.fleet.dropLeasesOf(this.name, Date.now());
      if (!this.expectingExit)
        this.fleet.crashes.push({
          instance: wasReady ? this.name : `${this.name} (while starting)`,
          code,
          signal,
          at: Date.now(),
          lastLines: this.recent.slice(-15),
        });
    });
  }

  private onLeaseLine(line: string): void {
    try {
      const entry = JSON.parse(line) as { msg?: string; lease?: string };
      if (!entry.lease) return;
      if (entry.msg?.startsWith('lease taken')) this.fleet.leaseTaken(entry.lease, this.name, Date.now());
      if (entry.msg?.startsWith('lease given up')) this.fleet.leaseLost(entry.lease, this.name, Date.now());
    } catch {
      // not a JSON line
    }
  }

  /**
   * What this process's `GET /metrics` says of its leases: `ar_lease_owned` per lease (1 where it
   * runs the relay or projection, else 0); undefined when it does not answer (dead, starting).
   */
  async leaseMetrics(timeoutMs = 5000): Promise<Map<string, number> | undefined> {
    if (!this.alive) return undefined;
    try {
      const response = await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
      return response.ok ? leaseOwnedSamples(await response.text()) : undefined;
    } catch {
      return undefined;
    }
  }

  /** `kill -9`: no stop, no goodbye; PostgreSQL ends its sessions, Kafka its group membership later. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.expectingExit = true;
    this.ready = false;
    await stopProcess(child, 'SIGKILL');
  }

  /** SIGTERM: the graceful stop; resolves with the exit code. */
  async stop(): Promise<number | null> {
    this.retired = true;
    const child = this.child;
    if (!child || !this.alive) return child?.exitCode ?? null;
    this.expectingExit = true;
    return stopProcess(child, 'SIGTERM');
  }

  /** Ends the process whatever it is doing (cleanup). */
  async destroy(): Promise<void> {
    this.retired = true;
    if (this.alive) await this.kill9();
    this.log.end();
  }
}

/** The `ar_lease_owned{lease="..."}` samples of a Prometheus text exposition, by lease. */
export function leaseOwnedSamples(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^ar_lease_owned\{(.*)\} (\S+)$/.exec(line);
    if (!match) continue;
    const lease = /(?:^|,)lease="((?:[^"\\]|\\.)*)"/.exec(match[1]!)?.[1];
    if (lease !== undefined)
      samples.set(
        lease.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)),
        Number(match[2]),
      );
  }
  return samples;
}

/** A lease's gauge gone to 1 on an instance: which one, and when it was first seen so. */
export interface MetricOwner {
  instance: string;
  at: number;
}

/** Every instance of every service, and who holds which lease. */
export class Fleet {
  readonly instances: ServiceInstance[] = [];
  readonly leaseEvents: LeaseEvent[] = [];
  readonly crashes: Crash[] = [];
  private readonly owners = new Map<string, string>();
  private readonly waiters: (() => void)[] = [];

  constructor() {
    // Jest ending the run (a timeout, --forceExit) must not leave instances behind.
    process.once('exit', () => {
      for (const i of this.instances) if (i.alive) i.child?.kill('SIGKILL');
    });
  }

  add(instance: ServiceInstance): void {
    this.instances.push(instance);
  }

  of(service: string): ServiceInstance[] {
    return this.instances.filter((i) => i.service === service);
  }

  leaseTaken(lease: string, instance: string, at: number): void {
    this.owners.set(lease, instance);
    this.leaseEvents.push({ lease, instance, taken: true, at });
    for (const wake of this.waiters.splice(0)) wake();
  }

  leaseLost(lease: string, instance: string, at: number): void {
    if (this.owners.get(lease) === instance) this.owners.delete(lease);
    this.leaseEvents.push({ lease, instance, taken: false, at });
  }

  /** A process that died holds nothing any more. */
  dropLeasesOf(instance: string, at: number): void {
    for (const [lease, owner] of [...this.owners]) {
      if (owner !== instance) continue;
      this.owners.delete(lease);
      this.leaseEvents.push({ lease, instance, taken: false, at });
    }
  }

  ownerOf(lease: string): string | undefined {
    return this.owners.get(lease);
  }

  leasesOf(instance: string): string[] {
    return [...this.owners].filter(([, owner]) => owner === instance).map(([lease]) => lease);
  }

  /** Resolves with when another instance took `lease` after `since`, or undefined after `timeoutMs`. */
  async takenOver(lease: string, by: (instance: string) => boolean, since: number, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.leaseEvents.find(
        (e) => e.taken && e.lease === lease && e.at >= since && by(e.instance),
      );
      if (found) return found;
      if (Date.now() > deadline) return undefined;
      await Promise.race([new Promise<void>((r) => this.waiters.push(r)), sleep(250)]);
    }
  }

  /**
   * Polls `GET /metrics` of the live instances of `service` (but `not`, the process that held the
   * lease) until one reports `ar_lease_owned{lease} 1`: who and when, or undefined after `timeoutMs`.
   */
  async metricOwner(
    lease: string,
    service: string,
    not: ChildProcess | undefined,
    timeoutMs: number,
  ): Promise<MetricOwner | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const instance of this.of(service)) {
        if (!instance.alive || instance.child === not) continue;
        const samples = await instance.leaseMetrics();
        if (samples?.get(lease) === 1) return { instance: instance.name, at: Date.now() };
      }
      if (Date.now() > deadline) return undefined;
      await sleep(100);
    }
  }

  /**
   * Every live instance's `ar_lease_owned` of every lease its service has: lease -> the instances
   * reporting 1 (the lease's service comes from the instances reporting it).
   */
  async metricOwners(): Promise<Map<string, string[]>> {
    const owners = new Map<string, string[]>();
    const scraped = await Promise.all(
      this.instances.map(async (i) => [i.name, await i.leaseMetrics()] as const),
    );
    for (const [name, samples] of scraped)
      for (const [lease, value] of samples ?? []) {
        const list = owners.get(lease) ?? [];
        if (value === 1) list.push(name);
        owners.set(lease, list);
      }
    return owners;
  }

  async destroy(): Promise<void> {
    await Promise.all(this.instances.map((i) => i.destroy()));
  }
}
