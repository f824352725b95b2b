import type { ServiceContext, ServiceDefinition } from '@ar/platform';
import { collectionsDailyRun } from './case/daily';
import { caseHandler, caseMigrations, casesLookup } from './case/handler';
import { caseRoutes } from './case/routes';
import { contactMigrations, contactsLookup } from './contact/handler';
import { contactRoutes } from './contact/routes';
import { type DeliverySettings, deliverySettingsFromEnv } from './delivery/config';
import { DeliveryWorker, deliveryMigrations, deliveryQueue } from './delivery/queue';
import { deliveryRoutes } from './delivery/routes';
import { collectionsEvidence } from './evidence/source';
import { caseListMigrations, caseListRoutes } from './finding/cases';
import { onCreditEvent, onInvoicingEvent } from './reactions/on-invoicing-event';
import { messageDispatch, worklistMigrations, worklistProjection } from './worklist/worklist';

/**
 * Collections, delivering by `settings` (default: from the environment, read when the service
 * starts - SMTP_URL etc.; without them email is only recorded).
 */
export function collectionsServiceWith(settings?: () => DeliverySettings): ServiceDefinition {
  let delivery: DeliverySettings | undefined;
  const deliverySettings = (ctx: ServiceContext) => {
    delivery ??= settings ? settings() : deliveryFromEnv(ctx);
    return delivery;
  };
  return {
    name: 'collections',
    description:
      'Reminders, the escalation ladder, strategies, promises to pay, instalment plans, compliant messages delivered by email with signed PDF letters, contact preferences, the worklist.',
    defaultPort: 4104,
    schema: 'collections',
    publishes: 'collections',
    migrations: [
      ...caseMigrations,
      ...worklistMigrations,
      ...deliveryMigrations,
      ...contactMigrations,
      ...caseListMigrations,
    ],
    inlineProjections: [casesLookup, contactsLookup],
    routes: (app, ctx) => {
      caseRoutes(app, ctx, caseHandler(ctx));
      contactRoutes(app, ctx);
      caseListRoutes(app, ctx);
      deliveryRoutes(app, ctx, deliverySettings(ctx));
    },
    consumers(ctx) {
      const cases = caseHandler(ctx);
      return [
        {
          name: 'invoices',
          topics: ['invoicing'],
          handle: (client, event) => onInvoicingEvent(client, event, cases),
        },
        { name: 'customers', topics: ['credit'], handle: (client, event) => onCreditEvent(client, event) },
      ];
    },
    projections: (ctx) => [worklistProjection, messageDispatch, deliveryQueue(ctx, deliverySettings(ctx))],
    businessDays: (ctx) => [collectionsDailyRun(ctx, caseHandler(ctx))],
    evidence: (ctx) => collectionsEvidence(ctx),
    workers: (ctx) => [{ name: 'delivery', ...deliveryWorker(ctx, deliverySettings(ctx)) }],
  };
}

/**
 * From the environment, letters sealed with the service's company key - the one its evidence
 * checkpoints are signed with - read from the same development key file when there is no company key.
 */
function deliveryFromEnv(ctx: ServiceContext): DeliverySettings {
  const devKeyFile = ctx.signer?.devKeyFile;
  const settings = deliverySettingsFromEnv(
    devKeyFile ? { ...process.env, LETTER_DEV_KEY_FILE: devKeyFile } : process.env,
  );
  return ctx.signer ? { ...settings, signer: ctx.signer } : settings;
}

function deliveryWorker(
  ctx: Parameters<NonNullable<ServiceDefinition['workers']>>[0],
  settings: DeliverySettings,
) {
  const worker = new DeliveryWorker(ctx, settings);
  return { start: () => worker.start(), stop: () => worker.stop() };
}

export const collectionsService: ServiceDefinition = collectionsServiceWith();
