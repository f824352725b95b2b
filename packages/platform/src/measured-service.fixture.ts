// First, as the services' main.ts: pg instrumented before it loads, when OTLP is configured.
import './tracing-preload';
import { type Decider, RuleViolation } from '@ar/kernel';
import { z } from 'zod';
import { aggregate } from './aggregate';
import { commandMetadata } from './http-app';
import { runServiceProcess } from './run';
import type { ServiceDefinition } from './service';

type Add = { type: 'Add'; data: { n: number } };
type Added = { type: 'Added'; data: { n: number } };

/** A counter that refuses to go down: one rule, so a refusal can be counted. */
const counter: Decider<Add, Added, { total: number }> = {
  initialState: () => ({ total: 0 }),
  evolve: (state, event) => ({ total: state.total + event.data.n }),
  decide: (command) => {
    if (command.data.n < 0) throw new RuleViolation('NEGATIVE', 'a counter only goes up');
    return [{ type: 'Added', data: { n: command.data.n } }];
  },
};

/**
 * A test fixture, not part of the platform: a small service with everything the platform
 * measures - REST commands, a relay, a consumer of the contract topic that parks negative
 * amounts, a projection and a day job.
 */
export const measured: ServiceDefinition = {
  name: 'invoicing',
  description: 'a service to measure',
  defaultPort: 0,
  schema: 'metrics',
  publishes: 'invoicing',
  migrations: [{ id: 'metrics-001', sql: 'create table seen (event_id text primary key)' }],
  routes: (app, ctx) => {
    const counters = aggregate(ctx, {
      category: 'counter',
      decider: counter,
      exists: (s): s is { total: number } => s.total > 0,
      notFound: (id) => new RuleViolation('NOT_FOUND', `no counter ${id}`),
    });
    app.post(
      '/counters/:id/add',
      {
        config: { roles: ['finance'] },
        schema: { params: z.object({ id: z.string() }), body: z.object({ n: z.number().int() }) },
      },
      async (request, reply) => {
        await counters.execute(
          request.params.id,
          { type: 'Add', data: request.body },
          { metadata: commandMetadata(request) },
        );
        return reply.code(201).send({ ok: true });
      },
    );
  },
  consumers: () => [
    {
      name: 'milestones',
      topics: ['contract'],
      handle: async (client, event) => {
        if ((event.data as { amount: number }).amount < 0)
          throw new RuleViolation('NEGATIVE', 'a negative amount cannot be invoiced');
        await client.query('insert into seen (event_id) values ($1)', [event.eventId]);
      },
    },
  ],
  projections: () => [{ name: 'totals', tables: [], apply: async () => {} }],
  businessDays: () => [{ name: 'tally', run: async () => 2 }],
};

// Run as a process of its own (`node --import tsx packages/platform/src/measured-service.fixture.ts`), as the
// services' main.ts do: what a test of outages kills and starts around.
if (require.main === module) {
  runServiceProcess(measured).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
