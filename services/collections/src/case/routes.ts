import {
  ActionRequest,
  CaseDetailView,
  CasePlanRequest,
  CaseView,
  type CreditTier,
  DebtorTypeRequest,
  EntityId,
  PromiseRequest,
  ScreeningView,
  ScreenRequest,
  WorklistQuery,
  WorklistView,
} from '@ar/contracts';
import {
  commandMetadata,
  READERS,
  type Role,
  type ServiceContext,
  type ServiceHttpApp,
  STAFF,
} from '@ar/platform';
import { z } from 'zod';
import { screenMessage } from '../compliance/screening';
import { historyWithDeliveries, type MessageDelivery } from '../delivery/as-delivered';
import { deliveriesOf, deliveriesOfMessages, undeliveredMessages } from '../delivery/queue';
import { worklistAsOf } from '../worklist/worklist';
import type { CaseCommand } from './decider';
import type { CaseHandler } from './handler';
import { type DunningFile, openOf } from './state';

const CaseParams = z.object({ invoiceId: EntityId });

function caseView(
  f: DunningFile,
  events: { type: string; data: object }[],
  version: number,
  deliveries: ReadonlyMap<string, MessageDelivery>,
) {
  return {
    caseId: f.invoice.invoiceId,
    status: f.status,
    invoice: f.invoice,
    openPrincipal: openOf(f).principal,
    /** What a plan agreed today must cover: principal after payments and credit notes, and fees. */
    open: openOf(f),
    plan: f.plan ?? null,
    disputed: f.disputed,
    rungsReached: f.rungsReached,
    debtorType: f.debtorType ?? null,
    promises: f.promises,
    lastAction: f.lastAction ?? null,
    /**
     * The case history, each message with its text as decided or why it was stopped, and what
     * became of it (`delivery`: sent when, or why not yet - #14 item 8).
     */
    history: historyWithDeliveries(events, deliveries),
    version,
  };
}

