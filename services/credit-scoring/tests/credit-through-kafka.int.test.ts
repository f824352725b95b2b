import { invoicingService } from '@ar/invoicing';
import type { RunningService } from '@ar/platform';
import { Kafka, logLevel } from 'kafkajs';
import { authHeaders } from '../../../tests/support/auth';
import { eventually, unique } from '../../../tests/support/infra';
import { call, kafkaPlatform } from '../../../tests/support/platform';
import { creditScoringService } from '../src/service';

/**
 * A customer whose invoice goes overdue is re-scored from the invoicing topic; the early
 * warning appears on the credit topic; a later credit check is refused with the reason.
 */
describe('credit-scoring through Kafka', () => {
  const platform = kafkaPlatform('cr', '2026-01-05');
  const { kafkaBrokers } = platform;
  let credit: RunningService;
  let invoicing: RunningService;

  beforeAll(async () => {
    credit = await platform.start(creditScoringService);
    invoicing = await platform.start(invoicingService);
  });
  afterAll(async () => {
    await platform.stop();
  });

  const profile = {
    customerId: 'C-LATE',
    name: 'Slow Payer Ltd',
    industry: 'MANUFACTURING',
    region: 'East China',
    headcount: 200,
    annualRevenue: 5_000_000_000,
    expectedAnnualValue: 100_000_000,
    registrationNumber: '91310000MA1FL0002Y',
    registeredDate: '2015-06-01',
    salesOwner: 'sales-li',
  };

  it('refuses bad input with a 4xx naming the field, and changes nothing', async () => {
    const cases: [string, object, string][] = [
      ['/customers', { ...profile, industry: 'ALCHEMY' }, 'body.industry'],
      ['/customers', { ...profile, annualRevenue: -1 }, 'body.annualRevenue'],
      ['/customers', { ...profile, customerId: 'bad id!' }, 'body.customerId'],
    ];
    for (const [url, payload, field] of cases) {
      const res = await call(credit, 'POST', url, payload);
      expect({ field, status: res.status }).toEqual({ field, status: 400 });
      expect(res.body.issues.map((i: { field: string }) => i.field)).toContain(field);
    }
    expect((await call(credit, 'GET', '/customers/C-LATE/credit')).status).toBe(404);
    expect(
      (await call(credit, 'POST', '/customers/NOBODY/credit-checks', { amount: 1, currency: 'CNY' })).status,
    ).toBe(404);
  });

  it('re-scores a customer whose invoice goes overdue, warns on the credit topic and refuses credit', async () => {
    const registered = await call(credit, 'POST', '/customers', profile);
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ score: 610, tier: 'COOPERATIVE', limit: 100_000_000 });

    const negative = await call(credit, 'POST', '/customers/C-LATE/financials', {
      currentRatio: 1.2,
      debtRatio: 0.4,
      receivablesTurnover: 6,
      annualRevenue: -5,
    });
    expect(negative).toMatchObject({ status: 400, body: { issues: [{ field: 'body.annualRevenue' }] } });
    const noRole = await call(
      credit,
      'POST',
      '/customers/C-LATE/tier-override',
      { tier: 'STRATEGIC', reason: 'x', decidedBy: 'sales-li' },
      await authHeaders(['sales'], 'sales-li'),
    );
    expect(noRole.status).toBe(403);
    expect((await call(credit, 'GET', '/customers/C-LATE/credit')).body.version).toBe(
      registered.body.version,
    );

    const issued = await call(invoicing, 'POST', '/invoices', {
      invoiceId: 'INV-LATE-1',
      customerId: 'C-LATE',
      amount: 20_000_000,
      currency: 'CNY',
      issueDate: '2026-01-05',
      dueDate: '2026-01-30',
    });
    expect(issued.status).toBe(201);
    await eventually(
      async () => {
        const { body } = await call(credit, 'GET', '/customers/C-LATE/credit');
        return body.exposure.openReceivables === 20_000_000 ? body : undefined;
      },
      30_000,
      'exposure from InvoiceIssued',
    );

    // 2026-03-03 is day 32 overdue: thresholds 1, 16 and 31 cross (-20, -60, -120 credit points).
    expect((await call(invoicing, 'PUT', '/admin/clock', { today: '2026-03-03' })).status).toBe(200);

    const dropped = await firstCreditScoreDropped('C-LATE');
    expect(dropped).toMatchObject({
      customerId: 'C-LATE',
      tier: 'COOPERATIVE',
      rule: 'BELOW_TIER_THRESHOLD',
      score: 530,
    });
    expect(dropped.causes[0]).toMatch(/INV-LATE-1 31 days overdue/);

    const after = await eventually(
      async () => {
        const { body } = await call(credit, 'GET', '/customers/C-LATE/credit');
        return body.tier === 'CAUTIOUS' ? body : undefined;
      },
      30_000,
      'the tier to follow the score',
    );
    expect(after).toMatchObject({ score: 530, limit: 0, creditPoints: -200 });

    const check = await call(credit, 'POST', '/customers/C-LATE/credit-checks', {
      amount: 1_000_000,
      currency: 'CNY',
    });
    expect(check.body).toMatchObject({ approved: false, reasons: [{ code: 'PREPAYMENT_REQUIRED' }] });
  });

  async function firstCreditScoreDropped(customerId: string) {
    const kafka = new Kafka({ brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: unique('credit-watch') });
    const found: { causes: string[]; [key: string]: unknown }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: platform.topics.credit, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.headers?.ce_type?.toString() !== 'ar.credit-scoring.CreditScoreDropped.v1') return;
        const data = JSON.parse(message.value!.toString());
        if (data.customerId === customerId) found.push(data);
      },
    });
    try {
      return await eventually(async () => found[0], 30_000, 'CreditScoreDropped on the credit topic');
    } finally {
      await consumer.disconnect();
    }
  }
});
