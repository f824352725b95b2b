import { declaredConsumers, type KafkaAcl, kafkaAccessPlan } from '@ar/platform';
import { allServices } from './services';

/** What a user may do to a topic, by the plan: LITERAL names and PREFIXED patterns alike. */
function allowed(plan: KafkaAcl[], user: string, topic: string): string[] {
  return plan
    .filter((a) => a.principal === `User:${user}` && a.resource === 'topic')
    .filter((a) => (a.pattern === 'LITERAL' ? a.name === topic : topic.startsWith(a.name)))
    .flatMap((a) => a.operations)
    .sort();
}

/** The topic each service's relay publishes (README, Events), written out here rather than read from the code. */
const ownTopic: Record<string, string> = {
  'credit-scoring': 'p.ar.credit.events.v1',
  contract: 'p.ar.contract.events.v1',
  invoicing: 'p.ar.invoicing.events.v1',
  collections: 'p.ar.collections.events.v1',
  reporting: 'p.ar.reporting.kpis.v1',
};

describe('Kafka access plan: each service writes only its own topic and reads only what it consumes', () => {
  const plan = kafkaAccessPlan(allServices, { topicPrefix: 'p.', groupPrefix: 'g.' });

  it('given the services, invoicing writes its topic and the evidence topic, reads contract and collections, and nothing else', () => {
    expect(allowed(plan, 'invoicing', 'p.ar.invoicing.events.v1')).toEqual(['DESCRIBE', 'WRITE']);
    expect(allowed(plan, 'invoicing', 'p.ar.evidence.checkpoints.v1')).toEqual(['DESCRIBE', 'WRITE']);
    expect(allowed(plan, 'invoicing', 'p.ar.contract.events.v1')).toEqual(['DESCRIBE', 'READ']);
    expect(allowed(plan, 'invoicing', 'p.ar.collections.events.v1')).toEqual(['DESCRIBE', 'READ']);
    expect(allowed(plan, 'invoicing', 'p.ar.credit.events.v1')).toEqual([]);
    expect(allowed(plan, 'invoicing', 'p.ar.reporting.kpis.v1')).toEqual([]);
    // Its own dead-letter topics, not another service's.
    expect(allowed(plan, 'invoicing', 'p.ar.contract.events.v1.dlq.invoicing.milestones')).toEqual([
      'CREATE',
      'DESCRIBE',
      'WRITE',
    ]);
    expect(allowed(plan, 'invoicing', 'p.ar.contract.events.v1.dlq.credit-scoring.exposure')).toEqual([]);
  });

  it('gives every consumer read on each topic it reads and its group, and no service write on a topic of another', () => {
    for (const def of allServices) {
      for (const consumer of declaredConsumers(def)) {
        expect(plan).toContainEqual(
          expect.objectContaining({
            principal: `User:${def.name}`,
            resource: 'group',
            pattern: 'PREFIXED',
            name: `g.${def.name}.`,
          }),
        );
        expect(consumer.topics.length).toBeGreaterThan(0);
      }
      const writes = plan.filter(
        (a) =>
          a.principal === `User:${def.name}` && a.operations.includes('WRITE') && a.pattern === 'LITERAL',
      );
      expect(writes.map((a) => a.name).sort()).toEqual(
        ['p.ar.evidence.checkpoints.v1', ownTopic[def.name]!].sort(),
      );
    }
  });

  it('reads the consumers each service declares (reporting reads the four domain topics)', () => {
    const reporting = allServices.find((d) => d.name === 'reporting')!;
    expect(
      declaredConsumers(reporting)
        .flatMap((c) => c.topics)
        .sort(),
    ).toEqual(['collections', 'contract', 'credit', 'invoicing']);
    expect(allowed(plan, 'reporting', 'p.ar.reporting.kpis.v1')).toEqual(['DESCRIBE', 'WRITE']);
    expect(allowed(plan, 'reporting', 'p.ar.invoicing.events.v1')).toEqual(['DESCRIBE', 'READ']);
  });
});
