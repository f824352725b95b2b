import { createKafkaBus, InProcessBus, type MessageBus } from '@ar/messaging';
import {
  BusinessClock,
  type RunningService,
  type ServiceDefinition,
  type ServiceInfrastructure,
  startService,
  topicNames,
} from '@ar/platform';
import { AppendNotifier } from '@ar/postgres';
import { authHeaders, testAuth } from './auth';
import { quietLogger, testInfra, unique } from './infra';

/**
 * Services of one test, in this process, on the real PostgreSQL server and one controllable
 * business clock, over the real Kafka broker (`kafkaPlatform`) or the in-process bus
 * (`inProcessPlatform`). Unique topic, consumer-group and schema names (`<run>_<service schema>`)
 * isolate the test from every other; `stop` stops the services in reverse order, then the clients.
 */
function testPlatform<Bus extends MessageBus>(name: string, startDay: string, makeBus: (run: string) => Bus) {
  const { databaseUrl, kafkaBrokers } = testInfra();
  const run = unique(name);
  const prefix = `${run}.`;
  const bus = makeBus(run);
  const notifier = new AppendNotifier(databaseUrl);
  const clock = new BusinessClock(startDay);
  const running: RunningService[] = [];
  let started = false;

  return {
    run,
    clock,
    bus,
    notifier,
    databaseUrl,
    kafkaBrokers,
    topics: topicNames(prefix),
    async start(
      def: ServiceDefinition,
      options: Partial<ServiceInfrastructure> = {},
    ): Promise<RunningService> {
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
        ...options,
      });
      running.push(service);
      return service;
    },
    /**
     * Every service has handled everything stored so far - what one service's relay publishes
     * when it catches up is another's to handle, so as many rounds as there are services (a
     * service caught up before the one it hears from had published all was a flaky read model).
     */
    async caughtUp() {
      for (let round = 0; round < running.length; round++)
        for (const service of running) await service.caughtUp();
    },
    async stop() {
      for (const service of running.reverse()) await service.stop();
      await bus.close();
      await notifier.stop();
    },
  };
}

export const kafkaPlatform = (name: string, startDay: string) =>
  testPlatform(name, startDay, (run) =>
    createKafkaBus({ brokers: testInfra().kafkaBrokers, clientId: run, logger: quietLogger }),
  );
/** Its `bus` is the in-process one, so a test can read what was published (`bus.retained`). */
export const inProcessPlatform = (name: string, startDay: string) =>
  testPlatform(name, startDay, () => new InProcessBus());

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
