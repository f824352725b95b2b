import type { ServiceDefinition } from '@ar/platform';

/**
 * Skeleton: the service runs, owns its schema and serves /health, /ready and /docs on its
 * port; its domain (see its issue) is not built yet.
 */
export const contractService: ServiceDefinition = {
  name: 'contract',
  description: 'Contracts, payment milestones, clause library, late-fee terms, dynamic clauses.',
  defaultPort: 4102,
  schema: 'contract',
  publishes: 'contract',
  routes: () => {},
};
