import { EntityId } from '@ar/contracts';
import { NotFound } from '@ar/kernel';
import { callerOf, fileResponse, READERS, type ServiceContext, type ServiceHttpApp } from '@ar/platform';
import { z } from 'zod';
import type { DeliverySettings } from './config';
import { documentOf, resendMessage } from './queue';

const ResendRequest = z
  .object({ reason: z.string().trim().min(1).max(1000).optional() })
  .strict()
  .describe('Why it is sent again (e.g. the mail server is back, the mailbox was fixed)');

/** The seal's public key, and the letters as archived (issue 18 items 1, 2). */
export function deliveryRoutes(app: ServiceHttpApp, ctx: ServiceContext, settings: DeliverySettings) {
  app.get(
    '/letters/signing-key',
    {
      config: { roles: 'public' },
      // Public like /health, so out of the OpenAPI document (whose operations all name roles); the README documents it.
      schema: {
        hide: true,
        summary:
          "The public key that verifies the detached Ed25519 signature of the company's letters (anyone: a recipient has no account)",
        tags: ['letters'],
      },
    },
    async () => ({
      algorithm: 'Ed25519',
      keyId: settings.signer.keyId,
      publicKeyPem: settings.signer.publicKeyPem,
      development: settings.signer.development,
      verify:
        'openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in letter.pdf -sigfile <(base64 -d letter.pdf.sig)',
    }),
  );

  app.get(
    '/messages/:messageId/document',
    {
      config: { roles: READERS },
      schema: {
        summary:
          'The signed PDF letter archived with a message (its detached signature in the X-Signature header)',
        tags: ['letters'],
        params: z.object({ messageId: EntityId }),
        response: {
          200: fileResponse(
            'application/pdf',
            'the signed PDF letter, as archived (X-Signature: its detached Ed25519 signature, base64; X-Signature-Key-Id: the key)',
          ),
        },
      },
    },
    async (request, reply) => {
      const doc = await documentOf(ctx.pool, request.params.messageId);
      if (!doc?.document)
        throw new NotFound(
          'DOCUMENT_NOT_FOUND',
          `no letter archived with message ${request.params.messageId}`,
          'messageId',
        );
      return reply
        .header('content-type', 'application/pdf')
        .header('x-signature', doc.signature ?? '')
        .header('x-signature-key-id', settings.signer.keyId)
        .send(doc.document);
    },
  );

  app.post(
    '/admin/messages/:messageId/resend',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Send a failed or deferred message again (it is screened again when sent)',
        description:
          '409 when it was delivered, is already queued or is being sent now (never sent twice; answered at once); 404 for no such message.',
        tags: ['admin'],
        params: z.object({ messageId: EntityId }),
        body: ResendRequest.optional(),
        response: { 200: z.object({ messageId: z.string(), status: z.literal('QUEUED') }) },
      },
    },
    async (request) =>
      resendMessage(ctx, request.params.messageId, callerOf(request).subject, request.body?.reason),
  );
}
