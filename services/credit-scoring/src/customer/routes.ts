import {
  type CommitteeMember,
  CommitteeVoteRequest,
  CreditCheckRequest,
  CreditCheckResult,
  CreditReservationRequest,
  CreditReservationResult,
  CustomerCreditView,
  CustomerSignalRequest,
  EntityId,
  exactTotal,
  FinancialIndicatorsRequest,
  FreezeRequest,
  LimitOverrideRequest,
  RegisterCustomerRequest,
  TermExceptionRequest,
  TierOverrideRequest,
  UnfreezeRequest,
} from '@ar/contracts';
import { Forbidden } from '@ar/kernel';
import {
  type Caller,
  COMMITTEE_ROLES,
  callerOf,
  commandMetadata,
  READERS,
  type Role,
  replyCreated,
  type ServiceContext,
  type ServiceHttpApp,
} from '@ar/platform';
import { z } from 'zod';
import { checkCredit, exposureInLimitCurrency } from '../credit-check/credit-check';
import { exposureByCurrency, releaseReservation, reserveExposure } from '../exposure/exposure';
import type { CreditPolicy } from '../policy/credit-policy';
import type { CustomerCommand } from './decider';
import type { CustomerHandler } from './handler';
import type { CreditFile } from './state';

const CustomerParams = z.object({ customerId: EntityId });
const ReservationParams = z.object({ customerId: EntityId, reservationId: EntityId });
const VoteParams = z.object({ customerId: EntityId, exceptionId: EntityId });

