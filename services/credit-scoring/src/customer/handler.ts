import { NotFound } from '@ar/kernel';
import { aggregate, type ServiceContext } from '@ar/platform';
import type { CreditPolicy } from '../policy/credit-policy';
import { customerDecider } from './decider';
import { isRegistered } from './state';

/** The credit file side of the service: one decider, configured once, behind the one handler. */
export function customerHandler(ctx: ServiceContext, policy: CreditPolicy) {
  return aggregate(ctx, {
    category: 'customer',
    decider: customerDecider(policy),
    exists: isRegistered,
    notFound: (id) => new NotFound('CUSTOMER_NOT_FOUND', `no customer ${id}`, 'customerId'),
  });
}
export type CustomerHandler = ReturnType<typeof customerHandler>;
