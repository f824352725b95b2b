import { ContactPreferencesRequest, EntityId, OptInRequest, OptOutRequest } from '@ar/contracts';
import { callerOf, commandMetadata, READERS, type ServiceContext, type ServiceHttpApp } from '@ar/platform';
import { z } from 'zod';
import { contactHandler } from './handler';

const Params = z.object({ customerId: EntityId });
/** Who may record how a customer is contacted: the people who talk to them. */
const CONTACT_ROLES = ['collector', 'sales'] as const;

/** REST for contact persons, preferences and consent (issue 18 item 3). */
export function contactRoutes(app: ServiceHttpApp, ctx: ServiceContext) {
  const contacts = contactHandler(ctx);
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
      },
    },
    async (request) => view(request.params.customerId),
  );

  app.put(
    '/customers/:customerId/contact-preferences',
    {
      config: { roles: CONTACT_ROLES },
      schema: {
        summary: 'Set the contact persons, channel, language and quiet days (they replace the previous ones)',
        tags: ['contacts'],
        params: Params,
        body: ContactPreferencesRequest,
      },
    },
    async (request) => {
      const { customerId } = request.params;
      await contacts.execute(
        customerId,
        {
          type: 'SetContactPreferences',
          data: {
            customerId,
            ...request.body,
            recordedBy: callerOf(request).subject,
            date: ctx.clock.today(),
          },
        },
        { metadata: commandMetadata(request) },
      );
      return view(customerId);
    },
  );

  app.post(
    '/customers/:customerId/contact-opt-outs',
    {
      config: { roles: CONTACT_ROLES },
      schema: {
        summary: "Record the customer's 'stop contacting me by this channel'",
        tags: ['contacts'],
        params: Params,
        body: OptOutRequest,
      },
    },
    async (request) => {
      const { customerId } = request.params;
      await contacts.execute(
        customerId,
        {
          type: 'OptOut',
          data: {
            customerId,
            ...request.body,
            recordedBy: callerOf(request).subject,
            date: ctx.clock.today(),
          },
        },
        { metadata: commandMetadata(request) },
      );
      return view(customerId);
    },
  );

  app.post(
    '/customers/:customerId/contact-opt-ins',
    {
      config: { roles: CONTACT_ROLES },
      schema: {
        summary: 'Record the customer agreeing again to be contacted by this channel',
        tags: ['contacts'],
        params: Params,
        body: OptInRequest,
      },
    },
    async (request) => {
      const { customerId } = request.params;
      await contacts.execute(
        customerId,
        {
          type: 'OptIn',
          data: {
            customerId,
            ...request.body,
            recordedBy: callerOf(request).subject,
            date: ctx.clock.today(),
          },
        },
        { metadata: commandMetadata(request) },
      );
      return view(customerId);
    },
  );
}
