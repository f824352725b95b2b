import { NotFound, streamName } from '@ar/kernel';
import { z } from 'zod';
import { AUDITORS, type Role } from './auth/roles';
import type { ServiceHttpApp } from './http-app';
import type { ServiceContext } from './service';

const HistoryEntry = z.object({
  position: z.number().int(),
  type: z.string(),
  recordedAt: z.string(),
  actor: z
    .object({
      subject: z.string().describe("the token's subject: a person, a service client, or the service itself"),
      name: z.string().optional(),
      roles: z.array(z.string()).optional(),
    })
    .describe('who made it happen (from their token; a reaction to another service names no person)'),
  correlationId: z.string(),
  causationId: z.string().optional(),
});

/**
 * `GET /<entities>/:id/history`: every event of one entity's stream with who caused it (the
 * subject, name and roles of the token of the command that made it) - who did what, per entity.
 */
export function historyRoute(
  app: ServiceHttpApp,
  ctx: ServiceContext,
  options: { path: string; param: string; category: string; what: string; roles?: readonly Role[] },
) {
  app.get(
    `${options.path}/:${options.param}/history`,
    {
      config: { roles: options.roles ?? AUDITORS },
      schema: {
        summary: `The audit trail of ${options.what}: each event, when, and who caused it`,
        tags: ['audit'],
        params: z.object({ [options.param]: z.string().min(1).max(200) }),
        response: { 200: z.object({ streamId: z.string(), events: z.array(HistoryEntry) }) },
      },
    },
    async (request) => {
      const id = (request.params as Record<string, string>)[options.param]!;
      const streamId = streamName(options.category, id);
      const { events } = await ctx.store.readStream(streamId);
      if (events.length === 0) throw new NotFound('NOT_FOUND', `no ${options.what} ${id}`, options.param);
      return {
        streamId,
        events: events.map((e) => ({
          position: e.streamPosition,
          type: e.type,
          recordedAt: e.recordedAt.toISOString(),
          actor: {
            subject: e.metadata.actor ?? ctx.service,
            ...(e.metadata.actorName ? { name: e.metadata.actorName } : {}),
            ...(e.metadata.actorRoles ? { roles: e.metadata.actorRoles } : {}),
          },
          correlationId: e.metadata.correlationId,
          ...(e.metadata.causationId ? { causationId: e.metadata.causationId } : {}),
        })),
      };
    },
  );
}
