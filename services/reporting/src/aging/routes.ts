import { IsoDate } from '@ar/contracts';
import { toIsoDate } from '@ar/kernel';
import type { ServiceContext, ServiceHttpApp } from '@ar/platform';
import { z } from 'zod';
import { agingBuckets } from './buckets';
import { agingAsOf } from './query';

const AgingBucketView = z.object({
  bucket: z.string(),
  fromDays: z.number().int().nullable(),
  toDays: z.number().int().nullable(),
  amount: z.number().int(),
  count: z.number().int(),
});
const AgingView = z.object({
  asOf: IsoDate,
  reports: z.array(
    z.object({
      asOf: IsoDate,
      currency: z.string(),
      total: z.object({ amount: z.number().int(), count: z.number().int() }),
      buckets: z.array(AgingBucketView),
    }),
  ),
});

export function agingRoutes(app: ServiceHttpApp, ctx: ServiceContext) {
  const buckets = agingBuckets();
  app.get(
    '/reports/aging',
    {
      schema: {
        summary: 'Receivables aging as of a date',
        description: 'Outstanding amount and count per aging bucket, per currency; asOf defaults to today.',
        querystring: z.object({ asOf: IsoDate.optional() }).strict(),
        response: { 200: AgingView },
      },
    },
    async (request) => {
      const asOf = request.query.asOf ?? toIsoDate(ctx.clock.now());
      return { asOf, reports: await agingAsOf(ctx.pool, asOf, buckets) };
    },
  );

  app.post(
    '/admin/projections/:name/rebuild',
    {
      schema: {
        summary: 'Rebuild a read model from the stored events',
        params: z.object({ name: z.string() }),
      },
    },
    async (request, reply) => {
      const runner = ctx.projections.get(request.params.name);
      if (!runner) {
        return reply.code(404).send({ error: 'not_found', message: `no projection ${request.params.name}` });
      }
      await runner.rebuild();
      return reply.code(202).send({ projection: request.params.name, status: 'rebuilding' });
    },
  );
}
