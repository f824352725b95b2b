import { NotFound, RuleViolation } from '@ar/kernel';
import type { EventConsumer } from '@ar/messaging';
import { z } from 'zod';
import type { ServiceHttpApp } from './http-app';

const Parked = z.object({
  consumer: z.string(),
  eventId: z.string(),
  streamId: z.string().nullable(),
  position: z.number().int().nullable(),
  topic: z.string(),
  type: z.string().nullable(),
  error: z.string(),
  errorType: z.string(),
  parkedAt: z.string(),
  heldBehind: z.number().int(),
});

const Target = z.object({ consumer: z.string(), eventId: z.string() });

/**
 * The dead letters of this service's consumers, and the two ways out of them (`pnpm dlq` calls
 * these): redrive (handle it again, after a fix) and skip (give up on it; its stream goes on).
 */
export function deadLetterRoutes(app: ServiceHttpApp, consumers: EventConsumer[]) {
  const consumerNamed = (name: string) => {
    const consumer = consumers.find((c) => c.name === name);
    if (!consumer)
      throw new NotFound(
        'CONSUMER_NOT_FOUND',
        `no consumer ${name} here (this service has: ${consumers.map((c) => c.name).join(', ') || 'none'})`,
        'params.consumer',
      );
    return consumer;
  };
  app.get(
    '/admin/dlq',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Parked messages of every consumer of this service, with their errors',
        tags: ['admin'],
        response: { 200: z.object({ parked: z.array(Parked) }) },
      },
    },
    async () => ({ parked: (await Promise.all(consumers.map((c) => c.parked()))).flat() }),
  );
  app.post(
    '/admin/dlq/:consumer/:eventId/redrive',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Handle a parked message again, then the events of its stream held behind it',
        description: '422 with the error when it fails again (it stays parked); 404 when it is not parked.',
        tags: ['admin'],
        params: Target,
        response: { 200: z.object({ eventId: z.string(), outcome: z.literal('handled') }) },
      },
    },
    async (request) => {
      const { consumer, eventId } = request.params;
      let outcome: 'handled' | 'not-parked';
      try {
        outcome = await consumerNamed(consumer).redrive(eventId);
      } catch (error) {
        if (error instanceof NotFound && error.code === 'CONSUMER_NOT_FOUND') throw error;
        throw new RuleViolation('REDRIVE_FAILED', `failed again, still parked: ${(error as Error).message}`);
      }
      if (outcome === 'not-parked')
        throw new NotFound('NOT_PARKED', `${eventId} is not parked by ${consumer}`);
      return { eventId, outcome };
    },
  );
  app.post(
    '/admin/dlq/:consumer/:eventId/skip',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Give up on a parked message: its stream moves past it and the events held behind it go on',
        tags: ['admin'],
        params: Target,
        response: { 200: z.object({ eventId: z.string(), outcome: z.literal('skipped') }) },
      },
    },
    async (request) => {
      const { consumer, eventId } = request.params;
      if ((await consumerNamed(consumer).skip(eventId)) === 'not-parked')
        throw new NotFound('NOT_PARKED', `${eventId} is not parked by ${consumer}`);
      return { eventId, outcome: 'skipped' as const };
    },
  );
}
