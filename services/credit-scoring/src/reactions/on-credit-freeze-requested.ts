import { CreditFreezeRequestedV1 } from '@ar/contracts';
import { type IncomingEvent, reactionMetadata } from '@ar/messaging';
import type { PoolClient } from 'pg';
import type { CustomerHandler } from '../customer/handler';
import { isRegistered } from '../customer/state';

/** Collections asks for a freeze (16-30 days overdue by default): credit-scoring freezes. */
export async function onCreditFreezeRequested(
  client: PoolClient,
  event: IncomingEvent,
  customers: CustomerHandler,
) {
  if (event.type !== 'CreditFreezeRequested') return;
  const request = CreditFreezeRequestedV1.parse(event.data);
  const { state } = await customers.load(request.customerId, client);
  if (!isRegistered(state)) return;
  await customers.execute(
    request.customerId,
    {
      type: 'FreezeCredit',
      data: {
        reason: request.reason,
        requestedBy: 'collections',
        caseId: request.caseId,
        date: request.date,
      },
    },
    {
      tx: client,
      metadata: reactionMetadata(event),
    },
  );
}
