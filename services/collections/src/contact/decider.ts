import type { ChannelOptedInV1, ChannelOptedOutV1, ContactPreferencesSetV1 } from '@ar/contracts';
import { type Command, type Decider, type DomainEvent, RuleViolation, sameFacts } from '@ar/kernel';

export type Channel = ContactPreferencesSetV1['channel'];

/**
 * How a customer may be reached (DOMAIN.md §4 compliance, issue 18 item 3): the contact persons,
 * the channel and language, the quiet days, and the channels the customer asked us to stop using.
 */
export interface ContactPreferences {
  customerId: string;
  contacts: ContactPreferencesSetV1['contacts'];
  channel: Channel;
  language: ContactPreferencesSetV1['language'];
  quietDays: ContactPreferencesSetV1['quietDays'];
  /** Each channel the customer opted out of, with the day and who recorded it. */
  optedOut: { channel: Channel; date: string; recordedBy: string }[];
}

export type ContactState = ContactPreferences | { customerId?: undefined };

export type ContactEvent =
  | DomainEvent<'ContactPreferencesSet', ContactPreferencesSetV1>
  | DomainEvent<'ChannelOptedOut', ChannelOptedOutV1>
  | DomainEvent<'ChannelOptedIn', ChannelOptedInV1>;

export type ContactCommand =
  | Command<'SetContactPreferences', ContactPreferencesSetV1>
  | Command<'OptOut', ChannelOptedOutV1>
  | Command<'OptIn', ChannelOptedInV1>;

export const hasPreferences = (s: ContactState): s is ContactPreferences => s.customerId !== undefined;

const none = (customerId: string): ContactPreferences => ({
  customerId,
  contacts: [],
  channel: 'EMAIL',
  language: 'zh',
  quietDays: [],
  optedOut: [],
});

export function evolveContact(state: ContactState, event: ContactEvent): ContactState {
  const s = hasPreferences(state) ? state : none(event.data.customerId);
  switch (event.type) {
    case 'ContactPreferencesSet': {
      const { contacts, channel, language, quietDays } = event.data;
      return { ...s, contacts, channel, language, quietDays };
    }
    case 'ChannelOptedOut':
      return {
        ...s,
        optedOut: [
          ...s.optedOut.filter((o) => o.channel !== event.data.channel),
          { channel: event.data.channel, date: event.data.date, recordedBy: event.data.recordedBy },
        ],
      };
    case 'ChannelOptedIn':
      return { ...s, optedOut: s.optedOut.filter((o) => o.channel !== event.data.channel) };
  }
}

/** A customer's contact preferences and consent: one stream per customer, `contact-<customerId>`. */
export const contactDecider: Decider<ContactCommand, ContactEvent, ContactState> = {
  initialState: () => ({}),
  evolve: evolveContact,
  decide(command, state) {
    const s = hasPreferences(state) ? state : undefined;
    switch (command.type) {
      case 'SetContactPreferences': {
        const { contacts, channel, language, quietDays } = command.data;
        const optedOut = s?.optedOut.find((o) => o.channel === channel);
        if (optedOut)
          throw new RuleViolation(
            'CHANNEL_OPTED_OUT',
            `the customer asked on ${optedOut.date} not to be contacted by ${channel} (recorded by ${optedOut.recordedBy}): choose another channel, or record their consent first`,
            'channel',
          );
        if (
          s &&
          sameFacts(
            { contacts, channel, language, quietDays },
            { contacts: s.contacts, channel: s.channel, language: s.language, quietDays: s.quietDays },
          )
        )
          return [];
        return [{ type: 'ContactPreferencesSet', data: command.data }];
      }
      case 'OptOut':
        return s?.optedOut.some((o) => o.channel === command.data.channel)
          ? []
          : [{ type: 'ChannelOptedOut', data: command.data }];
      case 'OptIn':
        return s?.optedOut.some((o) => o.channel === command.data.channel)
          ? [{ type: 'ChannelOptedIn', data: command.data }]
          : [];
    }
  },
};
