import { z } from 'zod';
import { EntityId, IsoDate } from '../primitives';

/** Public events of the collections service on `ar.collections.events.v1` (the ones others react to). */

export const CreditFreezeRequestedV1 = z
  .object({
    caseId: EntityId,
    customerId: EntityId,
    reason: z.string().min(1),
    daysOverdue: z.number().int(),
    date: IsoDate,
  })
  .describe(
    "Collections asks credit-scoring to freeze the customer's credit (16-30 days overdue by default).",
  );
export type CreditFreezeRequestedV1 = z.infer<typeof CreditFreezeRequestedV1>;

export const PromiseBrokenV1 = z
  .object({
    caseId: EntityId,
    customerId: EntityId,
    promiseId: EntityId,
    promisedDate: IsoDate,
    promisedAmount: z.number().int().positive(),
    detectedDate: IsoDate,
  })
  .describe('A promise to pay was not kept: detected on the day after the promised date.');
export type PromiseBrokenV1 = z.infer<typeof PromiseBrokenV1>;

export const CollectionsEventsV1 = {
  CreditFreezeRequested: CreditFreezeRequestedV1,
  PromiseBroken: PromiseBrokenV1,
} as const;
