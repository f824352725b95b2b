import type { ServiceDefinition } from '@ar/platform';
import { configuredAgingBuckets } from './aging/buckets';
import { agingCellMigrations } from './aging/cells';
import {
  agingMigrations,
  agingProjection,
  attributeHistoryMigrations,
  dimensionMigrations,
  planMigrations,
  planRevisionMigrations,
  settledTotalsMigrations,
  settlementKindMigrations,
} from './aging/projection';
import { agingRoutes } from './aging/routes';
import { collectionKpiMigrations } from './collection-kpis/query';
import { dashboardRoutes } from './dashboard/routes';
import { recordDomainEvent, recordDomainEvents } from './ingest/on-domain-event';
import { dailyKpiSnapshot } from './kpi-snapshot/daily-kpi-snapshot';

export const reportingService: ServiceDefinition = {
  name: 'reporting',
  description: 'Aging, overdue rate, DSO and collection KPIs as of any date; dashboard; BI streams.',
  defaultPort: 4105,
  schema: 'reporting',
  publishes: 'reportingKpis',
  migrations: [
    ...agingMigrations,
    ...dimensionMigrations,
    ...settledTotalsMigrations,
    ...attributeHistoryMigrations,
    ...settlementKindMigrations,
    ...planMigrations,
    ...planRevisionMigrations,
    ...agingCellMigrations,
    ...collectionKpiMigrations,
  ],
  consumers: (ctx) => [
    {
      name: 'domain-events',
      topics: ['credit', 'contract', 'invoicing', 'collections'],
      handle: (client, event) => recordDomainEvent(ctx.store, client, event),
      handleBatch: (client, events) => recordDomainEvents(ctx.store, client, events),
    },
  ],
  projections: (ctx) => [agingProjection(ctx.calendar)],
  routes: async (app, ctx) => {
    agingRoutes(app, ctx);
    await dashboardRoutes(app);
  },
  businessDays: (ctx) => [dailyKpiSnapshot(ctx, configuredAgingBuckets())],
};
