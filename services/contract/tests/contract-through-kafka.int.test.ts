import { randomUUID } from 'node:crypto';
import { publicEventsOf } from '@ar/contracts';
import { creditScoringService } from '@ar/credit-scoring';
import { invoicingService } from '@ar/invoicing';
import { toBusMessage } from '@ar/messaging';
import type { RunningService } from '@ar/platform';
import { authHeaders } from '../../../tests/support/auth';
import { eventually } from '../../../tests/support/infra';
import { call, kafkaPlatform } from '../../../tests/support/platform';
import { contractService } from '../src/service';

/** Contract with credit-scoring and invoicing, each with its own schema, through real Kafka. */
describe('contracts through Kafka', () => {
  const platform = kafkaPlatform('ct', '2026-01-05');
  let credit: RunningService;
  let contract: RunningService;
  let invoicing: RunningService;

  beforeAll(async () => {
    credit = await platform.start(creditScoringService);
    process.env.CREDIT_SCORING_URL = credit.url;
    contract = await platform.start(contractService);
    invoicing = await platform.start(invoicingService);
  });
  afterAll(async () => {
    delete process.env.CREDIT_SCORING_URL;
    await platform.stop();
  });

  const register = (customerId: string) =>
    call(credit, 'POST', '/customers', {
      customerId,
      name: `${customerId} Ltd`,
      industry: 'MANUFACTURING',
      region: 'East China',
      headcount: 200,
      annualRevenue: 5_000_000_000,
      expectedAnnualValue: 100_000_000,
      registrationNumber: `R-${customerId}`,
      registeredDate: '2015-06-01',
      salesOwner: 'sales-li',
    });
  const milestones = [
    {
      milestoneId: 'SIGN',
      name: '30% on signing',
      percent: 30,
      trigger: 'SIGNING',
      term: { days: 5, basis: 'WORKING' },
    },
    {
      milestoneId: 'ACCEPT',
      name: '60% on acceptance',
      percent: 60,
      trigger: 'ACCEPTANCE',
      term: { days: 3, basis: 'WORKING' },
    },
    {
      milestoneId: 'WARRANTY',
      name: '10% after warranty',
      percent: 10,
      trigger: 'AFTER_ACCEPTANCE',
      afterDays: 365,
      term: { days: 30, basis: 'CALENDAR' },
    },
  ];
  const draft = (contractId: string, customerId: string, ms = milestones) =>
    call(contract, 'POST', '/contracts', {
      contractId,
      customerId,
      title: 'Press line',
      value: 50_000_000,
      currency: 'CNY',
      milestones: ms,
    });
  const invoice = (invoiceId: string) =>
    eventually(
      async () => {
        const res = await call(invoicing, 'GET', `/invoices/${invoiceId}`);
        return res.status === 200 ? res.body : undefined;
      },
      30_000,
      `invoice ${invoiceId}`,
    );

  it('turns signing and an acceptance into invoices due on the dates the terms give', async () => {
    expect((await register('C-OK')).status).toBe(201);
    const drafted = await draft('K-OK', 'C-OK');
    expect(drafted).toMatchObject({ status: 201, body: { tier: 'COOPERATIVE', status: 'DRAFT' } });
    expect(drafted.body.milestones.map((m: { amount: number }) => m.amount)).toEqual([
      15_000_000, 30_000_000, 5_000_000,
    ]);

    // The warranty's net 30 is longer than COOPERATIVE's net 15: signed naming the risk role's
    // exception, recorded in credit-scoring.
    const granted = await call(
      credit,
      'POST',
      '/customers/C-OK/term-exceptions',
      { exceptionId: 'EX-OK', termDays: 30, reason: 'warranty retention' },
      await authHeaders(['risk'], 'risk-officer'),
    );
    expect(granted.status).toBe(200);
    const signed = await call(contract, 'POST', '/contracts/K-OK/sign', {
      termException: { exceptionId: 'EX-OK' },
    });
    expect(signed.body.status).toBe('SIGNED');
    // Signed Monday 2026-01-05: 5 working days later is Monday 2026-01-12.
    expect(await invoice('K-OK:SIGN')).toMatchObject({
      amount: 15_000_000,
      dueDate: '2026-01-12',
      lateFeeTerms: { interestFromDay: 16 },
    });

    // An acceptance cannot be recorded before it happened (the business day is Monday 2026-01-05).
    const early = await call(contract, 'POST', '/contracts/K-OK/acceptances', { date: '2026-01-16' });
    expect(early).toMatchObject({ status: 422, body: { error: 'DATE_IN_FUTURE' } });
    // Accepted on Monday 2026-01-05: 3 working days later is Thursday 2026-01-08.
    const accepted = await call(contract, 'POST', '/contracts/K-OK/acceptances', { date: '2026-01-05' });
    expect(accepted.status).toBe(200);
    expect(await invoice('K-OK:ACCEPT')).toMatchObject({
      amount: 30_000_000,
      issueDate: '2026-01-05',
      dueDate: '2026-01-08',
    });

    const twice = await call(contract, 'POST', '/contracts/K-OK/acceptances', { date: '2026-01-02' });
    expect(twice).toMatchObject({ status: 409, body: { error: 'ALREADY_RECORDED' } });
  });

  it("tightens the open milestones of the customer's contracts on CreditScoreDropped from the credit topic", async () => {
    const dropped = toBusMessage(
      {
        eventId: randomUUID(),
        streamId: 'customer-C-OK',
        streamPosition: 99,
        globalPosition: 99n,
        type: 'CreditScoreDropped',
        data: {
          customerId: 'C-OK',
          previousScore: 610,
          score: 530,
          tier: 'COOPERATIVE',
          rule: 'BELOW_TIER_THRESHOLD',
          causes: ['invoice 31 days overdue'],
          date: '2026-02-20',
        },
        metadata: { correlationId: 'drop-1' },
        recordedAt: new Date(),
      },
      'credit-scoring',
      publicEventsOf('credit-scoring').get('CreditScoreDropped'),
    );
    await platform.bus.publish(platform.topics.credit, [dropped]);
    const tightened = await eventually(
      async () => {
        const { body } = await call(contract, 'GET', '/contracts/K-OK');
        const warranty = body.milestones.find((m: { milestoneId: string }) => m.milestoneId === 'WARRANTY');
        return warranty.term.days === 15 ? body : undefined;
      },
      30_000,
      'the warranty term halved',
    );
    // Milestones already reached keep their terms.
    expect(tightened.milestones.map((m: { term: { days: number } }) => m.term.days)).toEqual([5, 3, 15]);
  });

  it('refuses bad input and refused signings with the reason, changing nothing', async () => {
    const uneven = milestones.map((m, i) => ({ ...m, percent: [30, 60, 5][i]! }));
    expect(await draft('K-BAD', 'C-OK', uneven)).toMatchObject({
      status: 422,
      body: { error: 'MILESTONES_NOT_100_PERCENT', issues: [{ field: 'milestones' }] },
    });
    expect((await call(contract, 'GET', '/contracts/K-BAD')).status).toBe(404);
    expect((await draft('K-NOBODY', 'C-UNKNOWN')).body).toMatchObject({
      error: 'CUSTOMER_UNKNOWN_TO_CREDIT',
    });

    await register('C-FROZEN');
    await draft('K-FROZEN', 'C-FROZEN');
    await call(credit, 'POST', '/customers/C-FROZEN/freeze', {
      reason: '16 days overdue',
      requestedBy: 'finance-zhao',
    });
    const refused = await call(contract, 'POST', '/contracts/K-FROZEN/sign', {});
    expect(refused).toMatchObject({ status: 422, body: { error: 'CREDIT_REFUSED' } });
    expect(refused.body.message).toMatch(/credit frozen since 2026-01-05 \(16 days overdue\)/);
    expect((await call(contract, 'GET', '/contracts/K-FROZEN')).body.status).toBe('DRAFT');

    await call(contract, 'POST', '/contracts/K-FROZEN/termination', { reason: 'customer withdrew' });
    expect((await call(contract, 'POST', '/contracts/K-FROZEN/sign', {})).status).toBe(409);
  });
});
