import { SeededRandom } from './random';

/** How a customer pays (DOMAIN.md §4, §6): what the simulation's customers do with an invoice. */
export type PaymentBehaviour = 'ON_TIME' | 'HABITUAL_DELAY' | 'CASH_FLOW_TROUBLE' | 'EVASION';

export interface SimulatedCustomer {
  customerId: string;
  name: string;
  industry: string;
  region: string;
  headcount: number;
  /** The customer's own annual revenue, minor units (its scale, for the credit score). */
  annualRevenue: number;
  /** What it buys from us in a year, minor units. */
  expectedAnnualValue: number;
  salesOwner: string;
  behaviour: PaymentBehaviour;
  /** Contracts it signs in a year of business. */
  contractsPerYear: number;
}

export interface CompanyOptions {
  seed: number;
  customers: number;
  /** Share of annual sales bought by the five largest customers (the source: 60%). */
  topFiveShare: number;
  /** The company's annual sales on credit, minor units. */
  annualSales: number;
}

const REGIONS = ['East China', 'South China', 'North China', 'Central China', 'West China'];
const LARGE_INDUSTRIES = ['TECHNOLOGY', 'MANUFACTURING', 'ENERGY', 'HEALTHCARE', 'CONSTRUCTION'];
const OTHER_INDUSTRIES = [
  'MANUFACTURING',
  'RETAIL',
  'CONSTRUCTION',
  'LOGISTICS',
  'REAL_ESTATE',
  'AGRICULTURE',
];

// The source's company (DOMAIN.md §6): its big customers pay, but late; among the many small
// ones are those in cash-flow trouble and the few who evade.
const TOP_FIVE_BEHAVIOURS: PaymentBehaviour[] = [
  'HABITUAL_DELAY',
  'ON_TIME',
  'HABITUAL_DELAY',
  'CASH_FLOW_TROUBLE',
  'ON_TIME',
];
const MID_BEHAVIOURS = [
  ['ON_TIME', 50],
  ['HABITUAL_DELAY', 30],
  ['CASH_FLOW_TROUBLE', 15],
  ['EVASION', 5],
] as const;
const SMALL_BEHAVIOURS = [
  ['ON_TIME', 30],
  ['HABITUAL_DELAY', 25],
  ['CASH_FLOW_TROUBLE', 25],
  ['EVASION', 20],
] as const;

/**
 * A company's customer book: five large customers buying `topFiveShare` of the sales, the rest
 * shared out unevenly; the smallest third are small firms (revenue under 10 million), the kind
 * the credit rules put on prepayment. Deterministic for a seed.
 */
export function generateCompany(options: CompanyOptions): SimulatedCustomer[] {
  const { seed, customers, topFiveShare, annualSales } = options;
  if (customers < 6)
    throw new RangeError('a company needs at least 6 customers (five large ones and others)');
  const random = new SeededRandom(seed);
  const others = customers - 5;
  const otherWeights = Array.from({ length: others }, () => random.int(1, 100) ** 2);
  const otherTotal = otherWeights.reduce((a, b) => a + b, 0);
  const topWeights = [0.26, 0.22, 0.2, 0.17, 0.15];
  const smallFrom = 5 + Math.ceil((others * 2) / 3);

  return Array.from({ length: customers }, (_, i) => {
    const top = i < 5;
    const small = i >= smallFrom;
    const share = top
      ? topFiveShare * topWeights[i]!
      : ((1 - topFiveShare) * otherWeights[i - 5]!) / otherTotal;
    const expectedAnnualValue = Math.max(1_000_000, Math.round((annualSales * share) / 100) * 100);
    const behaviour: PaymentBehaviour = top
      ? TOP_FIVE_BEHAVIOURS[i]!
      : random.weighted(small ? SMALL_BEHAVIOURS : MID_BEHAVIOURS);
    const id = `SIM-${String(i + 1).padStart(3, '0')}`;
    return {
      customerId: id,
      name: `${top ? 'Major' : small ? 'Small' : 'Regional'} customer ${i + 1}`,
      industry: top ? LARGE_INDUSTRIES[i]! : random.pick(OTHER_INDUSTRIES),
      region: random.pick(REGIONS),
      headcount: top ? random.int(1_200, 8_000) : small ? random.int(10, 120) : random.int(150, 900),
      annualRevenue: top
        ? random.int(100, 900) * 1_000_000_000
        : small
          ? random.int(100, 900) * 1_000_000
          : random.int(12, 95) * 100_000_000,
      expectedAnnualValue,
      salesOwner: `sales-${(i % 4) + 1}`,
      behaviour,
      contractsPerYear: top ? 12 : small ? random.int(2, 4) : random.int(4, 8),
    };
  });
}
