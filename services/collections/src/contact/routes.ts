import {
  ContactPreferencesRequest,
  ContactPreferencesView,
  EntityId,
  OptInRequest,
  OptOutRequest,
} from '@ar/contracts';
import { NotFound } from '@ar/kernel';
import { callerOf, commandMetadata, READERS, type ServiceContext, type ServiceHttpApp } from '@ar/platform';
import { z } from 'zod';
import type { ContactCommand } from './decider';
import { contactHandler } from './handler';

const Params = z.object({ customerId: EntityId });
/** Who may record how a customer is contacted: the people who talk to them. */
const CONTACT_ROLES = ['collector', 'sales'] as const;

/** REST for contact persons, preferences and consent (issue 18 item 3). */
export function contactRoutes(app: ServiceHttpApp, ctx: ServiceContext) {
  const contacts = contactHandler(ctx);
  /** Contacts are recorded for customers credit-scoring registered (collections' `customers`) only. */
  const mustBeKnown = async (customerId: string) => {
    const { rowCount } = await ctx.pool.query('select 1 from customers where customer_id = $1', [customerId]);
    if (!rowCount) throw new NotFound('CUSTOMER_NOT_FOUND', `no customer ${customerId}`, 'customerId');
  };
  const view = async (customerId: string) => {
    const { state, version } = await contacts.mustExist(customerId);
    return { ...state, version };
  };

  app.get(
    '/customers/:customerId/contact-preferences',
    {
      config: { roles: READERS },
      schema: {
        summary: "A customer's contact persons, channel, language, quiet days and opt-outs",
        tags: ['contacts'],
        params: Params,
        response: { 200: ContactPreferencesView },
      },
    },
    async (request) => view(request.params.customerId),
  );

  /** Each way of recording how a customer is contacted: who recorded it and when come from the call. */
  const recording = [
    {
      method: 'PUT',
      path: 'contact-preferences',
      type: 'SetContactPreferences',
      summary: 'Set the contact persons, channel, language and quiet days (they replace the previous ones)',
      body: ContactPreferencesRequest,
    },
    {
      method: 'POST',
      path: 'contact-opt-outs',
      type: 'OptOut',
      summary: "Record the customer's 'stop contacting me by this channel'",
      body: OptOutRequest,
    },
    {
      method: 'POST',
      path: 'contact-opt-ins',
      type: 'OptIn',
      summary: 'Record the customer agreeing again to be contacted by this channel',
      body: OptInRequest,
    },
  ] as const;

  for (const { method, path, type, summary, body } of recording) {
    app.route({
      method,
      url: `/customers/:customerId/${path}`,
      config: { roles: CONTACT_ROLES },
      schema: {
        summary,
        tags: ['contacts'],
        params: Params,
        body,
        response: { 200: ContactPreferencesView },
      },
      handler: async (request) => {
        const { customerId } = request.params as z.infer<typeof Params>;
        await mustBeKnown(customerId);
        const data = {
          customerId,
          ...(request.body as object),
          recordedBy: callerOf(request).subject,
          date: ctx.clock.today(),
        };
        // The body was validated against this command's own schema above.
        await contacts.execute(customerId, { type, data } as ContactCommand, {
          metadata: commandMetadata(request),
        });
        return view(customerId);
      },
    });
  }
}
