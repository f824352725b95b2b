/**
 * Streams are named `category-id` (Message DB's convention): `invoice-<id>`, `customer-<id>`.
 * The id part is the Kafka key, so one entity's events stay in order end to end.
 */
export function streamName(category: string, id: string): string {
  if (category.includes('-')) throw new Error(`stream category must not contain '-': ${category}`);
  return `${category}-${id}`;
}

export function parseStreamName(stream: string): { category: string; id: string } {
  const dash = stream.indexOf('-');
  if (dash <= 0) throw new Error(`not a category-id stream name: ${stream}`);
  return { category: stream.slice(0, dash), id: stream.slice(dash + 1) };
}
