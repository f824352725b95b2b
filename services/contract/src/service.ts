import { loadConfig, type ServiceDefinition } from '@ar/platform';
import { z } from 'zod';
import { contractDailyRun } from './contract/daily';
import { contractHandler, contractMigrations, contractsByCustomer } from './contract/handler';
import { contractRoutes } from './contract/routes';
import { onCreditEvent } from './reactions/on-credit-event';
import { onMilestoneInvoice } from './reactions/on-milestone-invoice';
import { httpCreditPort } from './signing/credit-port';

const ContractEnv = z.object({
  CREDIT_SCORING_URL: z
    .string()
    .url()
    .default('http://127.0.0.1:4101')
    .describe('where credit checks are asked'),
});

export const contractService: ServiceDefinition = {
  name: 'contract',
  description:
    'Contracts with payment milestones, the clause library by credit tier, late-fee terms, dynamic clauses.',
  defaultPort: 4102,
  schema: 'contract',
  publishes: 'contract',
  migrations: contractMigrations,
  inlineProjections: [contractsByCustomer],
  routes(app, ctx) {
    const credit = httpCreditPort(
      process.env.CREDIT_SCORING_URL ?? loadConfig(ContractEnv).CREDIT_SCORING_URL,
    );
    contractRoutes(app, ctx, contractHandler(ctx), credit);
  },
  consumers(ctx) {
    const contracts = contractHandler(ctx);
    return [
      {
        name: 'credit',
        topics: ['credit'],
        handle: (client, event) => onCreditEvent(client, event, contracts),
      },
      {
        name: 'invoices',
        topics: ['invoicing'],
        handle: (client, event) => onMilestoneInvoice(client, event, contracts),
      },
    ];
  },
  businessDays: (ctx) => [contractDailyRun(ctx, contractHandler(ctx))],
};
