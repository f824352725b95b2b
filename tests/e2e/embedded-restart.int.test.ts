import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allServices } from '@ar/all-in-one';
import { InProcessBus } from '@ar/messaging';
import { BusinessClock, type EmbeddedPlatform, runEmbedded, startService } from '@ar/platform';
import { AppendNotifier, createSchemaPool, Leases } from '@ar/postgres';
import { testAuth } from '../support/auth';
import { quietLogger, testInfra, unique } from '../support/infra';
import { call } from '../support/platform';

/**
 * `pnpm start` restarted with events pending in every service's store (stored, never published:
 * the process died first) delivers each of them, once, to every service that reacts.
 */
describe('embedded mode across a restart', () => {
  const { databaseUrl: serverUrl } = testInfra();
  const database = unique('embedded_restart');
  const databaseUrl = serverUrl.replace(/\/[^/]*$/, `/${database}`);
  const day = '2026-03-02';
  for (const s of allServices) process.env[`${s.name.toUpperCase().replace(/-/g, '_')}_PORT`] = '0';

  beforeAll(async () => {
    const admin = createSchemaPool(serverUrl, 'public');
    await admin.query(`create database ${database}`);
    await admin.end();
  });

  /** Every service, its commands stored, its relay never run: what a killed process leaves. */
  async function storeWithoutPublishing() {
    const notifier = new AppendNotifier(databaseUrl);
    await notifier.start();
    const leases = new Leases({ databaseUrl, logger: quietLogger }); // never started: no relay runs
    const clock = new BusinessClock(day);
    const bus = new InProcessBus();
    const services = [];
    for (const def of allServices)
      services.push(
        await startService(def, {
          databaseUrl,
          bus,
          notifier,
          logger: quietLogger,
          host: '127.0.0.1',
          port: 0,
          auth: testAuth,
          clock,
          leases,
        }),
      );
    const [credit, , invoicing] = services;
    expect(
      (
        await call(credit!, 'POST', '/customers', {
          customerId: 'C-RESTART',
          name: 'Restart Trading Co',
          industry: 'RETAIL',
          region: 'East China',
          headcount: 80,
          annualRevenue: 900_000_000,
          expectedAnnualValue: 20_000_000,
          registrationNumber: 'R-RESTART',
          registeredDate: '2015-06-01',
          salesOwner: 'sales-li',
        })
      ).status,
    ).toBe(201);
    for (const invoiceId of ['INV-R1', 'INV-R2'])
      expect(
        (
          await call(invoicing!, 'POST', '/invoices', {
            invoiceId,
            customerId: 'C-RESTART',
            amount: 300_000,
            currency: 'CNY',
            issueDate: '2026-01-05',
            dueDate: '2026-02-04',
          })
        ).status,
      ).toBe(201);
    for (const s of services.reverse()) await s.stop();
    await notifier.stop();
  }

  const dataDir = mkdtempSync(join(tmpdir(), 'ar-restart-'));
  async function startPlatform(): Promise<EmbeddedPlatform> {
    return runEmbedded(
      allServices,
      {
        DATABASE_URL: databaseUrl,
        PGPORT: 0,
        DATA_DIR: dataDir, // only the development signing key goes there: PostgreSQL is external, the issuer the test's
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        BUSINESS_DATE: day,
        BUSINESS_HOLIDAYS: [],
        BUSINESS_WORKING_WEEKEND_DAYS: [],
      },
      { auth: testAuth },
    );
  }

  async function effects(platform: EmbeddedPlatform) {
    for (const s of platform.services) await s.caughtUp();
    const service = (name: string) => platform.services.find((s) => s.name === name)!;
    const aging = await call(service('reporting'), 'GET', `/reports/aging?asOf=${day}&by=tier`);
    const credit = await call(service('credit-scoring'), 'GET', '/customers/C-RESTART/credit');
    const cases = await Promise.all(
      ['INV-R1', 'INV-R2'].map((id) => call(service('collections'), 'GET', `/cases/${id}`)),
    );
    return {
      aging: aging.body.reports.map((r: { group: string; total: object }) => [r.group, r.total]),
      exposure: credit.body.exposure.openReceivables,
      cases: cases.map((c) => c.status),
    };
  }

  it('delivers what was pending in every store, once, and nothing twice after another restart', async () => {
    await storeWithoutPublishing();
    const first = await startPlatform();
    // Reporting knows the invoices and the customer's tier; credit-scoring the exposure; collections the cases.
    const expected = {
      aging: [['CAUTIOUS', { amount: 600_000, count: 2 }]],
      exposure: 600_000,
      cases: [200, 200],
    };
    let seen = await effects(first);
    for (let i = 0; i < 50 && JSON.stringify(seen) !== JSON.stringify(expected); i++) {
      await new Promise((r) => setTimeout(r, 200));
      seen = await effects(first);
    }
    expect(seen).toEqual(expected);
    await first.stop();
    const second = await startPlatform();
    await new Promise((r) => setTimeout(r, 500));
    expect(await effects(second)).toEqual(expected);
    await second.stop();
  });
});
