import { z } from 'zod';
import type { ServiceHttpApp } from './http-app';
import type { ServiceContext } from './service';

/**
 * `GET /admin/progress`: answers once everything the service stored is published and projected,
 * with how many events it stored and how many incoming events it handled. A driver that moves
 * time (the simulator, a test) polls every service until these counts stop changing and the
 * broker has no lag: then the whole platform is quiet and the next step sees a settled state.
 */
export function progressRoutes(app: ServiceHttpApp, ctx: ServiceContext, caughtUp: () => Promise<void>) {
  app.get(
    '/admin/progress',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Waits until stored events are published and projected; counts events stored and handled',
        response: {
          200: z.object({
            service: z.string(),
            eventsStored: z.number().int(),
            eventsHandled: z.number().int(),
          }),
        },
      },
    },
    async () => {
      await caughtUp();
      const { rows } = await ctx.pool.query<{ stored: string; handled: string }>(
        'select (select count(*) from events)::text as stored, (select count(*) from inbox)::text as handled',
      );
      return {
        service: ctx.service,
        eventsStored: Number(rows[0]!.stored),
        eventsHandled: Number(rows[0]!.handled),
      };
    },
  );
}
