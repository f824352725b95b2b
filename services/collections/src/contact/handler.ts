import { NotFound, parseStreamName } from '@ar/kernel';
import { aggregate, type ServiceContext } from '@ar/platform';
import type { InlineProjection, Migration } from '@ar/postgres';
import type { Pool, PoolClient } from 'pg';
import {
  type ContactEvent,
  type ContactPreferences,
  contactDecider,
  evolveContact,
  hasPreferences,
} from './decider';

export const contactMigrations: Migration[] = [
  {
    id: 'collections-contacts-001',
    sql: 'create table contact_preferences (customer_id text primary key, preferences jsonb not null)',
  },
];

/** Each customer's preferences, kept in the append's own transaction: the next screen sees them. */
export const contactsLookup: InlineProjection = {
  name: 'contact-preferences',
  async apply(client, streamId, events) {
    const { category, id } = parseStreamName(streamId);
    if (category !== 'contact') return;
    let state = (await preferencesOf(client, id)) ?? contactDecider.initialState();
    for (const e of events) state = evolveContact(state, e as unknown as ContactEvent);
    await client.query(
      `insert into contact_preferences (customer_id, preferences) values ($1, $2)
       on conflict (customer_id) do update set preferences = excluded.preferences`,
      [id, JSON.stringify(state)],
    );
  },
};

/** The customer's contact preferences, or undefined when none were ever recorded. */
export async function preferencesOf(
  db: Pool | PoolClient,
  customerId: string,
): Promise<ContactPreferences | undefined> {
  const { rows } = await db.query<{ preferences: ContactPreferences }>(
    'select preferences from contact_preferences where customer_id = $1',
    [customerId],
  );
  return rows[0]?.preferences;
}

export function contactHandler(ctx: ServiceContext) {
  return aggregate(ctx, {
    category: 'contact',
    decider: contactDecider,
    exists: hasPreferences,
    notFound: (id) =>
      new NotFound(
        'CONTACT_PREFERENCES_NOT_FOUND',
        `no contact preferences for customer ${id}`,
        'customerId',
      ),
  });
}
