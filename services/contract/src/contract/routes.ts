import {
  ContractView,
  DeliverableRequest,
  DraftContractRequest,
  EntityId,
  TerminationRequest,
} from '@ar/contracts';
import { happenedBy } from '@ar/kernel';
import {
  commandMetadata,
  IdempotencyKeyHeader,
  idOfCreated,
  type ServiceContext,
  type ServiceHttpApp,
} from '@ar/platform';
import { z } from 'zod';
import type { CreditPort } from '../signing/credit-port';
import type { ContractCommand } from './decider';
import { type ContractHandler, contractView } from './handler';
import type { Contract } from './state';

const ContractParams = z.object({ contractId: EntityId });

/** REST for contracts: what sales and legal systems call. */
export function contractRoutes(
  app: ServiceHttpApp,
  ctx: ServiceContext,
  contracts: ContractHandler,
  credit: CreditPort,
) {
  const today = () => ctx.clock.today();

  app.post(
    '/contracts',
    {
      schema: {
        summary: 'Draft a contract with its payment milestones',
        description:
          "Milestone percentages must add up to 100 (two decimals); amounts are split to the minor unit. The clauses come from the clause library for the customer's credit tier, asked of credit-scoring.",
        tags: ['contracts'],
        headers: IdempotencyKeyHeader,
        body: DraftContractRequest,
        response: { 201: ContractView },
      },
    },
    async (request, reply) => {
      const { milestones, contractId: clientId, ...body } = request.body;
      // A retry (same contractId, or same Idempotency-Key) with the same facts answers as the first did.
      const contractId = idOfCreated(request, 'contract', clientId);
      const tier = await credit.tierOf(body.customerId);
      const result = await contracts.execute(
        contractId,
        {
          type: 'DraftContract',
          data: {
            ...body,
            contractId,
            tier,
            milestones: milestones.map(({ percent, ...m }) => ({ ...m, shareBp: Math.round(percent * 100) })),
            date: today(),
          },
        },
        { metadata: commandMetadata(request) },
      );
      reply.header('location', `/contracts/${contractId}`).header('etag', `"${result.version}"`);
      return reply.code(201).send(contractView(result.state as Contract, result.version));
    },
  );

  app.get(
    '/contracts/:contractId',
    {
      schema: {
        summary: 'A contract, its milestones and their state',
        tags: ['contracts'],
        params: ContractParams,
        response: { 200: ContractView },
      },
    },
    async (request) => {
      const { state, version } = await contracts.mustExist(request.params.contractId);
      return contractView(state, version);
    },
  );

  app.post(
    '/contracts/:contractId/sign',
    {
      schema: {
        summary:
          'Sign: credit-scoring checks the contract value; refused for a frozen or over-limit customer',
        tags: ['contracts'],
        params: ContractParams,
        body: DeliverableRequest,
        response: { 200: ContractView },
      },
    },
    async (request) => {
      const { contractId } = request.params;
      const { state } = await contracts.mustExist(contractId);
      // Only a draft is checked: signing again (a retry) must not ask for the value a second time.
      const check =
        state.status === 'DRAFT'
          ? await credit.check(state.drafted.customerId, state.drafted.value, state.drafted.currency)
          : undefined;
      const result = await contracts.execute(
        contractId,
        {
          type: 'SignContract',
          data: { date: happenedBy(request.body.date, today(), 'date', 'a signature'), credit: check },
        },
        { metadata: commandMetadata(request) },
      );
      return contractView(result.state as Contract, result.version);
    },
  );

  function action<B extends z.ZodType>(
    path: string,
    summary: string,
    body: B,
    command: (b: z.infer<B>) => ContractCommand,
  ) {
    app.post(
      `/contracts/:contractId/${path}`,
      {
        schema: {
          summary,
          tags: ['contracts'],
          params: ContractParams,
          body,
          response: { 200: ContractView },
        },
      },
      async (request) => {
        const { contractId } = request.params;
        const result = await contracts.execute(contractId, command(request.body as z.infer<B>), {
          metadata: commandMetadata(request),
        });
        return contractView(result.state as Contract, result.version);
      },
    );
  }
  action('deliveries', 'Record the delivery (reaches DELIVERY milestones)', DeliverableRequest, (b) => ({
    type: 'RecordDeliverable',
    data: { kind: 'DELIVERY', date: happenedBy(b.date, today(), 'date', 'a delivery') },
  }));
  action(
    'acceptances',
    "Record the customer's acceptance (reaches ACCEPTANCE milestones)",
    DeliverableRequest,
    (b) => ({
      type: 'RecordDeliverable',
      data: { kind: 'ACCEPTANCE', date: happenedBy(b.date, today(), 'date', 'an acceptance') },
    }),
  );
  action('termination', 'Terminate the contract', TerminationRequest, (b) => ({
    type: 'TerminateContract',
    data: { reason: b.reason, date: happenedBy(b.date, today(), 'date', 'a termination') },
  }));
}
