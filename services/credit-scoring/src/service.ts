import type { ServiceDefinition } from '@ar/platform';

/**
 * Skeleton: the service runs, owns its schema and serves /health, /ready and /docs on its
 * port; its domain (see its issue) is not built yet.
 */
export const creditScoringService: ServiceDefinition = {
  name: 'credit-scoring',
  description: 'Customer profiles, explainable credit scores, tiers, limits, early warning, credit freeze.',
  defaultPort: 4101,
  schema: 'credit_scoring',
  publishes: 'credit',
  routes: () => {},
};
