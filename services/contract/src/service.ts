import { historyRoute, loadConfig, type ServiceDefinition } from '@ar/platform';
import { z } from 'zod';
import { contractDailyRun } from './contract/daily';
import { contractHandler, contractMigrations, contractsByCustomer } from './contract/handler';
import { contractRoutes } from './contract/routes';
import { contractEvidence, evidenceRoutes } from './evidence/bundle';
import { contractListMigrations, contractListProjection } from './finding/contract-list';
import { contractListRoutes } from './finding/routes';
import { onCreditEvent } from './reactions/on-credit-event';
import { onMilestoneInvoice } from './reactions/on-milestone-invoice';
import { httpCreditPort } from './signing/credit-port';

/** Credit-scoring's port when nothing moves it (its ServiceDefinition's defaultPort). */
const CREDIT_SCORING_DEFAULT_PORT = 4101;

const ContractEnv = z.object({
  CREDIT_SCORING_URL: z.string().url().optional().describe('where credit checks are asked'),
  CREDIT_SCORING_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(CREDIT_SCORING_DEFAULT_PORT)
    .describe("credit-scoring's port on this machine (the embedded mode runs it there)"),
});

/**
 * Where contract asks credit-scoring's credit checks: CREDIT_SCORING_URL when given; otherwise
 * credit-scoring on this machine at the port it is configured with (CREDIT_SCORING_PORT, as
 * `pnpm start` runs it with moved ports), 4101 by default.
 */
export function creditScoringUrl(env: NodeJS.ProcessEnv = process.env): string {
  const config = loadConfig(ContractEnv, env);
  return config.CREDIT_SCORING_URL ?? `http://127.0.0.1:${config.CREDIT_SCORING_PORT}`;
}

export const contractService: ServiceDefinition = {
  name: 'contract',
  description:
    'Contracts with payment milestones, the clause library by credit tier, late-fee terms, dynamic clauses.',
  defaultPort: 4102,
  schema: 'contract',
  publishes: 'contract',
  migrations: [...contractMigrations, ...contractListMigrations],
  inlineProjections: [contractsByCustomer],
  routes(app, ctx) {
    const credit = httpCreditPort(creditScoringUrl(), () => ctx.serviceToken());
    contractRoutes(app, ctx, contractHandler(ctx), credit);
    contractListRoutes(app, ctx);
    evidenceRoutes(app, ctx, {
      service: 'contract',
      pool: ctx.pool,
      signer: ctx.signer!,
      source: contractEvidence(),
    });
    historyRoute(app, ctx, {
      path: '/contracts',
      param: 'contractId',
      category: 'contract',
      what: 'a contract',
    });
  },
  projections: () => [contractListProjection],
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
  evidence: () => contractEvidence(),
  businessDays: (ctx) => [contractDailyRun(ctx, contractHandler(ctx))],
};
