import { NotFound, StateConflict } from '@ar/kernel';
import { RebuildInProgress } from '@ar/postgres';
import { z } from 'zod';
import type { ServiceHttpApp } from './http-app';
import type { ServiceContext } from './service';

/**
 * `POST /admin/projections/:name/rebuild`: rebuilds a read model beside the live one and swaps
 * it in (see ProjectionRunner.rebuild); answers when it is in place. Any instance may be asked.
 */
export function projectionRoutes(app: ServiceHttpApp, ctx: ServiceContext) {
  app.post(
    '/admin/projections/:name/rebuild',
    {
      schema: {
        summary: 'Rebuild a read model from the stored events, beside the live one, and swap it in',
        description:
          'Readers keep the live model until the rebuilt one replaces it in one short transaction. 404 for an unknown projection, 409 while a rebuild of it runs.',
        tags: ['admin'],
        params: z.object({ name: z.string() }),
        response: {
          200: z.object({ projection: z.string(), events: z.number().int(), ms: z.number().int() }),
        },
      },
    },
    async (request) => {
      const runner = ctx.projections.get(request.params.name);
      if (!runner) {
        const known = [...ctx.projections.keys()].join(', ') || 'none';
        throw new NotFound(
          'PROJECTION_NOT_FOUND',
          `no projection ${request.params.name} (this service has: ${known})`,
          'params.name',
        );
      }
      try {
        return await runner.rebuild();
      } catch (error) {
        if (error instanceof RebuildInProgress) throw new StateConflict('REBUILD_IN_PROGRESS', error.message);
        throw error;
      }
    },
  );
}
