import { type InvoiceView, InvoicingEventsV1 } from '@ar/contracts';
import { NotFound } from '@ar/kernel';
import { aggregate, type ServiceContext } from '@ar/platform';
import type { InvoicingConfig } from '../config';
import { invoiceDecider } from './decider';
import { INVOICE_STATE_VERSION, type InvoiceState, isIssued, reviveInvoice } from './state';

export function invoiceView(state: InvoiceState, version: number): InvoiceView {
  if (!isIssued(state)) throw new Error('no invoice');
  const { issued } = state;
  return {
    invoiceId: issued.invoiceId,
    customerId: issued.customerId,
    amount: issued.amount,
    currency: issued.currency,
    issueDate: issued.issueDate,
    dueDate: issued.dueDate,
    status: state.status,
    // Principal falling due: an instalment that only covers fees has none (its date is the plan's).
    schedule: state.schedule.filter((i) => i.amount > 0),
    open: {
      principal: state.principalOpen,
      interest: state.interestOpen,
      penalty: state.penaltyOpen,
      total: state.principalOpen + state.interestOpen + state.penaltyOpen,
    },
    overdueThresholdsReached: state.overdueThresholdsReached,
    disputed: state.disputed,
    factorId: state.factor?.factorId,
    lateFeeTerms: issued.lateFeeTerms,
    discountTerms: issued.discountTerms,
    // A plan revised to no instalment (void, or its waiver left nothing owed) is no longer in force.
    ...(state.plan?.instalments.length
      ? {
          plan: {
            planId: state.plan.planId,
            agreedDate: state.plan.agreedDate,
            instalments: state.plan.instalments,
            fees: state.plan.fees,
            guarantee: state.plan.guarantee,
          },
        }
      : {}),
    version,
  };
}

/** The invoice side of the service: one decider, configured once, behind the one handler. */
export function invoiceHandler(ctx: ServiceContext, config: InvoicingConfig) {
  // The business calendar: an instalment due on a weekend or holiday is payable by the next working day.
  const policy = { ...config.overduePolicy, calendar: ctx.calendar };
  const invoices = aggregate(ctx, {
    category: 'invoice',
    decider: invoiceDecider(policy),
    exists: isIssued,
    notFound: (id) => new NotFound('INVOICE_NOT_FOUND', `no invoice ${id}`, 'invoiceId'),
    // Every invoice event is public: what the store holds must meet what the relay publishes.
    storedEvents: InvoicingEventsV1,
    // An invoice accruing interest gains an event every day and is read every business day by
    // the overdue clock: kept every 20 events, a day reads its snapshot and a few events, not
    // its whole history (#17 goal 4).
    snapshots: { version: INVOICE_STATE_VERSION, revive: reviveInvoice, every: 20 },
  });
  return { ...invoices, policy };
}
export type InvoiceHandler = ReturnType<typeof invoiceHandler>;
