import type { ServiceDefinition } from '@ar/platform';
import { agingMigrations, agingProjection, dimensionMigrations } from './aging/projection';
import { agingRoutes } from './aging/routes';
import { recordDomainEvent } from './ingest/on-domain-event';

export const reportingService: ServiceDefinition = {
  name: 'reporting',
  description: 'Aging, overdue rate, DSO and collection KPIs as of any date; dashboard; BI streams.',
  defaultPort: 4105,
  schema: 'reporting',
  migrations: [...agingMigrations, ...dimensionMigrations],
  consumers: (ctx) => [
    {
      name: 'domain-events',
      topics: ['credit', 'contract', 'invoicing', 'collections'],
      handle: (client, event) => recordDomainEvent(ctx.store, client, event),
    },
  ],
  projections: () => [agingProjection],
  routes: (app, ctx) => agingRoutes(app, ctx),
};
