import type { CustomerProfileV1 } from '@ar/contracts';
import type { Decider } from '@ar/kernel';
import type { CustomerCommand, CustomerEvent, CustomerState } from './decider';

/**
 * A customer for tests. MANUFACTURING 600 x 0.3 = 180; revenue 50 million -> 500 x 0.3 = 150;
 * history 700 x 0.4 = 280: it scores 610, COOPERATIVE.
 */
export const acmeProfile: CustomerProfileV1 = {
  customerId: 'C-1',
  name: 'Acme Machinery',
  industry: 'MANUFACTURING',
  region: 'East China',
  headcount: 200,
  annualRevenue: 5_000_000_000,
  expectedAnnualValue: 100_000_000,
  registrationNumber: '91310000MA1FL0001X',
  registeredDate: '2015-06-01',
  salesOwner: 'sales-li',
};

/**
 * The events of a customer's credit file after years of invoices, `count` of them: registered,
 * then paid on time, overdue, paid late, paid early, again and again, with the scores that moves.
 * Payment behaviour never stops coming, which makes customer streams the longest of all.
 */
export function longCreditFile(
  decider: Decider<CustomerCommand, CustomerEvent, CustomerState>,
  count: number,
): CustomerEvent[] {
  const events: CustomerEvent[] = [];
  let state = decider.initialState();
  const record = (command: CustomerCommand) => {
    for (const event of decider.decide(command, state, new Date())) {
      events.push(event);
      state = decider.evolve(state, event);
    }
  };
  record({ type: 'RegisterCustomer', data: { profile: acmeProfile, on: '2020-01-06' } });
  const kinds = ['PAID_ON_TIME', 'OVERDUE', 'PAID_LATE', 'PAID_EARLY'] as const;
  for (let i = 0; events.length < count; i++) {
    const kind = kinds[i % kinds.length]!;
    record({
      type: 'RecordPaymentBehaviour',
      data: {
        kind,
        invoiceId: `INV-${Math.floor(i / 2)}`,
        daysOverdue: kind === 'OVERDUE' ? 30 : 0,
        date: '2026-01-05',
        sourceEventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      },
    });
  }
  return events.slice(0, count);
}
