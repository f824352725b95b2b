import { type Admin, AssignerProtocol, Kafka, logLevel } from 'kafkajs';

export const SERVICES = ['credit-scoring', 'contract', 'invoicing', 'collections', 'reporting'] as const;
export type ServiceName = (typeof SERVICES)[number];

// biome-ignore lint/suspicious/noExplicitAny: answers are compared as JSON, not typed
export type Json = any;

/** A command with a client-chosen id, so sending it again is safe. */
export type Command =
  | { kind: 'customer'; id: string; body: Record<string, unknown> }
  | { kind: 'invoice'; id: string; body: Record<string, unknown> }
  | { kind: 'payment'; id: string; body: Record<string, unknown> };

/** One business day of commands: batches run one after the other, the commands of a batch at once. */
export interface Phase {
  day: string;
  batches: Command[][];
}

export interface Ack {
  kind: Command['kind'];
  id: string;
  status: number;
  attempts: number;
  /** `check`: a 409 on a retry, and the GET showed the command applied. */
  via: 'answer' | 'check';
  url: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Refused extends Error {
  override readonly name = 'Refused';
}

function where(command: Command): { service: ServiceName; post: string; get: string } {
  switch (command.kind) {
    case 'customer':
      return { service: 'credit-scoring', post: '/customers', get: `/customers/${command.id}/credit` };
    case 'invoice':
      return { service: 'invoicing', post: '/invoices', get: `/invoices/${command.id}` };
    case 'payment':
      return { service: 'invoicing', post: '/payments', get: `/payments/${command.id}` };
  }
}

function applied(command: Command, found: Json): boolean {
  const b = command.body as Json;
  switch (command.kind) {
    case 'customer':
      return found?.profile?.customerId === b.customerId && found?.profile?.name === b.name;
    case 'invoice':
      return found?.customerId === b.customerId && found?.amount === b.amount;
    case 'payment':
      return found?.customerId === b.customerId && found?.amount === b.amount;
  }
}

/**
 * Sends commands over REST the way a client behind a load balancer does: round robin over the
 * service's instances, each command again (same id, same body, next instance) until a 2xx
 * acknowledges it; a 409 on a retry means it may have been applied by an attempt whose answer
 * was lost: a GET says. A 4xx other than 409 is a refusal, and fails the run.
 */
export class Driver {
  readonly acks: Ack[] = [];
  readonly stats = { requests: 0, retries: 0, checkedAfter409: 0, failures: {} as Record<string, number> };
  private readonly turn = new Map<string, number>();

  /**
   * `authorization` gives the bearer token every request carries (the issuer the services trust:
   * the served test issuer for processes, the in-process one for services started here).
   */
  constructor(
    private readonly urls: (service: ServiceName) => string[],
    private readonly authorization: () => Promise<{ authorization: string }>,
    private readonly commandTimeoutMs = 120_000,
  ) {}

  private next(service: ServiceName): string {
    const urls = this.urls(service);
    const n = this.turn.get(service) ?? 0;
    this.turn.set(service, n + 1);
    return urls[n % urls.length]!;
  }

  async call(
    url: string,
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: unknown,
    timeoutMs = 20_000,
  ): Promise<{ status: number; body: Json }> {
    this.stats.requests++;
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(await this.authorization()),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: Json = text;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      // not JSON: kept as text
    }
    return { status: response.status, body: parsed };
  }