/** REST for collections: the people working cases, and systems asking about them. */
export function caseRoutes(app: ServiceHttpApp, ctx: ServiceContext, cases: CaseHandler) {
  const today = () => ctx.clock.today();
  const customerOf = async (customerId: string) => {
    const { rows } = await ctx.pool.query<{ tier: CreditTier | null; name: string | null }>(
      'select tier, name from customers where customer_id = $1',
      [customerId],
    );
    return { tier: rows[0]?.tier ?? 'COOPERATIVE', name: rows[0]?.name ?? undefined };
  };
  const tierOf = async (customerId: string): Promise<CreditTier> => (await customerOf(customerId)).tier;
  /** What became of each message the case decided (its `ReminderSent`s). */
  const messagesOf = (events: { type: string; data: object }[]) =>
    deliveriesOfMessages(
      ctx,
      events.filter((e) => e.type === 'ReminderSent').map((e) => (e.data as { messageId: string }).messageId),
    );

  app.get(
    '/cases/:invoiceId',
    {
      config: { roles: READERS },
      schema: {
        summary: "An invoice's collection case: status, ladder, promises, messages, actions",
        description:
          "`history` is the case's events, oldest first. A `ReminderSent` is a message decided and queued, dated the day it was generated (`sentDate`, `sentAt`); its `delivery` says what became of it: sent only when `delivery.status` is DELIVERED, on `deliveredOn` at `deliveredAt` (absent until then), else why not yet (`reason`: the contact limit, a quiet day, the mail server; `notBefore`). `deliveries` lists each message's channel status, attempts and last answer.",
        tags: ['cases'],
        params: CaseParams,
        response: { 200: CaseDetailView },
      },
    },
    async (request) => {
      const { state, events, version } = await cases.mustExist(request.params.invoiceId);
      // The customer by the name known now (the case may have been tracked before the name came).
      const { name } = await customerOf(state.invoice.customerId);
      const named = name ? { ...state, invoice: { ...state.invoice, customerName: name } } : state;
      // Each message's delivery as its channel answered (queued, delivered, deferred, failed).
      return {
        ...caseView(named, events, version, await messagesOf(events)),
        deliveries: await deliveriesOf(ctx.pool, state.invoice.invoiceId),
      };
    },
  );

  app.get(
    '/worklist',
    {
      config: { roles: ['collector', 'sales', 'finance', 'legal', 'management'] },
      schema: {
        summary: 'Open cases for people, ranked by amount x days overdue x risk',
        tags: ['cases'],
        querystring: WorklistQuery,
        response: { 200: WorklistView },
      },
    },
    async (request) => ({
      asOf: today(),
      cases: await worklistAsOf(ctx.pool, today(), request.query.ownerRole),
      /** Messages that did not reach the customer (bounced, no contact, opted out): a person takes them. */
      undelivered: await undeliveredMessages(ctx.pool),
    }),
  );

  app.post(
    '/compliance/screen',
    {
      config: { roles: STAFF },
      schema: {
        summary: 'Screen a message text as the platform would before sending it',
        tags: ['compliance'],
        body: ScreenRequest,
        response: {
          200: ScreeningView.describe('SEND, or BLOCKED / DEFERRED with the rule and what it matched'),
        },
      },
    },
    async (request) =>
      screenMessage(
        { text: request.body.text, at: request.body.at ? new Date(request.body.at) : ctx.clock.now() },
        [],
        undefined,
        ctx.clock.time,
      ),
  );

  /** Who may do each thing to it (the roles of packages/platform/src/auth/roles.ts). */
  const ACTION_ROLES = {
    promises: ['collector', 'sales', 'finance'],
    'debtor-type': ['collector', 'finance'],
    'instalment-plans': ['collector', 'finance'],
    actions: ['collector', 'sales', 'finance', 'legal'],
    'legal-handover': ['legal', 'finance'],
  } as const satisfies Record<string, readonly Role[]>;

  function action<B extends z.ZodType>(
    path: keyof typeof ACTION_ROLES,
    summary: string,
    body: B,
    command: (b: z.infer<B>, tier: CreditTier) => CaseCommand,
  ) {
    app.post(
      `/cases/:invoiceId/${path}`,
      {
        config: { roles: ACTION_ROLES[path] },
        schema: { summary, tags: ['cases'], params: CaseParams, body, response: { 200: CaseView } },
      },
      async (request) => {
        const { invoiceId } = request.params;
        const { state } = await cases.mustExist(invoiceId);
        const tier = await tierOf(state.invoice.customerId);
        await cases.execute(invoiceId, command(request.body as z.infer<B>, tier), {
          metadata: commandMetadata(request),
        });
        const after = await cases.mustExist(invoiceId);
        return caseView(after.state, after.events, after.version, await messagesOf(after.events));
      },
    );
  }
  action('promises', 'Record a promise to pay (checked the day after its date)', PromiseRequest, (b) => ({
    type: 'RecordPromise',
    data: { ...b, date: today() },
  }));
  action(
    'debtor-type',
    'Set the debtor type (re-chooses the strategy, with the reason)',
    DebtorTypeRequest,
    (b, tier) => ({
      type: 'SetDebtorType',
      data: { ...b, date: today(), tier },
    }),
  );
  action(
    'instalment-plans',
    'Agree an instalment plan (sent to invoicing): it covers what is open (`open.total`), or the principal with fees WAIVED by a recorded decision; the case stays under it and a missed instalment is chased again',
    CasePlanRequest,
    (b) => ({
      type: 'AgreeInstalmentPlan',
      data: { ...b, date: today() },
    }),
  );
  action(
    'actions',
    'Record what a person did: a call, a visit, what the customer said, the next step',
    ActionRequest,
    (b) => ({
      type: 'RecordAction',
      data: { ...b, date: today() },
    }),
  );
  action('legal-handover', 'Hand the case to legal (closes it here)', z.object({}).strict(), () => ({
    type: 'HandToLegal',
    data: { date: today() },
  }));
}
