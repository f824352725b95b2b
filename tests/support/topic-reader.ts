import { CE } from '@ar/contracts';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';

/** A message as read back from a topic, with the CloudEvents headers a check needs. */
export interface ReadMessage {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  /** The producer's timestamp (ms). */
  timestamp: number;
  id: string;
  type: string;
  subject: string;
  sequence: number;
}

/**
 * Reads `topics` from the beginning to their current end with a plain kafkajs consumer, as BI
 * would: no code of ours in between.
 */
export async function readTopics(
  brokers: string[],
  groupId: string,
  topics: string[],
  timeoutMs = 60_000,
  sasl?: SASLOptions,
) {
  const kafka = new Kafka({ clientId: groupId, brokers, logLevel: logLevel.NOTHING, ...(sasl && { sasl }) });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, number>();
  try {
    for (const topic of topics)
      for (const p of await admin.fetchTopicOffsets(topic))
        ends.set(`${topic}:${p.partition}`, Number(p.high));
  } finally {
    await admin.disconnect();
  }
  const messages = new Map<string, ReadMessage[]>(topics.map((t) => [t, []]));
  const pending = new Set([...ends].filter(([, high]) => high > 0).map(([k]) => k));
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`topics not read to their end within ${timeoutMs} ms: ${[...pending]}`)),
        timeoutMs,
      );
      if (pending.size === 0) {
        clearTimeout(timer);
        resolve();
        return;
      }
      consumer
        .run({
          eachMessage: async ({ topic, partition, message }) => {
            const header = (name: string) => message.headers?.[name]?.toString() ?? '';
            const offset = Number(message.offset);
            messages.get(topic)!.push({
              topic,
              partition,
              offset,
              key: message.key?.toString() ?? '',
              timestamp: Number(message.timestamp),
              id: header(CE.id),
              type: header(CE.type),
              subject: header(CE.subject),
              sequence: Number(header(CE.sequence)),
            });
            const key = `${topic}:${partition}`;
            if (offset + 1 >= (ends.get(key) ?? 0) && pending.delete(key) && pending.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  for (const list of messages.values()) list.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  return messages;
}

/**
 * Order per stream as a consumer sees it: for each subject, the first copy of each `ce_sequence`
 * must come in increasing order (a copy again later - a republished batch - is a duplicate, not
 * disorder). Also: a stream's messages all on one partition. Returns what breaks it.
 */
export function orderProblems(messages: ReadMessage[]): string[] {
  const problems: string[] = [];
  const streams = new Map<string, { partition: number; last: number; seen: Set<number> }>();
  for (const m of messages) {
    const s = streams.get(m.subject) ?? { partition: m.partition, last: 0, seen: new Set<number>() };
    streams.set(m.subject, s);
    if (s.partition !== m.partition)
      problems.push(`${m.subject} on partitions ${s.partition} and ${m.partition}`);
    if (s.seen.has(m.sequence)) continue;
    s.seen.add(m.sequence);
    if (m.sequence <= s.last)
      problems.push(
        `${m.topic} ${m.subject}: @${m.sequence} first seen after @${s.last} (offset ${m.offset})`,
      );
    s.last = Math.max(s.last, m.sequence);
  }
  return problems;
}
