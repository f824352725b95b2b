import { invoicingService } from '@ar/invoicing';
import { InProcessBus } from '@ar/messaging';
import { type RunningService, startService } from '@ar/platform';
import { AppendNotifier } from '@ar/postgres';
import { reportingService } from '@ar/reporting';
import { authHeaders, testAuth } from '../support/auth';
import { quietLogger, testInfra, unique } from '../support/infra';

/** The embedded default's wiring (in-process bus, one process) with the same service code. */
describe('embedded mode: invoicing and reporting over the in-process bus', () => {
  const { databaseUrl } = testInfra();
  const run = unique('emb');
  const bus = new InProcessBus();
  const notifier = new AppendNotifier(databaseUrl);
  let invoicing: RunningService;
  let reporting: RunningService;

  beforeAll(async () => {
    await notifier.start();
    const infra = {
      databaseUrl,
      bus,
      notifier,
      logger: quietLogger,
      host: '127.0.0.1',
      port: 0,
      auth: testAuth,
    };
    reporting = await startService(reportingService, { ...infra, schema: `${run}_reporting` });
    invoicing = await startService(invoicingService, { ...infra, schema: `${run}_invoicing` });
  });
  afterAll(async () => {
    await invoicing.stop();
    await reporting.stop();
    await notifier.stop();
  });

  const aging = async (asOf: string) =>
    (
      await reporting.app.inject({
        headers: await authHeaders(),
        method: 'GET',
        url: `/reports/aging?asOf=${asOf}`,
      })
    ).json();

  it('shows issued invoices in the aging, and a rebuilt read model gives the same figures', async () => {
    for (const [id, amount, dueDate] of [
      ['A', 100, '2026-02-01'],
      ['B', 250, '2026-03-01'],
    ] as const) {
      const res = await invoicing.app.inject({
        headers: await authHeaders(),
        method: 'POST',
        url: '/invoices',
        payload: {
          invoiceId: id,
          customerId: 'C-9',
          amount,
          currency: 'EUR',
          issueDate: '2026-01-02',
          dueDate,
          lateFeeTerms: null, // the aging counts principal; late fees are tested in invoicing
        },
      });
      expect(res.statusCode).toBe(201);
    }
    await invoicing.caughtUp();
    await reporting.caughtUp();
    const before = await aging('2026-03-10');
    const buckets = Object.fromEntries(
      before.reports[0].buckets.map((b: { bucket: string; amount: number }) => [b.bucket, b.amount]),
    );
    // As of 2026-03-10, A is 37 days past due and B 9 days.
    expect(buckets).toEqual({ current: 0, '1-30': 250, '31-60': 100, '61-90': 0, '91-180': 0, '180+': 0 });
    expect(before.reports[0].total).toEqual({ amount: 350, count: 2 });

    const rebuild = await reporting.app.inject({
      headers: await authHeaders(),
      method: 'POST',
      url: '/admin/projections/aging/rebuild',
    });
    expect(rebuild.statusCode).toBe(200); // the rebuilt model is in place when it answers
    expect(await aging('2026-03-10')).toEqual(before);
  });

  it('takes a payment out of the aging from its date on, and leaves earlier dates as they were', async () => {
    const before = await aging('2026-03-10');
    const payment = await invoicing.app.inject({
      headers: await authHeaders(),
      method: 'POST',
      url: '/payments',
      payload: {
        customerId: 'C-9',
        amount: 100,
        currency: 'EUR',
        channel: 'ONLINE',
        receivedDate: '2026-03-15',
      },
    });
    expect(payment.json()).toMatchObject({ allocations: [{ invoiceId: 'A', amount: 100 }] });
    await invoicing.caughtUp();
    await reporting.caughtUp();
    expect(await aging('2026-03-10')).toEqual(before);
    expect((await aging('2026-03-20')).reports[0].total).toEqual({ amount: 250, count: 1 });
  });

  it('answers a retried identical request as the first (201) with one invoice, and a different one with 409', async () => {
    const payload = {
      invoiceId: 'R',
      customerId: 'C-9',
      amount: 5,
      currency: 'EUR',
      issueDate: '2026-01-02',
      dueDate: '2026-01-02',
    };
    expect(
      (
        await invoicing.app.inject({
          headers: await authHeaders(),
          method: 'POST',
          url: '/invoices',
          payload,
        })
      ).statusCode,
    ).toBe(201);
    expect(
      (
        await invoicing.app.inject({
          headers: await authHeaders(),
          method: 'POST',
          url: '/invoices',
          payload,
        })
      ).statusCode,
    ).toBe(201);
    const conflict = await invoicing.app.inject({
      headers: await authHeaders(),
      method: 'POST',
      url: '/invoices',
      payload: { ...payload, amount: 6 },
    });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toMatchObject({
      error: 'INVOICE_ALREADY_ISSUED',
      issues: [{ field: 'invoiceId' }],
    });
  });
});
