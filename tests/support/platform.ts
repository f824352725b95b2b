import { createKafkaBus } from '@ar/messaging';
import {
  BusinessClock,
  type RunningService,
  type ServiceDefinition,
  startService,
  topicNames,
} from '@ar/platform';
import { AppendNotifier } from '@ar/postgres';
import { authHeaders, testAuth } from './auth';
import { quietLogger, testInfra, unique } from './infra';

/**
 * Services of one test, in this process, over the real Kafka broker and PostgreSQL server, on
 * one controllable business clock. Unique topic, consumer-group and schema names isolate the
 * test from every other; `stop` stops the services in reverse order, then the clients.
 */
export function kafkaPlatform(name: string, startDay: string) {
  const { databaseUrl, kafkaBrokers } = testInfra();
  const run = unique(name);
  const prefix = `${run}.`;
  const bus = createKafkaBus({ brokers: kafkaBrokers, clientId: run, logger: quietLogger });
  const notifier = new AppendNotifier(databaseUrl);
  const clock = new BusinessClock(startDay);
  const running: RunningService[] = [];
  let started = false;

  return {
    run,
    clock,
    bus,
    kafkaBrokers,
    topics: topicNames(prefix),
    async start(def: ServiceDefinition): Promise<RunningService> {
      if (!started) {
        await notifier.start();
        started = true;
      }
      const service = await startService(def, {
        databaseUrl,
        bus,
        notifier,
        logger: quietLogger,
        host: '127.0.0.1',
        port: 0,
        auth: testAuth,
        clock,
        topicPrefix: prefix,
        groupPrefix: prefix,
        schema: `${run}_${def.schema}`,
      });
      running.push(service);
      return service;
    },
    async stop() {
      for (const service of running.reverse()) await service.stop();
      await bus.close();
      await notifier.stop();
    },
  };
}

/**
 * A request to a service through fastify's inject: status and JSON body. It carries a token of
 * the test issuer with every role unless `headers` has its own `authorization` (or
 * `authorization: ''` for none).
 */
export async function call(
  service: RunningService,
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  payload?: object,
  headers: Record<string, string> = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests read the JSON field by field
): Promise<{ status: number; body: any }> {
  const { authorization, ...rest } = { ...(await authHeaders()), ...headers };
  const res = await service.app.inject({
    method,
    url,
    headers: { ...rest, ...(authorization ? { authorization } : {}) },
    ...(payload ? { payload } : {}),
  });
  return { status: res.statusCode, body: res.json() };
}
