import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import type { Deployment, ServiceName } from './deployment';

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** Where the waiting for a quiet platform went: the per-day cost a distributed run adds. */
export interface QuiesceStats {
  quiesces: number;
  rounds: number;
  /** Milliseconds in GET /admin/progress (each service waits for its relay and read models). */
  progressMs: number;
  /** Milliseconds asking Kafka for the consumer groups' lag. */
  lagMs: number;
  /** Milliseconds slept between rounds. */
  sleepMs: number;
  /** Milliseconds moving the clock (each service runs its day jobs before it answers). */
  clockMs: number;
}

/**
 * The simulation talks to the platform as any internal system would: over REST. It also knows
 * how to wait until the platform is quiet (every service caught up, no consumer lag), so each
 * simulated day starts from a settled state and a seed always gives the same run.
 */
export class PlatformClient {
  private readonly admin;
  private adminConnected = false;
  /** The run's groups and their topics, for the current wait (see runSubscriptions). */
  private subscriptions: { groupId: string; topics: string[] }[] | undefined;
  readonly stats: QuiesceStats = {
    quiesces: 0,
    rounds: 0,
    progressMs: 0,
    lagMs: 0,
    sleepMs: 0,
    clockMs: 0,
  };

  constructor(private readonly deployment: Deployment) {
    this.admin = deployment.kafka
      ? new Kafka({
          clientId: 'simulator',
          brokers: deployment.kafka.brokers,
          logLevel: logLevel.NOTHING,
        }).admin()
      : undefined;
  }

  has(service: ServiceName): boolean {
    return this.deployment.urls[service] !== undefined;
  }

  async call<T = Record<string, unknown>>(
    service: ServiceName,
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: unknown,
  ): Promise<Answer<T>> {
    const base = this.deployment.urls[service];
    if (!base) throw new Error(`${service} is not running in this deployment`);
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: this.deployment.authorization,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      // A 503 is a dependency briefly away (credit-scoring asked by contract): try again.
      if (response.status === 503 && attempt < 5) {
        await new Promise((r) => setTimeout(r, 200 * attempt));
        continue;
      }
      if (response.status >= 500)
        throw new Error(`${method} ${service}${path} answered ${response.status}: ${text}`);
      return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
    }
  }

  /** Moves the business date of every service (one clock each when distributed). */
  async advanceClock(today: string): Promise<void> {
    const services = Object.keys(this.deployment.urls) as ServiceName[];
    const targets = this.deployment.mode === 'embedded' ? services.slice(0, 1) : services;
    const started = performance.now();
    for (const service of targets) {
      const answer = await this.call(service, 'PUT', '/admin/clock', { today });
      if (answer.status !== 200)
        throw new Error(`${service} refused the clock: ${JSON.stringify(answer.body)}`);
    }
    this.stats.clockMs += performance.now() - started;
  }

  /** Resolves when two rounds in a row find nothing new anywhere and no consumer lags. */
  async quiesce(): Promise<void> {
    let previous = '';
    const stats = this.stats;
    stats.quiesces++;
    this.subscriptions = undefined;
    for (let round = 0; round < 1_000; round++) {
      stats.rounds++;
      // Every service at once: each answers when its own relay and read models caught up.
      let t = performance.now();
      const answers = await Promise.all(
        (Object.keys(this.deployment.urls) as ServiceName[]).map((service) =>
          this.call<{ eventsStored: number; eventsHandled: number }>(service, 'GET', '/admin/progress'),
        ),
      );
      const counts = answers.flatMap(({ body }) => [body.eventsStored, body.eventsHandled]);
      stats.progressMs += performance.now() - t;
      t = performance.now();
      const lag = await this.consumerLag();
      stats.lagMs += performance.now() - t;
      const now = counts.join(',');
      if (lag === 0 && now === previous) return;
      previous = lag === 0 ? now : '';
      t = performance.now();
      if (lag > 0 || round > 0) await new Promise((r) => setTimeout(r, lag > 0 ? 50 : 10));
      stats.sleepMs += performance.now() - t;
    }
    throw new Error('the platform did not become quiet');
  }

  /** Events stored by every service of the deployment, each in its own store. */
  async eventsStored(): Promise<number> {
    let events = 0;
    for (const service of Object.keys(this.deployment.urls) as ServiceName[]) {
      const { body } = await this.call<{ eventsStored: number }>(service, 'GET', '/admin/progress');
      events += body.eventsStored;
    }
    return events;
  }

  /**
   * The run's consumer groups and the topics each subscribes to, from the members' metadata.
   * Asked once per wait for a quiet platform, not every round: listing the groups of a shared
   * broker (thousands) costs a round more than the lag itself.
   */
  private async runSubscriptions(): Promise<{ groupId: string; topics: string[] }[]> {
    const admin = this.admin!;
    const { groupPrefix, topicPrefix } = this.deployment.kafka!;
    const { groups } = await admin.listGroups();
    const runGroups = groups.filter((g) => g.groupId.startsWith(groupPrefix)).map((g) => g.groupId);
    return (await admin.describeGroups(runGroups)).groups.map((group) => ({
      groupId: group.groupId,
      topics: [
        ...new Set(
          group.members.flatMap(
            (m) => AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics ?? [],
          ),
        ),
      ].filter((t) => t.startsWith(topicPrefix) && !t.includes('.dlq.')),
    }));
  }

  /**
   * Messages on the run's topics not yet committed by the run's consumer groups. Only the topics
   * the run's groups subscribe to are asked about (from the members' metadata), not every topic
   * on the broker: a shared broker holds thousands, and listing them was most of a round.
   */
  private async consumerLag(): Promise<number> {
    if (!this.admin || !this.deployment.kafka) return 0;
    if (!this.adminConnected) {
      await this.admin.connect();
      this.adminConnected = true;
    }
    const admin = this.admin;
    this.subscriptions ??= await this.runSubscriptions();
    const subscriptions = this.subscriptions;
    const topics = [...new Set(subscriptions.flatMap((s) => s.topics))];
    const ends = new Map<string, number>();
    await Promise.all(
      topics.map(async (topic) => {
        for (const p of await admin.fetchTopicOffsets(topic))
          ends.set(`${topic}:${p.partition}`, Number(p.high));
      }),
    );
    const lags = await Promise.all(
      subscriptions
        .filter((s) => s.topics.length > 0)
        .map(async ({ groupId, topics: groupTopics }) => {
          let lag = 0;
          for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics: groupTopics })) {
            for (const p of partitions) {
              const end = ends.get(`${topic}:${p.partition}`) ?? 0;
              lag += Math.max(0, end - Math.max(0, Number(p.offset)));
            }
          }
          return lag;
        }),
    );
    return lags.reduce((a, b) => a + b, 0);
  }

  async close(): Promise<void> {
    if (this.adminConnected) await this.admin?.disconnect();
  }
}
