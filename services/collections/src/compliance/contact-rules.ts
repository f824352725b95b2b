import { addDays, type IsoDate } from '@ar/kernel';
import type { Channel, ContactPreferences } from '../contact/decider';

const WEEKDAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'] as const;

export type ContactScreening =
  | {
      outcome: 'SEND';
      channel: Channel;
      to: string | undefined;
      attention: string | undefined;
      language: 'en' | 'zh';
    }
  | { outcome: 'DEFERRED'; rule: 'quiet-day'; matched: string; until: IsoDate }
  | { outcome: 'HELD'; rule: 'no-contact' | 'opted-out'; matched: string };

/** Whether `day` is one of the customer's quiet days (a weekday named, or the date itself). */
export function isQuietDay(quietDays: ContactPreferences['quietDays'], day: IsoDate): boolean {
  const weekday = WEEKDAYS[new Date(`${day}T00:00:00Z`).getUTCDay()]!;
  return quietDays.some((q) => q === day || q === weekday);
}

/**
 * The contact rules of a message about to go out (issue 18 item 3), after the wording and hours
 * screen: the channel the customer prefers (else the message's own), never one they opted out of
 * (held for a person), an email only to a contact person with an address (held for a person), and
 * never on a quiet day (deferred to the next day that is not). The letter goes in the customer's
 * language. Without any preferences recorded, a channel that reaches nobody (`requiresAddress`
 * false: the recording channel) records the message as before; one that does is held.
 */
export function screenContact(
  prefs: ContactPreferences | undefined,
  messageChannel: Channel,
  day: IsoDate,
  requiresAddress: (channel: Channel) => boolean,
): ContactScreening {
  const channel = prefs?.channel ?? messageChannel;
  const optedOut = prefs?.optedOut.find((o) => o.channel === channel);
  if (optedOut)
    return {
      outcome: 'HELD',
      rule: 'opted-out',
      matched: `the customer asked on ${optedOut.date} not to be contacted by ${channel} (recorded by ${optedOut.recordedBy})`,
    };
  if (prefs && isQuietDay(prefs.quietDays, day)) {
    let until = addDays(day, 1);
    for (let i = 0; i < 400 && isQuietDay(prefs.quietDays, until); i++) until = addDays(until, 1);
    return {
      outcome: 'DEFERRED',
      rule: 'quiet-day',
      matched: `${day} is a quiet day of the customer`,
      until,
    };
  }
  const person =
    channel === 'EMAIL'
      ? prefs?.contacts.find((c) => c.email)
      : channel === 'SMS'
        ? prefs?.contacts.find((c) => c.phone)
        : prefs?.contacts[0];
  if (!person && (prefs || requiresAddress(channel)))
    return {
      outcome: 'HELD',
      rule: 'no-contact',
      matched: `no contact person with ${channel === 'EMAIL' ? 'an email address' : channel === 'SMS' ? 'a phone number' : 'a name'} for the customer`,
    };
  return {
    outcome: 'SEND',
    channel,
    to: channel === 'EMAIL' ? person?.email : channel === 'SMS' ? person?.phone : undefined,
    attention: person?.name,
    language: prefs?.language ?? 'zh',
  };
}
