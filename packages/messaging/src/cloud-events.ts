import {
  CE,
  cloudEventType,
  PUBLIC_EVENTS,
  type PublicEventContract,
  parseCloudEventType,
} from '@ar/contracts';

const CONTRACTS_BY_CE_TYPE = new Map(PUBLIC_EVENTS.map((c) => [c.ceType, c]));

import type { EventMetadata, RecordedEvent } from '@ar/kernel';
import { parseStreamName } from '@ar/kernel';
import type { BusMessage, ConsumedMessage } from './message-bus';

/** A stored event as a CloudEvents binary-mode message; key = the aggregate's id. */
export function toBusMessage(
  event: RecordedEvent,
  service: string,
  contract?: PublicEventContract,
  previousSequence?: number,
): BusMessage {
  const { id } = parseStreamName(event.streamId);
  const headers: Record<string, string> = {
    [CE.id]: event.eventId,
    [CE.type]: contract?.ceType ?? cloudEventType(service, event.type),
    [CE.source]: `/ar/${service}`,
    [CE.subject]: event.streamId,
    [CE.time]: event.recordedAt.toISOString(),
    [CE.specversion]: '1.0',
    [CE.sequence]: String(event.streamPosition),
    ...(previousSequence === undefined ? {} : { [CE.previousSequence]: String(previousSequence) }),
    [CE.contentType]: 'application/json',
    [CE.correlationId]: event.metadata.correlationId,
  };
  if (contract) headers[CE.dataschema] = `urn:ar:${contract.ceType}`;
  if (event.metadata.causationId) headers[CE.causationId] = event.metadata.causationId;
  if (event.metadata.traceparent) headers[CE.traceparent] = event.metadata.traceparent;
  if (event.metadata.tracestate) headers[CE.tracestate] = event.metadata.tracestate;
  return { key: id, value: JSON.stringify(event.data), headers };
}

/** An event received from another service, as its producer recorded it. */
export interface IncomingEvent extends RecordedEvent {
  service: string;
  version: number;
  /** The stream's previous public event's position, when the producer said (see CE.previousSequence). */
  previousSequence?: number | undefined;
}

/**
 * The metadata of a command a service runs in reaction to `event`: the same correlation and
 * trace, caused by that event, on behalf of the reaction. One rule for every reaction, so a
 * trace continues across services whichever service reacts.
 */
export function reactionMetadata(event: IncomingEvent): EventMetadata {
  return {
    correlationId: event.metadata.correlationId,
    causationId: event.eventId,
    traceparent: event.metadata.traceparent,
    tracestate: event.metadata.tracestate,
    actor: `reaction:${event.type}`,
  };
}

export class MalformedMessage extends Error {
  override readonly name = 'MalformedMessage';
}

function sequenceHeader(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new MalformedMessage(`${CE.previousSequence} is not a position: ${value}`);
  return n;
}

export function fromBusMessage(message: ConsumedMessage): IncomingEvent {
  const h = message.headers;
  const missing = [CE.id, CE.type, CE.subject, CE.time].filter((k) => !h[k]);
  if (missing.length > 0) throw new MalformedMessage(`missing CloudEvents headers: ${missing.join(', ')}`);
  let parsedType: ReturnType<typeof parseCloudEventType>;
  let data: object;
  try {
    parsedType = parseCloudEventType(h[CE.type]!);
    data = JSON.parse(message.value);
  } catch (error) {
    throw new MalformedMessage(`unreadable event ${h[CE.id]}: ${(error as Error).message}`);
  }
  // A public event must match its contract's schema: what does not is poison, parked, never acted on.
  const contract = CONTRACTS_BY_CE_TYPE.get(h[CE.type]!);
  if (contract) {
    const checked = contract.schema.safeParse(data);
    if (!checked.success) {
      const problems = checked.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`);
      throw new MalformedMessage(
        `event ${h[CE.id]} does not match ${contract.ceType}: ${problems.join('; ')}`,
      );
    }
  }
  const metadata: EventMetadata = {
    correlationId: h[CE.correlationId] ?? h[CE.id]!,
    causationId: h[CE.causationId],
    traceparent: h[CE.traceparent],
    tracestate: h[CE.tracestate],
  };
  return {
    eventId: h[CE.id]!,
    streamId: h[CE.subject]!,
    streamPosition: Number(h[CE.sequence] ?? 0),
    globalPosition: 0n,
    type: parsedType.eventType,
    data,
    metadata,
    recordedAt: new Date(h[CE.time]!),
    service: parsedType.service,
    version: parsedType.version,
    previousSequence: sequenceHeader(h[CE.previousSequence]),
  };
}
