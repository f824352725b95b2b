import { historyRoute, type ServiceDefinition } from '@ar/platform';
import { loadInvoicingConfig } from './config';
import { invoicingEvidence } from './evidence/source';
import { invoiceListMigrations, invoiceListProjection } from './finding/invoice-list';
import { invoiceListRoutes } from './finding/invoice-routes';
import { paymentListMigrations, paymentListProjection } from './finding/payment-list';
import { paymentListRoutes } from './finding/payment-routes';
import { invoiceHandler } from './invoice/handler';
import { invoiceRoutes } from './invoice/routes';
import { openItemsMigrations, openItemsProjection } from './ledger/open-items';
import { ledgerRoutes } from './ledger/routes';
import { overdueClock } from './overdue/overdue-clock';
import { cashApplication } from './payment/cash-application';
import { paymentRoutes } from './payment/routes';
import { onInstalmentPlanAgreed } from './reactions/on-instalment-plan-agreed';
import { onMilestoneReached } from './reactions/on-milestone-reached';

const config = loadInvoicingConfig();

export const invoicingService: ServiceDefinition = {
  name: 'invoicing',
  description:
    'Invoices from milestones, payments and their allocation (cash application), the overdue clock, late fees, instalment plans, credit notes, disputes, write-offs and factoring.',
  defaultPort: 4103,
  schema: 'invoicing',
  publishes: 'invoicing',
  migrations: [...openItemsMigrations, ...invoiceListMigrations, ...paymentListMigrations],
  inlineProjections: [openItemsProjection, paymentListProjection],
  routes(app, ctx) {
    const invoices = invoiceHandler(ctx, config);
    invoiceRoutes(app, ctx, invoices, config);
    paymentRoutes(app, ctx, cashApplication(ctx, invoices));
    ledgerRoutes(app, ctx);
    invoiceListRoutes(app, ctx);
    paymentListRoutes(app, ctx);
    historyRoute(app, ctx, {
      path: '/invoices',
      param: 'invoiceId',
      category: 'invoice',
      what: 'an invoice',
    });
  },
  consumers(ctx) {
    const invoices = invoiceHandler(ctx, config);
    return [
      {
        name: 'milestones',
        topics: ['contract'],
        handle: (client, event) => onMilestoneReached(client, event, invoices, config),
      },
      {
        name: 'instalment-plans',
        topics: ['collections'],
        handle: (client, event) => onInstalmentPlanAgreed(client, event, invoices),
      },
    ];
  },
  projections: (ctx) => [invoiceListProjection(invoiceHandler(ctx, config).policy)],
  evidence: (ctx) => invoicingEvidence(ctx),
  businessDays: (ctx) => [overdueClock(ctx, invoiceHandler(ctx, config))],
};
