import { NotFound, RuleViolation, StateConflict } from '@ar/kernel';
import { RebuildInProgress } from '@ar/postgres';
import { z } from 'zod';
import type { ServiceHttpApp } from './http-app';
import type { ServiceContext } from './service';

/**
 * `POST /admin/projections/:name/rebuild`: rebuilds a read model beside the live one and swaps
 * it in (see ProjectionRunner.rebuild); answers when it is in place. Any instance may be asked.
 */
export function projectionRoutes(app: ServiceHttpApp, ctx: ServiceContext) {
  const projectionNamed = (name: string) => {
    const runner = ctx.projections.get(name);
    if (!runner) {
      const known = [...ctx.projections.keys()].join(', ') || 'none';
      throw new NotFound(
        'PROJECTION_NOT_FOUND',
        `no projection ${name} (this service has: ${known})`,
        'params.name',
      );
    }
    return runner;
  };
  const Target = z.object({ name: z.string(), eventId: z.string() });

  app.get(
    '/admin/projections/parked',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: "Events this service's read models could not take, with their errors",
        description:
          'A parked event is skipped by its read model until redriven (after a fix), skipped for good, or taken by a rebuild.',
        tags: ['admin'],
        response: {
          200: z.object({
            parked: z.array(
              z.object({
                projection: z.string(),
                eventId: z.string(),
                streamId: z.string(),
                position: z.number().int(),
                eventType: z.string(),
                error: z.string(),
                parkedAt: z.string(),
              }),
            ),
          }),
        },
      },
    },
    async () => ({
      parked: (await Promise.all([...ctx.projections.values()].map((p) => p.parked()))).flat(),
    }),
  );
  app.post(
    '/admin/projections/:name/parked/:eventId/redrive',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Apply a parked event to the live read model now, after a fix',
        description: '422 with the error when it fails again (it stays parked); 404 when it is not parked.',
        tags: ['admin'],
        params: Target,
        response: { 200: z.object({ eventId: z.string(), outcome: z.literal('applied') }) },
      },
    },
    async (request) => {
      const { name, eventId } = request.params;
      const runner = projectionNamed(name);
      let outcome: 'applied' | 'not parked';
      try {
        outcome = await runner.redrive(eventId);
      } catch (error) {
        throw new RuleViolation('REDRIVE_FAILED', `failed again, still parked: ${(error as Error).message}`);
      }
      if (outcome === 'not parked') throw new NotFound('NOT_PARKED', `${eventId} is not parked by ${name}`);
      return { eventId, outcome };
    },
  );
  app.post(
    '/admin/projections/:name/parked/:eventId/skip',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Give up on a parked event: the read model never takes it',
        tags: ['admin'],
        params: Target,
        response: { 200: z.object({ eventId: z.string(), outcome: z.literal('skipped') }) },
      },
    },
    async (request) => {
      const { name, eventId } = request.params;
      if ((await projectionNamed(name).skip(eventId)) === 'not parked')
        throw new NotFound('NOT_PARKED', `${eventId} is not parked by ${name}`);
      return { eventId, outcome: 'skipped' as const };
    },
  );

  app.post(
    '/admin/projections/:name/rebuild',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Rebuild a read model from the stored events, beside the live one, and swap it in',
        description:
          'Readers keep the live model until the rebuilt one replaces it in one short transaction. 404 for an unknown projection, 409 while a rebuild of it runs.',
        tags: ['admin'],
        params: z.object({ name: z.string() }),
        response: {
          200: z.object({
            projection: z.string(),
            events: z.number().int(),
            parked: z
              .number()
              .int()
              .describe('events the rebuilt model could not take either (still parked)'),
            ms: z.number().int(),
          }),
        },
      },
    },
    async (request) => {
      const runner = projectionNamed(request.params.name);
      try {
        return await runner.rebuild();
      } catch (error) {
        if (error instanceof RebuildInProgress) throw new StateConflict('REBUILD_IN_PROGRESS', error.message);
        throw error;
      }
    },
  );
}
