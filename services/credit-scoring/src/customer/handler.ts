import { type EventMetadata, foldEvents, handleCommand, NotFound, streamName } from '@ar/kernel';
import type { ServiceContext } from '@ar/platform';
import type { PoolClient } from 'pg';
import type { CreditPolicy } from '../policy/credit-policy';
import { type CustomerCommand, customerDecider } from './decider';
import { type CreditFile, type CustomerEvent, isRegistered } from './state';

export const customerStream = (customerId: string) => streamName('customer', customerId);

/** The credit file side of the service: one decider, configured once, behind the one handler. */
export function customerHandler(ctx: ServiceContext, policy: CreditPolicy) {
  const decider = customerDecider(policy);
  async function load(customerId: string, tx?: PoolClient) {
    const { version, events } = await ctx.store.readStream<CustomerEvent>(customerStream(customerId), tx);
    return { version, state: foldEvents(decider, events as unknown as CustomerEvent[]) };
  }
  return {
    load,
    async mustExist(customerId: string, tx?: PoolClient): Promise<{ version: number; state: CreditFile }> {
      const { version, state } = await load(customerId, tx);
      if (!isRegistered(state))
        throw new NotFound('CUSTOMER_NOT_FOUND', `no customer ${customerId}`, 'customerId');
      return { version, state };
    },
    execute(
      customerId: string,
      command: CustomerCommand,
      options: { metadata: EventMetadata; tx?: PoolClient },
    ) {
      return handleCommand(ctx.store, decider, customerStream(customerId), command, {
        ...options,
        now: ctx.clock.now(),
      });
    },
  };
}
export type CustomerHandler = ReturnType<typeof customerHandler>;
