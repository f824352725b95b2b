import { addDays, type IsoDate } from '@ar/kernel';
import type { PaymentBehaviour } from './company';
import type { SeededRandom } from './random';

/**
 * What a customer does with an invoice, before and after the platform acts. These are the
 * simulation's assumptions about people, not the platform's rules: the platform's rules are in
 * the services, and the simulation only observes what they did (a reminder, a dunning letter, a
 * case handed to legal) through their APIs.
 */

/** The day the customer would pay if nobody chased it. */
export function unchasedPaymentDay(
  behaviour: PaymentBehaviour,
  dueDate: IsoDate,
  random: SeededRandom,
): IsoDate {
  switch (behaviour) {
    case 'ON_TIME':
      return addDays(dueDate, -random.int(0, 5));
    case 'HABITUAL_DELAY':
      return addDays(dueDate, random.int(15, 45));
    case 'CASH_FLOW_TROUBLE':
      return addDays(dueDate, random.int(30, 90));
    case 'EVASION':
      return addDays(dueDate, random.int(90, 300));
  }
}

/** What the platform had done about an invoice when the customer looked. */
export type Pressure =
  | 'REMINDED' // a reminder before or on the due date
  | 'CASE_OPENED' // overdue, a person called (customer care)
  | 'DUNNED' // a formal dunning letter and a credit freeze
  | 'LEGAL'; // handed to legal

export type Response =
  | { kind: 'PAY'; on: IsoDate }
  | { kind: 'PROMISE'; on: IsoDate; keep: boolean }
  | { kind: 'IGNORE' };

/**
 * How a customer answers pressure on `today`, given the day it meant to pay. A habitual late
 * payer pays on a reminder sometimes and on a dunning letter mostly; one in cash-flow trouble
 * promises a date when called and mostly keeps it; an evader moves only for legal action, and
 * not always. Nobody pays later than they meant to.
 */
export function respondToPressure(
  behaviour: PaymentBehaviour,
  pressure: Pressure,
  today: IsoDate,
  meantToPay: IsoDate,
  random: SeededRandom,
): Response {
  const earlier = (days: number): Response => {
    const on = addDays(today, days);
    return on < meantToPay ? { kind: 'PAY', on } : { kind: 'IGNORE' };
  };
  switch (behaviour) {
    case 'ON_TIME':
      return { kind: 'IGNORE' };
    case 'HABITUAL_DELAY':
      if (pressure === 'REMINDED')
        return random.chance(0.35) ? earlier(random.int(0, 3)) : { kind: 'IGNORE' };
      if (pressure === 'CASE_OPENED')
        return random.chance(0.3) ? earlier(random.int(2, 10)) : { kind: 'IGNORE' };
      return random.chance(0.85) ? earlier(random.int(1, 7)) : { kind: 'IGNORE' };
    case 'CASH_FLOW_TROUBLE':
      if (pressure === 'CASE_OPENED') {
        const on = addDays(today, random.int(14, 30));
        return on < meantToPay ? { kind: 'PROMISE', on, keep: random.chance(0.7) } : { kind: 'IGNORE' };
      }
      if (pressure === 'DUNNED') return random.chance(0.4) ? earlier(random.int(5, 20)) : { kind: 'IGNORE' };
      return { kind: 'IGNORE' };
    case 'EVASION':
      return pressure === 'LEGAL' && random.chance(0.6) ? earlier(random.int(10, 30)) : { kind: 'IGNORE' };
  }
}
