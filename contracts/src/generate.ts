/**
 * Writes the documents BI and integrators consume, from the zod contracts:
 * generated/json-schema/<ceType>.json per event and generated/asyncapi.json for the topics.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CE } from './envelope';
import { PUBLIC_EVENTS } from './registry';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Every generated document, by its path under `contracts/generated/`. */
export function generatedDocuments(): Map<string, string> {
  const documents = new Map<string, string>();
  for (const contract of PUBLIC_EVENTS) {
    const schema = {
      $id: `urn:ar:${contract.ceType}`,
      title: contract.ceType,
      ...z.toJSONSchema(contract.schema),
    };
    documents.set(`json-schema/${contract.ceType}.json`, json(schema));
  }

  const topics = [...new Set(PUBLIC_EVENTS.map((c) => c.topic))];
  const asyncapi = {
    asyncapi: '3.0.0',
    info: {
      title: 'Receivables platform events',
      version: '1.0.0',
      description:
        'Domain events as CloudEvents 1.0 in Kafka binary mode: value = JSON data, attributes in ce_* headers; key = aggregate id.',
    },
    channels: Object.fromEntries(
      topics.map((topic) => [
        topic,
        {
          address: topic,
          messages: Object.fromEntries(
            PUBLIC_EVENTS.filter((c) => c.topic === topic).map((c) => [
              c.eventType,
              { $ref: `#/components/messages/${c.ceType}` },
            ]),
          ),
        },
      ]),
    ),
    components: {
      messages: Object.fromEntries(
        PUBLIC_EVENTS.map((c) => [
          c.ceType,
          {
            name: c.ceType,
            contentType: 'application/json',
            headers: {
              type: 'object',
              required: [CE.id, CE.type, CE.source, CE.subject, CE.time, CE.specversion],
              properties: Object.fromEntries(Object.values(CE).map((h) => [h, { type: 'string' }])),
            },
            payload: z.toJSONSchema(c.schema),
            bindings: { kafka: { key: { type: 'string', description: 'aggregate id (stream id)' } } },
          },
        ]),
      ),
    },
  };
  documents.set('asyncapi.json', json(asyncapi));
  return documents;
}

export const generatedDir = join(__dirname, '..', 'generated');

if (require.main === module) {
  mkdirSync(join(generatedDir, 'json-schema'), { recursive: true });
  const documents = generatedDocuments();
  for (const [path, content] of documents) writeFileSync(join(generatedDir, path), content);
  console.log(`contracts: wrote ${documents.size} documents to ${generatedDir}`);
}
