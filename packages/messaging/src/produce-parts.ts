import type { BusMessage } from './message-bus';

/**
 * The most of messages' bytes (keys, values, headers, before compression) one produce request
 * carries. The broker refuses a record batch above `message.max.bytes` (1 MB by default, after
 * compression) and the producer puts a send's messages of one partition in one batch: a relay
 * that had fallen behind sent 15 evidence checkpoints of ~270 KB each at once, was refused
 * (MESSAGE_TOO_LARGE) and tried the same send for ever.
 */
export const PRODUCE_BYTES = 512 * 1024;

const bytesOf = (m: BusMessage) =>
  Buffer.byteLength(m.key) +
  Buffer.byteLength(m.value) +
  Object.entries(m.headers).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v), 0);

/**
 * `messages` in order, cut into consecutive parts of at most `budget` bytes each (a message above
 * it alone): sent one after the other, they keep the order a single send would.
 */
export function produceParts(messages: BusMessage[], budget = PRODUCE_BYTES): BusMessage[][] {
  const parts: BusMessage[][] = [];
  let part: BusMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = bytesOf(message);
    if (part.length > 0 && bytes + size > budget) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(message);
    bytes += size;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}