/** REST for credit: what sales, finance, risk and other internal systems call. */
export function customerRoutes(
  app: ServiceHttpApp,
  ctx: ServiceContext,
  customers: CustomerHandler,
  policy: CreditPolicy,
) {
  const today = () => ctx.clock.today();
  const industries = Object.keys(policy.industryRisk) as [string, ...string[]];
  const Register = RegisterCustomerRequest.extend({
    industry: z.enum(industries, { error: `must be one of ${industries.join(', ')}` }),
  });

  async function view(file: CreditFile, version: number): Promise<CustomerCreditView> {
    const byCurrency = await exposureByCurrency(ctx.pool, file.profile.customerId);
    const counted = exposureInLimitCurrency(byCurrency, policy);
    return {
      customerId: file.profile.customerId,
      profile: file.profile,
      score: file.score,
      factors: file.factors,
      tier: file.tier,
      tierOverridden: file.tierOverridden,
      paymentTermDays: file.paymentTermDays,
      limit: file.limit,
      limitOverridden: file.limitOverridden,
      currency: policy.currency,
      creditPoints: file.inputs.creditPoints,
      frozen: file.frozen ?? null,
      exposure: {
        openReceivables: exactTotal(counted.openReceivables),
        unbilledContracts: exactTotal(counted.unbilledContracts),
        total: exactTotal(counted.total),
        byCurrency: byCurrency.map((e) => ({
          currency: e.currency,
          openReceivables: exactTotal(e.openReceivables),
          unbilledContracts: exactTotal(e.unbilledContracts),
        })),
        unconverted: counted.unconverted.map((e) => e.currency),
      },
      version,
    };
  }

  app.post(
    '/customers',
    {
      config: { roles: ['sales', 'risk'] },
      schema: {
        summary: 'Register a customer with its profile; it is scored and tiered at once',
        tags: ['customers'],
        body: Register,
        response: { 201: CustomerCreditView },
      },
    },
    async (request, reply) => {
      const profile = request.body;
      const result = await customers.execute(
        profile.customerId,
        { type: 'RegisterCustomer', data: { profile, on: today() } },
        { metadata: commandMetadata(request) },
      );
      replyCreated(reply, `/customers/${profile.customerId}/credit`, result.version);
      return view(result.state as CreditFile, result.version);
    },
  );

  app.get(
    '/customers/:customerId/credit',
    {
      config: { roles: [...READERS, 'service:contract'] },
      schema: {
        summary: 'The customer credit: score and why, tier, limit, exposure, freeze',
        tags: ['customers'],
        params: CustomerParams,
        response: { 200: CustomerCreditView },
      },
    },
    async (request) => {
      const { state, version } = await customers.mustExist(request.params.customerId);
      return view(state, version);
    },
  );

  app.post(
    '/customers/:customerId/credit-checks',
    {
      config: { roles: ['sales', 'finance', 'risk', 'service:contract'] },
      schema: {
        summary: 'Does this new exposure fit the customer credit? And if not, why not',
        tags: ['customers'],
        params: CustomerParams,
        body: CreditCheckRequest,
        response: { 200: CreditCheckResult },
      },
    },
    async (request) => {
      const { state } = await customers.mustExist(request.params.customerId);
      const exposure = await exposureByCurrency(ctx.pool, request.params.customerId);
      return checkCredit(state, exposure, request.body, policy);
    },
  );

  app.post(
    '/customers/:customerId/credit-reservations',
    {
      config: { roles: ['service:contract'] },
      schema: {
        summary:
          'The credit check at signing, reserving the amount when it fits (idempotent by reservationId)',
        description:
          'Checked and reserved under one lock per customer: two contracts signed at once cannot both take the room for one. The reservation counts as unbilled contract value until the signed contract replaces it, it is released, the contract is terminated, or it expires (reservationExpirySeconds). The same reservationId again answers as the first approval did; with another amount, currency or customer it is a 409.',
        tags: ['customers'],
        params: CustomerParams,
        body: CreditReservationRequest,
        response: { 200: CreditReservationResult },
      },
    },
    async (request) => {
      const { customerId } = request.params;
      const { state } = await customers.mustExist(customerId);
      const { reservationId, amount, currency, prepayment, termExceptionId } = request.body;
      const result = await reserveExposure(
        ctx.pool,
        { customerId, reservationId, amount, currency, prepayment },
        policy.reservationExpirySeconds,
        (exposure) => checkCredit(state, exposure, request.body, policy),
      );
      // The term exception a signature names, as kept for this customer (another's id finds nothing):
      // the contract holds its terms to it.
      const termException = termExceptionId ? state.termExceptions?.[termExceptionId] : undefined;
      return { ...result, reservationId, ...(termException ? { termException } : {}) };
    },
  );

  app.post(
    '/customers/:customerId/credit-reservations/:reservationId/release',
    {
      config: { roles: ['service:contract'] },
      schema: {
        summary:
          'Release a reservation whose signing did not happen (a signed contract is released by its termination)',
        tags: ['customers'],
        params: ReservationParams,
        response: { 200: z.object({ reservationId: EntityId, released: z.boolean() }) },
      },
    },
    async (request) => {
      const { customerId, reservationId } = request.params;
      return { reservationId, released: await releaseReservation(ctx.pool, customerId, reservationId) };
    },
  );

  /** Who may do each thing to a customer's credit (the roles of packages/platform/src/auth/roles.ts). */
  const ACTION_ROLES = {
    financials: ['risk', 'finance'],
    signals: ['risk', 'legal'],
    'tier-override': ['risk'],
    'limit-override': ['risk'],
    'term-exceptions': ['risk'],
    freeze: ['risk', 'finance'],
    unfreeze: ['risk', 'finance'],
  } as const satisfies Record<string, readonly Role[]>;

  function action<B extends z.ZodType>(
    path: keyof typeof ACTION_ROLES,
    summary: string,
    body: B,
    command: (b: z.infer<B>, caller: Caller) => CustomerCommand,
  ) {
    app.post(
      `/customers/:customerId/${path}`,
      {
        config: { roles: ACTION_ROLES[path] },
        schema: {
          summary,
          tags: ['customers'],
          params: CustomerParams,
          body,
          response: { 200: CustomerCreditView },
        },
      },
      async (request) => {
        const { customerId } = request.params;
        // The decider refuses an unknown customer (404), so the result is a credit file.
        const result = await customers.execute(
          customerId,
          command(request.body as z.infer<B>, callerOf(request)),
          { metadata: commandMetadata(request) },
        );
        return view(result.state as CreditFile, result.version);
      },
    );
  }

  app.post(
    '/customers/:customerId/committee-decisions/:exceptionId/votes',
    {
      config: { roles: Object.values(COMMITTEE_ROLES) },
      schema: {
        summary: "Cast one credit-committee member's vote on an exception (the third vote decides)",
        description:
          "The committee is three people: SALES (sales role), FINANCE (finance role) and LEGAL (legal role), each voting with a reason under their own token; one person cannot cast two members' votes. The exception is approved when all three approve (CreditCommitteeDecided, naming each voter).",
        tags: ['customers'],
        params: VoteParams,
        body: CommitteeVoteRequest,
        response: { 200: CustomerCreditView },
      },
    },
    async (request) => {
      const { customerId, exceptionId } = request.params;
      const caller = callerOf(request);
      const { member, approve, reason, amount, termDays } = request.body;
      const needed = COMMITTEE_ROLES[member as z.infer<typeof CommitteeMember>];
      if (!caller.roles.includes(needed))
        throw new Forbidden(
          'ROLE_REQUIRED',
          `the ${member} member's vote needs the ${needed} role; the token carries ${caller.roles.join(', ') || 'none'}`,
          'member',
        );
      const result = await customers.execute(
        customerId,
        {
          type: 'CastCommitteeVote',
          data: {
            exceptionId,
            amount,
            ...(termDays !== undefined ? { termDays } : {}),
            member,
            approve,
            reason,
            voter: caller.subject,
            date: today(),
          },
        },
        { metadata: commandMetadata(request) },
      );
      return view(result.state as CreditFile, result.version);
    },
  );

  action(
    'financials',
    'Update financial indicators (re-scores)',
    FinancialIndicatorsRequest,
    ({ asOf, ...indicators }) => ({
      type: 'UpdateFinancials',
      data: { indicators, asOf: asOf ?? today() },
    }),
  );
  action(
    'signals',
    'Record a legal, registration or key-personnel signal (re-scores)',
    CustomerSignalRequest,
    (b) => ({
      type: 'RecordSignal',
      data: { ...b, date: b.date ?? today() },
    }),
  );
  action(
    'tier-override',
    'Override the tier, with a reason (risk role)',
    TierOverrideRequest,
    (b, caller) => ({ type: 'OverrideTier', data: { ...b, decidedBy: caller.subject, date: today() } }),
  );
  action(
    'limit-override',
    'Override the limit, with a reason (risk role)',
    LimitOverrideRequest,
    (b, caller) => ({ type: 'OverrideLimit', data: { ...b, decidedBy: caller.subject, date: today() } }),
  );
  action(
    'term-exceptions',
    "Allow payment terms longer than the tier's, with a reason (risk role): a signature names it by exceptionId",
    TermExceptionRequest,
    (b, caller) => ({ type: 'GrantTermException', data: { ...b, decidedBy: caller.subject, date: today() } }),
  );
  action('freeze', 'Freeze the customer credit', FreezeRequest, (b, caller) => ({
    type: 'FreezeCredit',
    data: { reason: b.reason, requestedBy: caller.subject, date: today() },
  }));
  action('unfreeze', 'Unfreeze the customer credit by a recorded decision', UnfreezeRequest, (b, caller) => ({
    type: 'UnfreezeCredit',
    data: { reason: b.reason, decidedBy: caller.subject, date: today() },
  }));
}
