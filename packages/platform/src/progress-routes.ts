import { DependencyUnavailable } from '@ar/kernel';
import { TimedOut, withTimeout } from '@ar/messaging';
import { z } from 'zod';
import type { ServiceHttpApp } from './http-app';
import type { ServiceContext } from './service';

/**
 * `GET /admin/progress`: answers once everything the service stored is published and projected,
 * with how many events it stored and how many incoming events it handled. A driver that moves
 * time (the simulator, a test) polls every service until these counts stop changing and the
 * broker has no lag: then the whole platform is quiet and the next step sees a settled state.
 * It waits at most `waitMs` (25 s: under common client timeouts): a relay that cannot publish (the
 * broker away) or a read model that cannot catch up answers 503 with Retry-After, never a hang.
 */
export function progressRoutes(
  app: ServiceHttpApp,
  ctx: ServiceContext,
  caughtUp: () => Promise<void>,
  waitMs = 25_000,
) {
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
      try {
        await withTimeout(caughtUp(), waitMs, 'caught up');
      } catch (error) {
        if (!(error instanceof TimedOut)) throw error;
        throw new DependencyUnavailable(
          'NOT_CAUGHT_UP',
          `events stored here are not all published and projected after ${waitMs / 1000} s: is the message broker reachable (see /ready and ar_relay_backlog_events)?`,
        );
      }
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
