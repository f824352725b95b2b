import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import type { Deployment, ServiceName } from './deployment';

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/**
 * The simulation talks to the platform as any internal system would: over REST. It also knows
 * how to wait until the platform is quiet (every service caught up, no consumer lag), so each
 * simulated day starts from a settled state and a seed always gives the same run.
 */
export class PlatformClient {
  private readonly admin;
  private adminConnected = false;

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
    for (const service of targets) {
      const answer = await this.call(service, 'PUT', '/admin/clock', { today });
      if (answer.status !== 200)
        throw new Error(`${service} refused the clock: ${JSON.stringify(answer.body)}`);
    }
  }

  /** Resolves when two rounds in a row find nothing new anywhere and no consumer lags. */
  async quiesce(): Promise<void> {
    let previous = '';
    for (let round = 0; round < 1_000; round++) {
      const counts: number[] = [];
      for (const service of Object.keys(this.deployment.urls) as ServiceName[]) {
        const { body } = await this.call<{ eventsStored: number; eventsHandled: number }>(
          service,
          'GET',
          '/admin/progress',
        );
        counts.push(body.eventsStored, body.eventsHandled);
      }
      const lag = await this.consumerLag();
      const now = counts.join(',');
      if (lag === 0 && now === previous) return;
      previous = lag === 0 ? now : '';
      if (lag > 0 || round > 0) await new Promise((r) => setTimeout(r, lag > 0 ? 50 : 10));
    }
    throw new Error('the platform did not become quiet');
  }

  /** Messages on the run's topics not yet committed by the run's consumer groups. */
  private async consumerLag(): Promise<number> {
    if (!this.admin || !this.deployment.kafka) return 0;
    if (!this.adminConnected) {
      await this.admin.connect();
      this.adminConnected = true;
    }
    const { groupPrefix, topicPrefix } = this.deployment.kafka;
    const { groups } = await this.admin.listGroups();
    const topics = (await this.admin.listTopics()).filter(
      (t) => t.startsWith(topicPrefix) && !t.includes('.dlq.'),
    );
    const ends = new Map<string, number>();
    for (const topic of topics) {
      for (const p of await this.admin.fetchTopicOffsets(topic))
        ends.set(`${topic}:${p.partition}`, Number(p.high));
    }
    const runGroups = groups.filter((g) => g.groupId.startsWith(groupPrefix)).map((g) => g.groupId);
    let lag = 0;
    for (const group of (await this.admin.describeGroups(runGroups)).groups) {
      // Only the topics the group subscribes to (from its members' metadata) can lag.
      const subscribed = new Set(
        group.members.flatMap((m) => AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics ?? []),
      );
      const groupTopics = topics.filter((t) => subscribed.has(t));
      if (groupTopics.length === 0) continue;
      for (const { topic, partitions } of await this.admin.fetchOffsets({
        groupId: group.groupId,
        topics: groupTopics,
      })) {
        for (const p of partitions) {
          const end = ends.get(`${topic}:${p.partition}`) ?? 0;
          const committed = Math.max(0, Number(p.offset));
          lag += Math.max(0, end - committed);
        }
      }
    }
    return lag;
  }

  async close(): Promise<void> {
    if (this.adminConnected) await this.admin?.disconnect();
  }
}
