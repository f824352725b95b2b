import { IsoDate } from '@ar/contracts';
import { z } from 'zod';
import { ALL_ROLES } from './auth/roles';
import type { BusinessClock } from './business-clock';
import type { ServiceHttpApp } from './http-app';

const ClockView = z.object({
  today: IsoDate,
  controllable: z.boolean(),
  results: z.record(z.string(), z.unknown()).optional(),
});

/** The business day, and for a controllable clock the way to move it (tests, demos, simulation). */
export function clockRoutes(app: ServiceHttpApp, clock: BusinessClock) {
  app.get(
    '/admin/clock',
    {
      // Which day it is, the business's: anyone signed in may ask (the dashboard does).
      config: { roles: ALL_ROLES },
      schema: {
        summary: 'The business day this service works on',
        tags: ['admin'],
        response: { 200: ClockView },
      },
    },
    async () => ({ today: clock.today(), controllable: clock.controllable }),
  );
  app.put(
    '/admin/clock',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Move a controllable business clock forward',
        description:
          'Sets "today" and answers once every daily job (overdue clock, reminders) has run each business day up to it. 409 when the service follows the system clock, 422 when the day is in the past, after 9998-12-31, or more than 366 days ahead (move in steps); nothing is stored when refused.',
        tags: ['admin'],
        body: z.object({ today: IsoDate }).strict(),
        response: { 200: ClockView },
      },
    },
    async (request) => {
      const { today, results } = await clock.advanceTo(request.body.today);
      return { today, controllable: true, results };
    },
  );
}
