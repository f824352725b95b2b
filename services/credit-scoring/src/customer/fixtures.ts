import type { CustomerProfileV1 } from '@ar/contracts';

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
