import {
  ContractView,
  DeliverableRequest,
  DraftContractRequest,
  EntityId,
  SignContractRequest,
  TerminationRequest,
} from '@ar/contracts';
import { happenedBy } from '@ar/kernel';
import {
  commandMetadata,
  IdempotencyKeyHeader,
  idOfCreated,
  READERS,
  type Role,
  replyCreated,
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
      config: { roles: ['sales'] },
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
      replyCreated(reply, `/contracts/${contractId}`, result.version);
      return contractView(result.state as Contract, result.version);
    },
  );

  app.get(
    '/contracts/:contractId',
    {
      config: { roles: READERS },
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
      config: { roles: ['sales', 'risk'] },
      schema: {
        summary:
          "Sign: credit-scoring reserves the contract value; refused for a frozen or over-limit customer, or a term longer than the tier's without a recorded exception",
        description:
          "A prepayment contract (CAUTIOUS) reserves no credit. A milestone term longer than the tier allows needs `termException: {exceptionId}`: a decision credit-scoring keeps for the customer - recorded by the risk role (POST /customers/:id/term-exceptions) or decided by the credit committee's three votes with termDays - checked with credit-scoring at signing; none, another customer's, not approved or too short: 422 naming termException.exceptionId (one not held or not approved is refused even when the terms need none: a signature records every exception it names). Signing again on the signature's day with the same termException answers as the first did; another termException, none for one, or another date is a 409 naming the field.",
        tags: ['contracts'],
        params: ContractParams,
        body: SignContractRequest,
        response: { 200: ContractView },
      },
    },
    async (request) => {
      const { contractId } = request.params;
      // A stored decision, named by its id: credit-scoring answers it with the reservation (#14).
      const termException = request.body.termException;
      const date = happenedBy(request.body.date, today(), 'date', 'a signature');
      const { state } = await contracts.mustExist(contractId);
      // Only a draft is checked: signing again (a retry) must not reserve the value a second time.
      const drafted = state.status === 'DRAFT' ? state.drafted : undefined;
      const reservation = drafted
        ? await credit.reserve({
            customerId: drafted.customerId,
            contractId,
            amount: drafted.value,
            currency: drafted.currency,
            prepayment: state.prepayment,
            termExceptionId: termException?.exceptionId,
          })
        : undefined;
      try {
        const result = await contracts.execute(
          contractId,
          { type: 'SignContract', data: { date, credit: reservation, termException } },
          { metadata: commandMetadata(request) },
        );
        return contractView(result.state as Contract, result.version);
      } catch (error) {
        // Not signed after all (terms, a conflict): the reservation must not hold the customer's credit.
        if (drafted && reservation?.approved) {
          const after = await contracts.load(contractId);
          if (after.state.status === 'DRAFT') {
            await credit
              .release(drafted.customerId, contractId)
              .catch((e) =>
                ctx.logger.warn({ err: e, contractId }, 'credit reservation not released: it expires'),
              );
          }
        }
        throw error;
      }
    },
  );

  /** Who may do each thing to it (the roles of packages/platform/src/auth/roles.ts). */
  const ACTION_ROLES = {
    deliveries: ['sales'],
    acceptances: ['sales'],
    termination: ['sales', 'legal'],
  } as const satisfies Record<string, readonly Role[]>;

  function action<B extends z.ZodType>(
    path: keyof typeof ACTION_ROLES,
    summary: string,
    body: B,
    command: (b: z.infer<B>) => ContractCommand,
  ) {
    app.post(
      `/contracts/:contractId/${path}`,
      {
        config: { roles: ACTION_ROLES[path] },
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