  /** A read on any instance that answers (for checks). */
  async get(service: ServiceName, path: string): Promise<{ status: number; body: Json }> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const answer = await this.call(this.next(service), 'GET', path);
        if (answer.status < 500) return answer;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      if (Date.now() > deadline) throw new Error(`GET ${service}${path} kept failing`);
      await sleep(200);
    }
  }

  private failed(outcome: string) {
    this.stats.failures[outcome] = (this.stats.failures[outcome] ?? 0) + 1;
  }

  async send(command: Command): Promise<Ack> {
    const { service, post, get } = where(command);
    const deadline = Date.now() + this.commandTimeoutMs;
    let last = '';
    for (let attempt = 1; ; attempt++) {
      if (Date.now() > deadline)
        throw new Error(
          `${command.kind} ${command.id} not acknowledged in ${this.commandTimeoutMs} ms: ${last}`,
        );
      const url = this.next(service);
      try {
        const answer = await this.call(url, 'POST', post, command.body);
        if (answer.status === 200 || answer.status === 201) {
          const ack: Ack = {
            kind: command.kind,
            id: command.id,
            status: answer.status,
            attempts: attempt,
            via: 'answer',
            url,
          };
          this.acks.push(ack);
          return ack;
        }
        if (answer.status === 409) {
          const found = await this.call(url, 'GET', get);
          if (found.status === 200 && applied(command, found.body)) {
            this.stats.checkedAfter409++;
            const ack: Ack = {
              kind: command.kind,
              id: command.id,
              status: 409,
              attempts: attempt,
              via: 'check',
              url,
            };
            this.acks.push(ack);
            return ack;
          }
        }
        if (answer.status >= 400 && answer.status < 500 && answer.status !== 409)
          throw new Refused(
            `${command.kind} ${command.id} refused: ${answer.status} ${JSON.stringify(answer.body)}`,
          );
        last = `${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
        this.failed(String(answer.status));
      } catch (error) {
        if (error instanceof Refused) throw error;
        const e = error as Error & { cause?: { code?: string } };
        last = `${e.name}: ${e.cause?.code ?? e.message}`;
        this.failed(e.cause?.code ?? e.name);
      }
      this.stats.retries++;
      await sleep(Math.min(100 * attempt, 1000));
    }
  }

  /** Moves one service's business clock (on whichever instance answers; the day is shared). */
  async moveClock(service: ServiceName, today: string): Promise<void> {
    const deadline = Date.now() + this.commandTimeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      try {
        const answer = await this.call(this.next(service), 'PUT', '/admin/clock', { today }, 60_000);
        if (answer.status === 200) return;
        if (answer.status >= 400 && answer.status < 500)
          throw new Refused(`${service} refused the clock: ${JSON.stringify(answer.body)}`);
        last = String(answer.status);
      } catch (error) {
        if (error instanceof Refused) throw error;
        last = (error as Error).message;
      }
      this.stats.retries++;
      await sleep(300);
    }
    throw new Error(`${service}: clock not moved to ${today}: ${last}`);
  }
}

/** Runs `work` over `items`, `concurrency` at a time, starting at most one every `intervalMs`. */
export async function paced<T>(
  items: T[],
  concurrency: number,
  intervalMs: number,
  work: (item: T) => Promise<unknown>,
): Promise<void> {
  let index = 0;
  let nextStart = Date.now();
  const worker = async () => {
    while (index < items.length) {
      const item = items[index++]!;
      const wait = nextStart - Date.now();
      nextStart = Math.max(Date.now(), nextStart) + intervalMs;
      if (wait > 0) await sleep(wait);
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/**
 * Where a deployment's Kafka is and how its groups and topics are named: enough to tell whether
 * every consumer group has committed everything on the topics it reads.
 */
export interface KafkaScope {
  brokers: string[];
  groupPrefix: string;
  topicPrefix: string;
}

/**
 * Messages on the scope's topics that its groups have not committed, or why that cannot be told
 * yet: a group not settled (rebalancing, or no members after a broker restart), fewer groups
 * than `groups`.
 */
export async function consumerLag(
  admin: Admin,
  scope: KafkaScope,
  groups: number,
): Promise<{ lag: number; why: string }> {
  const listed = (await admin.listGroups()).groups
    .map((g) => g.groupId)
    .filter((g) => g.startsWith(scope.groupPrefix) && !g.endsWith('.verifier'));
  if (listed.length < groups)
    return { lag: Number.POSITIVE_INFINITY, why: `${listed.length} of ${groups} groups listed` };
  const topics = (await admin.listTopics()).filter(
    (t) => t.startsWith(scope.topicPrefix) && !t.includes('.dlq.'),
  );
  const ends = new Map<string, number>();
  for (const topic of topics)
    for (const p of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}:${p.partition}`, Number(p.high));
  let lag = 0;
  const lagging: string[] = [];
  for (const group of (await admin.describeGroups(listed)).groups) {
    const name = group.groupId.slice(scope.groupPrefix.length);
    if (group.state !== 'Stable' || group.members.length === 0)
      return {
        lag: Number.POSITIVE_INFINITY,
        why: `${name} ${group.state} with ${group.members.length} members`,
      };
    const subscribed = new Set(
      group.members.flatMap((m) => AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics ?? []),
    );
    const groupTopics = topics.filter((t) => subscribed.has(t));
    if (groupTopics.length === 0) continue;
    for (const { topic, partitions } of await admin.fetchOffsets({
      groupId: group.groupId,
      topics: groupTopics,
    }))
      for (const p of partitions) {
        const behind = Math.max(
          0,
          (ends.get(`${topic}:${p.partition}`) ?? 0) - Math.max(0, Number(p.offset)),
        );
        if (behind > 0)
          lagging.push(`${name} ${topic.slice(scope.topicPrefix.length)}/${p.partition}: ${behind}`);
        lag += behind;
      }
  }
  return { lag, why: lagging.join(', ') };
}

/** How many consumer groups of the scope exist now (taken once every instance is up). */
export async function countGroups(scope: KafkaScope): Promise<number> {
  const admin = new Kafka({
    clientId: 'groups-counter',
    brokers: scope.brokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    return (await admin.listGroups()).groups.filter((g) => g.groupId.startsWith(scope.groupPrefix)).length;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits until the deployment is quiet: every service answers `GET /admin/progress` (its relay and
 * projections caught up) with the same counts two rounds in a row, and no consumer group lags.
 * `all`: every instance must answer; otherwise one per service is enough (others may be
 * restarting). Resolves with how long it took.
 */
export async function quiesce(
  driver: Driver,
  urls: Record<ServiceName, string[]>,
  scope: KafkaScope,
  groups: number,
  options: { all: boolean; timeoutMs: number; trace?: (line: string) => void },
): Promise<number> {
  const started = Date.now();
  let traced = started;
  const kafka = new Kafka({ clientId: 'quiesce', brokers: scope.brokers, logLevel: logLevel.NOTHING });
  let admin: Admin | undefined;
  let previous = '';
  let last = '';
  try {
    while (Date.now() - started < options.timeoutMs) {
      const counts: string[] = [];
      let complete = true;
      for (const service of SERVICES) {
        let answered = 0;
        for (const url of urls[service]) {
          try {
            const { status, body } = await driver.call(url, 'GET', '/admin/progress', undefined, 30_000);
            if (status !== 200) throw new Error(`${status}`);
            if (answered === 0) counts.push(`${body.eventsStored}/${body.eventsHandled}`);
            answered++;
          } catch (error) {
            last = `${service} ${url}: ${(error as Error).message}`;
          }
        }
        if (answered === 0 || (options.all && answered < urls[service].length)) complete = false;
      }
      let lag = Number.POSITIVE_INFINITY;
      try {
        if (!admin) {
          admin = kafka.admin();
          await admin.connect();
        }
        const found = await consumerLag(admin, scope, groups);
        lag = found.lag;
        if (lag !== 0) last = `consumer lag: ${found.why}`;
      } catch (error) {
        last = `kafka: ${(error as Error).message}`;
        await admin?.disconnect().catch(() => {});
        admin = undefined;
      }
      const now = counts.join(',');
      if (complete && lag === 0 && now === previous) return Date.now() - started;
      previous = complete && lag === 0 ? now : '';
      if (process.env.QUIESCE_DEBUG)
        options.trace?.(`round: complete ${complete} lag ${lag} counts ${now} (${last})`);
      if (options.trace && Date.now() - traced > 5000) {
        traced = Date.now();
        options.trace(`quiet? ${Math.round((traced - started) / 1000)} s: ${last}`);
      }
      await sleep(lag === 0 ? 100 : 300);
    }
    throw new Error(`not quiet within ${options.timeoutMs} ms (last: ${last})`);
  } finally {
    await admin?.disconnect().catch(() => {});
  }
}

/**
 * Drives the phases: each phase's batches (each command until acknowledged), then - before the
 * next day - waits for quiet and moves every service's clock: the producers' first, quiet again,
 * then collections and reporting, whose day jobs read what the others published.
 */
export async function drive(
  driver: Driver,
  phases: Phase[],
  options: {
    concurrency: number;
    /** The least time between two commands' starts, per day (steady load). */
    intervalMs: (index: number) => number;
    quiet: () => Promise<number>;
    /** Before the day: before the wait for quiet and the clock moves. */
    beforePhase?: (index: number) => Promise<void>;
    /** When the day's commands are about to go out (the clocks moved). */
    beforeCommands?: (index: number) => Promise<void>;
    onQuiet?: (ms: number) => void;
  },
): Promise<void> {
  // Not `onQuiet?.(await quiet())`: an optional call skips its arguments, the wait with them.
  const quiet = async () => {
    const ms = await options.quiet();
    options.onQuiet?.(ms);
  };
  for (const [index, phase] of phases.entries()) {
    await options.beforePhase?.(index);
    if (index > 0) {
      await quiet();
      for (const service of ['credit-scoring', 'contract', 'invoicing'] as const)
        await driver.moveClock(service, phase.day);
      await quiet();
      for (const service of ['collections', 'reporting'] as const) await driver.moveClock(service, phase.day);
    }
    await options.beforeCommands?.(index);
    for (const batch of phase.batches)
      await paced(batch, options.concurrency, options.intervalMs(index), (command) => driver.send(command));
  }
  await quiet();
}
