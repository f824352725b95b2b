import { RuleViolation } from '@ar/kernel';
import { deciderSpec } from '@ar/kernel/testing';
import { screenContact } from '../compliance/contact-rules';
import { type ContactEvent, type ContactPreferences, contactDecider, evolveContact } from './decider';

const spec = deciderSpec(contactDecider);
const prefs = {
  customerId: 'C-1',
  contacts: [{ name: 'Li Wei', email: 'ap@widgets.example', role: 'accounts payable' }],
  channel: 'EMAIL' as const,
  language: 'en' as const,
  quietDays: ['SATURDAY' as const, 'SUNDAY' as const, '2026-03-04'],
  recordedBy: 'collector-1',
  date: '2026-03-01',
};
const set: ContactEvent = { type: 'ContactPreferencesSet', data: prefs };
const optedOut: ContactEvent = {
  type: 'ChannelOptedOut',
  data: {
    customerId: 'C-1',
    channel: 'EMAIL',
    reason: 'asked by phone',
    recordedBy: 'sales-7',
    date: '2026-03-02',
  },
};
const stateOf = (events: ContactEvent[]) =>
  events.reduce(evolveContact, contactDecider.initialState()) as ContactPreferences;
const always = () => true;

describe('contact preferences and consent', () => {
  it('records contact persons, channel, language and quiet days', () =>
    spec.given([]).when({ type: 'SetContactPreferences', data: prefs }).then([set]));

  it('the same preferences again change nothing', () =>
    spec
      .given([set])
      .when({ type: 'SetContactPreferences', data: { ...prefs, recordedBy: 'other', date: '2026-03-05' } })
      .thenNothingHappened());

  it("records a customer's 'stop contacting me by email' with who recorded it", () =>
    spec.given([set]).when({ type: 'OptOut', data: optedOut.data }).then([optedOut]));

  it('refuses to choose a channel the customer opted out of', () =>
    spec
      .given([set, optedOut])
      .when({ type: 'SetContactPreferences', data: { ...prefs, language: 'zh' } })
      .thenThrows(RuleViolation, /asked on 2026-03-02 not to be contacted by EMAIL \(recorded by sales-7\)/));

  it('consent recorded again lifts the opt-out', () =>
    spec
      .given([set, optedOut])
      .when({
        type: 'OptIn',
        data: { customerId: 'C-1', channel: 'EMAIL', recordedBy: 'c', date: '2026-03-09' },
      })
      .thenContains([{ type: 'ChannelOptedIn' }]));
});

describe('the compliance screen uses the contact preferences', () => {
  it('an email goes to the contact person with an address, in the customer language', () =>
    expect(screenContact(stateOf([set]), 'EMAIL', '2026-03-02', always)).toEqual({
      outcome: 'SEND',
      channel: 'EMAIL',
      to: 'ap@widgets.example',
      attention: 'Li Wei',
      language: 'en',
    }));

  it('no email to a customer without an email contact: held for a person', () =>
    expect(
      screenContact(
        stateOf([
          { ...set, data: { ...prefs, contacts: [{ name: 'Li', role: 'cfo', phone: '+86 10 1234' }] } },
        ]),
        'EMAIL',
        '2026-03-02',
        always,
      ),
    ).toMatchObject({ outcome: 'HELD', rule: 'no-contact' }));

  it('no preferences at all: a channel that reaches people holds it, the recording channel records it', () => {
    expect(screenContact(undefined, 'EMAIL', '2026-03-02', always)).toMatchObject({ outcome: 'HELD' });
    expect(screenContact(undefined, 'EMAIL', '2026-03-02', () => false)).toMatchObject({ outcome: 'SEND' });
  });

  it('a channel the customer opted out of is not used: held for a person', () =>
    expect(screenContact(stateOf([set, optedOut]), 'EMAIL', '2026-03-02', always)).toMatchObject({
      outcome: 'HELD',
      rule: 'opted-out',
      matched: expect.stringContaining('recorded by sales-7'),
    }));

  it('a quiet day defers to the next day that is not (weekdays and dates)', () => {
    // 2026-03-07 is a Saturday: Sunday is quiet too, Monday is not.
    expect(screenContact(stateOf([set]), 'EMAIL', '2026-03-07', always)).toMatchObject({
      outcome: 'DEFERRED',
      until: '2026-03-09',
    });
    expect(screenContact(stateOf([set]), 'EMAIL', '2026-03-04', always)).toMatchObject({
      outcome: 'DEFERRED',
      until: '2026-03-05',
    });
  });
});
