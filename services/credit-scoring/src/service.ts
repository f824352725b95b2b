import { historyRoute, type ServiceDefinition } from '@ar/platform';
import { customerHandler } from './customer/handler';
import { customerRoutes } from './customer/routes';
import { applyExposureChange, exposureMigrations } from './exposure/exposure';
import { customerDirectoryMigrations, customerDirectoryProjection } from './finding/customer-directory';
import { customerFindingRoutes } from './finding/routes';
import { loadCreditPolicy } from './policy/credit-policy';
import { onCreditFreezeLiftRequested } from './reactions/on-credit-freeze-lift-requested';
import { onCreditFreezeRequested } from './reactions/on-credit-freeze-requested';
import { onPaymentBehaviour } from './reactions/on-payment-behaviour';

const policy = loadCreditPolicy();

export const creditScoringService: ServiceDefinition = {
  name: 'credit-scoring',
  description: 'Customer profiles, explainable credit scores, tiers, limits, early warning, credit freeze.',
  defaultPort: 4101,
  schema: 'credit_scoring',
  publishes: 'credit',
  migrations: [...exposureMigrations, ...customerDirectoryMigrations],
  routes: (app, ctx) => {
    customerRoutes(app, ctx, customerHandler(ctx, policy), policy);
    customerFindingRoutes(app, ctx);
    historyRoute(app, ctx, {
      path: '/customers',
      param: 'customerId',
      category: 'customer',
      what: 'a customer',
    });
  },
  projections: () => [customerDirectoryProjection],
  consumers(ctx) {
    const customers = customerHandler(ctx, policy);
    return [
      {
        // Exposure facts, from what invoicing and contract publish. Its own consumer (and group),
        // so it reads the topics from the beginning when first started.
        name: 'exposure',
        topics: ['invoicing', 'contract'],
        handle: (client, event) =>
          applyExposureChange(client, event.type, event.data as Record<string, unknown>, event.eventId),
      },
      {
        // Payment behaviour, from what invoicing and contract publish.
        name: 'receivables',
        topics: ['invoicing', 'contract'],
        handle: (client, event) => onPaymentBehaviour(client, event, customers),
      },
      {
        name: 'collections',
        topics: ['collections'],
        handle: async (client, event) => {
          await onPaymentBehaviour(client, event, customers);
          await onCreditFreezeRequested(client, event, customers);
          await onCreditFreezeLiftRequested(client, event, customers);
        },
      },
    ];
  },
};
