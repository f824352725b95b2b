import type { ServiceDefinition } from '@ar/platform';
import { collectionsDailyRun } from './case/daily';
import { caseHandler, caseMigrations, casesLookup } from './case/handler';
import { caseRoutes } from './case/routes';
import { onCreditEvent, onInvoicingEvent } from './reactions/on-invoicing-event';
import { messageDispatch, worklistMigrations, worklistProjection } from './worklist/worklist';

export const collectionsService: ServiceDefinition = {
  name: 'collections',
  description:
    'Reminders, the escalation ladder, strategies, promises to pay, instalment plans, compliant messages, the worklist.',
  defaultPort: 4104,
  schema: 'collections',
  publishes: 'collections',
  migrations: [...caseMigrations, ...worklistMigrations],
  inlineProjections: [casesLookup],
  routes: (app, ctx) => caseRoutes(app, ctx, caseHandler(ctx)),
  consumers(ctx) {
    const cases = caseHandler(ctx);
    return [
      {
        name: 'invoices',
        topics: ['invoicing'],
        handle: (client, event) => onInvoicingEvent(client, event, cases),
      },
      { name: 'customers', topics: ['credit'], handle: (client, event) => onCreditEvent(client, event) },
    ];
  },
  projections: () => [worklistProjection, messageDispatch],
  businessDays: (ctx) => [collectionsDailyRun(ctx, caseHandler(ctx))],
};
