import type { ServiceDefinition } from '@ar/platform';
import { invoiceRoutes } from './invoice/routes';

export const invoicingService: ServiceDefinition = {
  name: 'invoicing',
  description: 'Invoices from milestones, payments and their allocation, the overdue clock, late fees.',
  defaultPort: 4103,
  schema: 'invoicing',
  publishes: 'invoicing',
  routes: (app, ctx) => invoiceRoutes(app, ctx),
};
