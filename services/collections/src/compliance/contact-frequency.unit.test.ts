import type { IsoDate } from '@ar/kernel';
import { screenFrequency } from './contact-frequency';
import { DEFAULT_COMPLIANCE_RULES } from './screening';

/**
 * The contact limit is about a person (#18 probe F2): one message a day and three in seven days to
 * the customer, counted over all its invoices' messages. `given` the days messages went to the
 * customer (whichever invoice), `when` another is about to go, `thenIs` it goes or waits for the
 * first day the limit allows - never dropped.
 */
const given = (sentOn: IsoDate[]) => ({
  when: (day: IsoDate) => ({
    thenIs: (expected: ReturnType<typeof screenFrequency>) =>
      expect(screenFrequency(day, sentOn, DEFAULT_COMPLIANCE_RULES)).toEqual(expected),
  }),
});

describe('how often one customer is contacted', () => {
  it('sends the first message of the day to the customer', () => {
    given(['2026-03-06']).when('2026-03-09').thenIs({ outcome: 'SEND' });
  });

  it('defers a second message to the customer on one day (another invoice of theirs) to the next day', () => {
    given(['2026-03-09']).when('2026-03-09').thenIs({
      outcome: 'DEFERRED',
      rule: 'frequency-per-day',
      matched: '1 message(s) to the customer already on 2026-03-09',
      until: '2026-03-10',
    });
  });

  it('defers a fourth message in seven days to the first day the oldest of the three is out of the window', () => {
    given(['2026-03-09', '2026-03-10', '2026-03-11']).when('2026-03-12').thenIs({
      outcome: 'DEFERRED',
      rule: 'frequency-per-week',
      matched: '3 message(s) to the customer in the 7 days to 2026-03-12',
      until: '2026-03-16',
    });
  });

  it('counts only the seven days up to the day', () => {
    given(['2026-03-02', '2026-03-10', '2026-03-11']).when('2026-03-12').thenIs({ outcome: 'SEND' });
  });

  it('a day over both limits waits for the first day within both', () => {
    given(['2026-03-10', '2026-03-11', '2026-03-12']).when('2026-03-12').thenIs({
      outcome: 'DEFERRED',
      rule: 'frequency-per-day',
      matched: '1 message(s) to the customer already on 2026-03-12',
      until: '2026-03-17',
    });
  });
});
