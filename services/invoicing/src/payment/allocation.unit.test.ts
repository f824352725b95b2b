import { RuleViolation } from '@ar/kernel';
import { type AllocatableInvoice, planAllocation } from './allocation';

// Oldest due first, as the ledger lists them.
const invoices: AllocatableInvoice[] = [
  { invoiceId: 'OLD', currency: 'CNY', toSettle: 1_000 },
  { invoiceId: 'MID', currency: 'CNY', toSettle: 2_000 },
  { invoiceId: 'EUR', currency: 'EUR', toSettle: 500 },
  { invoiceId: 'NEW', currency: 'CNY', toSettle: 3_000 },
];
const cny = (amount: number, reference?: string) => ({ amount, currency: 'CNY', reference });

describe('cash application', () => {
  it('spreads a payment over open invoices oldest due first', () => {
    expect(planAllocation(cny(2_500), invoices)).toEqual({
      allocations: [
        { invoiceId: 'OLD', amount: 1_000 },
        { invoiceId: 'MID', amount: 1_500 },
      ],
      creditHeld: 0,
    });
  });

  it('holds an over-payment as the customer credit', () => {
    expect(planAllocation(cny(7_000), invoices).creditHeld).toBe(1_000);
  });

  it('only clears invoices in the payment currency', () => {
    const plan = planAllocation({ amount: 600, currency: 'EUR' }, invoices);
    expect(plan).toEqual({ allocations: [{ invoiceId: 'EUR', amount: 500 }], creditHeld: 100 });
  });

  it('puts the invoice named by the payer reference first', () => {
    expect(planAllocation(cny(3_500, 'NEW'), invoices).allocations).toEqual([
      { invoiceId: 'NEW', amount: 3_000 },
      { invoiceId: 'OLD', amount: 500 },
    ]);
  });

  it('puts an invoice needing exactly the paid amount first', () => {
    expect(planAllocation(cny(2_000), invoices).allocations).toEqual([{ invoiceId: 'MID', amount: 2_000 }]);
  });

  it('follows the remittance advice and holds what it leaves over as credit', () => {
    const plan = planAllocation(cny(3_000), invoices, [
      { invoiceId: 'NEW', amount: 2_000 },
      { invoiceId: 'OLD' },
    ]);
    expect(plan).toEqual({
      allocations: [
        { invoiceId: 'NEW', amount: 2_000 },
        { invoiceId: 'OLD', amount: 1_000 },
      ],
      creditHeld: 0,
    });
  });

  it('refuses a remittance line above what the invoice needs, naming the line', () => {
    expect(() => planAllocation(cny(5_000), invoices, [{ invoiceId: 'OLD', amount: 1_001 }])).toThrow(
      expect.objectContaining({ code: 'OVER_ALLOCATION', field: 'remittance.0.amount' }),
    );
  });

  it('refuses remittance lines adding up to more than the payment', () => {
    expect(() =>
      planAllocation(cny(1_500), invoices, [
        { invoiceId: 'OLD', amount: 1_000 },
        { invoiceId: 'MID', amount: 1_000 },
      ]),
    ).toThrow(expect.objectContaining({ code: 'OVER_ALLOCATION', field: 'remittance' }));
  });

  it('refuses a remittance line for an invoice in another currency', () => {
    expect(() => planAllocation(cny(500), invoices, [{ invoiceId: 'EUR' }])).toThrow(
      expect.objectContaining({ code: 'CURRENCY_MISMATCH', field: 'currency' }),
    );
  });

  it('refuses a remittance line naming no open invoice of the customer', () => {
    expect(() => planAllocation(cny(500), invoices, [{ invoiceId: 'GONE' }])).toThrow(RuleViolation);
  });
});
