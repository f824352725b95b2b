import { CreditFreezeLiftRequestedV1 } from '@ar/contracts';
import { type IncomingEvent, reactionMetadata } from '@ar/messaging';
import type { PoolClient } from 'pg';
import type { CustomerHandler } from '../customer/handler';
import { isRegistered } from '../customer/state';

/**
 * Collections withdraws a freeze request (value dating: the day-16 rung should not have been
 * reached): the freeze is lifted if that case asked for it. A duplicate finds nothing to lift.
 */
export async function onCreditFreezeLiftRequested(
  client: PoolClient,
  event: IncomingEvent,
  customers: CustomerHandler,
) {
  if (event.type !== 'CreditFreezeLiftRequested') return;
  const request = CreditFreezeLiftRequestedV1.parse(event.data);
  const { state } = await customers.load(request.customerId, client);
  if (!isRegistered(state)) return;
  await customers.execute(
    request.customerId,
    {
      type: 'LiftCollectionsFreeze',
      data: { caseId: request.caseId, reason: request.reason, date: request.date },
    },
    { tx: client, metadata: reactionMetadata(event) },
  );
}
