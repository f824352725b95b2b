import { formatMoney, RuleViolation } from '@ar/kernel';

/** An open invoice as cash application sees it on the payment's date. */
export interface AllocatableInvoice {
  invoiceId: string;
  currency: string;
  /** What a payment on that date must bring to settle it (fees, principal, less any discount). */
  toSettle: number;
}

export interface RemittanceLine {
  invoiceId: string;
  /** Absent: as much as the invoice needs, up to what is left of the payment. */
  amount?: number | undefined;
}

export interface AllocationPlan {
  allocations: { invoiceId: string; amount: number }[];
  creditHeld: number;
}

/**
 * Cash application (DOMAIN.md §3): how one payment is spread over a customer's open invoices.
 * `invoices` come oldest due first.
 *   1. A remittance advice is followed as written: each line must name an open invoice of the
 *      customer in the payment's currency and not ask more than it needs; what it leaves over is
 *      the customer's credit (the payer said what the money is for).
 *   2. Otherwise: the invoice the payer's reference names comes first; failing that, an invoice
 *      needing exactly the payment's amount; then the rest, oldest due first.
 *   3. What no open invoice takes is held as the customer's credit (an over-payment).
 */
export function planAllocation(
  payment: { amount: number; currency: string; reference?: string | undefined },
  invoices: AllocatableInvoice[],
  remittance?: RemittanceLine[],
): AllocationPlan {
  const allocations: AllocationPlan['allocations'] = [];
  let left = payment.amount;

  if (remittance && remittance.length > 0) {
    remittance.forEach((line, i) => {
      const invoice = invoices.find((inv) => inv.invoiceId === line.invoiceId);
      if (!invoice) {
        throw new RuleViolation(
          'NOT_AN_OPEN_INVOICE',
          `${line.invoiceId} is not an open invoice of this customer`,
          `remittance.${i}.invoiceId`,
        );
      }
      if (invoice.currency !== payment.currency) {
        throw new RuleViolation(
          'CURRENCY_MISMATCH',
          `payment in ${payment.currency} cannot clear invoice ${invoice.invoiceId} in ${invoice.currency}`,
          'currency',
        );
      }
      if (allocations.some((a) => a.invoiceId === line.invoiceId)) {
        throw new RuleViolation(
          'DUPLICATE_LINE',
          `${line.invoiceId} is named twice`,
          `remittance.${i}.invoiceId`,
        );
      }
      const amount = line.amount ?? Math.min(invoice.toSettle, left);
      if (amount > invoice.toSettle) {
        throw new RuleViolation(
          'OVER_ALLOCATION',
          `${formatMoney(amount, invoice.currency)} for invoice ${invoice.invoiceId}, which needs only ${formatMoney(invoice.toSettle, invoice.currency)} to settle`,
          `remittance.${i}.amount`,
        );
      }
      if (amount > left) {
        throw new RuleViolation(
          'OVER_ALLOCATION',
          `the remittance lines add up to more than the payment of ${formatMoney(payment.amount, payment.currency)}`,
          'remittance',
        );
      }
      if (amount > 0) allocations.push({ invoiceId: invoice.invoiceId, amount });
      left -= amount;
    });
    return { allocations, creditHeld: left };
  }

  const candidates = invoices.filter((i) => i.currency === payment.currency && i.toSettle > 0);
  const first =
    candidates.find((i) => payment.reference !== undefined && i.invoiceId === payment.reference) ??
    candidates.find((i) => i.toSettle === payment.amount);
  const ordered = first ? [first, ...candidates.filter((i) => i !== first)] : candidates;
  for (const invoice of ordered) {
    if (left === 0) break;
    const amount = Math.min(invoice.toSettle, left);
    allocations.push({ invoiceId: invoice.invoiceId, amount });
    left -= amount;
  }
  return { allocations, creditHeld: left };
}
