import { NotFound } from '@ar/kernel';
import { type AggregateDefinition, aggregate, type ServiceContext } from '@ar/platform';
import type { CreditPolicy } from '../policy/credit-policy';
import { type CustomerCommand, customerDecider } from './decider';
import {
  type CreditFile,
  CUSTOMER_STATE_VERSION,
  type CustomerEvent,
  type CustomerState,
  isRegistered,
  reviveCustomer,
} from './state';

/**
 * A customer's credit file as an aggregate: its stream category, its rules, when it exists. Its
 * stream grows with every invoice the customer ever has, so it is loaded from snapshots.
 */
export function customerAggregate(
  policy: CreditPolicy,
): AggregateDefinition<CustomerCommand, CustomerEvent, CustomerState, CreditFile> {
  return {
    category: 'customer',
    decider: customerDecider(policy),
    exists: isRegistered,
    notFound: (id) => new NotFound('CUSTOMER_NOT_FOUND', `no customer ${id}`, 'customerId'),
    snapshots: { version: CUSTOMER_STATE_VERSION, revive: reviveCustomer },
  };
}

/** The credit file side of the service: one decider, configured once, behind the one handler. */
export function customerHandler(ctx: ServiceContext, policy: CreditPolicy) {
  return aggregate(ctx, customerAggregate(policy));
}
export type CustomerHandler = ReturnType<typeof customerHandler>;
