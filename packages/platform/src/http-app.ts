import type { EventMetadata } from '@ar/kernel';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyRequest } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { registerErrorHandler } from './error-handler';

export interface HttpAppOptions {
  service: string;
  description: string;
  logger: Logger;
  /** Answers whether the service can take traffic (database reachable, consumers running). */
  ready(): Promise<{ ready: boolean; checks: Record<string, string> }>;
}

/**
 * The fastify app every service starts from: zod validation and serialisation, the error
 * handler, OpenAPI at /docs (JSON at /docs/json), /health (alive) and /ready (can serve).
 */
export async function createHttpApp(options: HttpAppOptions) {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);

  await app.register(swagger, {
    openapi: {
      info: { title: `${options.service} service`, description: options.description, version: '1.0.0' },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok', service: options.service }));
  app.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
    const result = await options
      .ready()
      .catch((error: Error) => ({ ready: false, checks: { error: error.message } }));
    return reply.code(result.ready ? 200 : 503).send({ service: options.service, ...result });
  });
  return app;
}

export type ServiceHttpApp = Awaited<ReturnType<typeof createHttpApp>>;

/** Why and on whose behalf a command runs: the correlation id and trace context of the request. */
export function commandMetadata(request: FastifyRequest): EventMetadata {
  const header = (name: string) => {
    const value = request.headers[name];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  return {
    correlationId: header('x-correlation-id') ?? request.id,
    traceparent: header('traceparent'),
    tracestate: header('tracestate'),
    actor: header('x-actor') ?? 'rest',
  };
}
