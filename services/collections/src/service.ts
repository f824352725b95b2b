import type { ServiceDefinition } from '@ar/platform';

/**
 * Skeleton: the service runs, owns its schema and serves /health, /ready and /docs on its
 * port; its domain (see its issue) is not built yet.
 */
export const collectionsService: ServiceDefinition = {
  name: 'collections',
  description:
    'Reminders, the escalation ladder, strategies, promises to pay, instalment plans, compliant messages.',
  defaultPort: 4104,
  schema: 'collections',
  publishes: 'collections',
  routes: () => {},
};
