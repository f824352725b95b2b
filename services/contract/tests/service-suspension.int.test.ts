import { creditScoringService } from '@ar/credit-scoring';
import { invoicingService } from '@ar/invoicing';
import type { RunningService } from '@ar/platform';
import { eventually } from '../../../tests/support/infra';
import { call, kafkaPlatform } from '../../../tests/support/platform';
import { contractService } from '../src/service';

/**
 * The service-suspension clause end to end through Kafka: two contracts accepted on Monday
 * 2026-01-05 (invoices due Thursday 01-08, day 10 is Thursday 01-15). One customer pays on day 10
 * and keeps its service; the other does not, is suspended from 01-16 and resumed when it pays -
 * both dates on GET /contracts/:id.
 */
describe('service suspension through Kafka', () => {
  const platform = kafkaPlatform('susp', '2026-01-05');
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

  const moveTo = async (day: string) =>
    expect((await call(contract, 'PUT', '/admin/clock', { today: day })).status).toBe(200);
  const view = async (contractId: string) => (await call(contract, 'GET', `/contracts/${contractId}`)).body;
  const acceptanceInvoice = (contractId: string) =>
    eventually(
      async () => {
        const m = (await view(contractId)).milestones.find(
          (x: { milestoneId: string; invoiceId?: string }) => x.milestoneId === 'ACCEPT',
        );
        return m?.invoiceId as string | undefined;
      },
      30_000,
      `the acceptance invoice of ${contractId}`,
    );
  const pay = (customerId: string, invoiceId: string, amount: number, paymentId: string) =>
    call(invoicing, 'POST', '/payments', {
      paymentId,
      customerId,
      amount,
      currency: 'CNY',
      channel: 'BANK_TRANSFER',
      remittance: [{ invoiceId }],
    });
  const paidOnContract = (contractId: string) =>
    eventually(
      async () =>
        (await view(contractId)).milestones.some(
          (m: { milestoneId: string; paid: boolean }) => m.milestoneId === 'ACCEPT' && m.paid,
        )
          ? true
          : undefined,
      30_000,
      `${contractId}'s acceptance invoice paid`,
    );

  async function acceptedContract(contractId: string, customerId: string) {
    expect(
      (
        await call(credit, 'POST', '/customers', {
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
        })
      ).status,
    ).toBe(201);
    const drafted = await call(contract, 'POST', '/contracts', {
      contractId,
      customerId,
      title: 'Filling line',
      value: 10_000_000,
      currency: 'CNY',
      milestones: [
        {
          milestoneId: 'ACCEPT',
          name: 'all on acceptance',
          percent: 100,
          trigger: 'ACCEPTANCE',
          term: { days: 3, basis: 'WORKING' },
        },
      ],
    });
    expect(drafted.status).toBe(201);
    expect((await call(contract, 'POST', `/contracts/${contractId}/sign`, {})).body.status).toBe('SIGNED');
    expect(
      (await call(contract, 'POST', `/contracts/${contractId}/acceptances`, { date: '2026-01-05' })).status,
    ).toBe(200);
    return acceptanceInvoice(contractId);
  }

  it('suspends only the customer still unpaid after day 10, from day 11, and resumes it when paid', async () => {
    const unpaid = await acceptedContract('K-SUSP', 'C-SUSP');
    const payer = await acceptedContract('K-PAYS', 'C-PAYS');

    for (const day of [
      '2026-01-06',
      '2026-01-07',
      '2026-01-08',
      '2026-01-09',
      '2026-01-12',
      '2026-01-13',
      '2026-01-14',
      '2026-01-15',
    ])
      await moveTo(day);
    // Day 10 (2026-01-15): the day job ran this morning; C-PAYS pays in the day.
    expect((await view('K-SUSP')).serviceSuspended).toBe(false);
    expect((await pay('C-PAYS', payer, 10_000_000, 'P-PAYS')).status).toBe(201);
    await paidOnContract('K-PAYS');

    await moveTo('2026-01-16');
    const suspended = await view('K-SUSP');
    expect(suspended).toMatchObject({
      serviceSuspended: true,
      suspensions: [
        { invoiceId: unpaid, suspendedDate: '2026-01-16', dueDate: '2026-01-08', withdrawn: false },
      ],
    });
    expect(suspended.suspensions[0].resumedDate).toBeUndefined();
    // Found by the list too (#15 item 9): suspended now, since when.
    await platform.caughtUp();
    expect((await call(contract, 'GET', '/contracts?serviceSuspended=true')).body.contracts).toEqual([
      expect.objectContaining({ contractId: 'K-SUSP', serviceSuspendedSince: '2026-01-16' }),
    ]);
    expect(await view('K-PAYS')).toMatchObject({ serviceSuspended: false, suspensions: [] });

    await moveTo('2026-01-19');
    expect((await pay('C-SUSP', unpaid, 10_000_000, 'P-SUSP')).status).toBe(201);
    await paidOnContract('K-SUSP');
    expect(await view('K-SUSP')).toMatchObject({
      serviceSuspended: false,
      suspensions: [{ suspendedDate: '2026-01-16', resumedDate: '2026-01-19', withdrawn: false }],
    });
    await platform.caughtUp();
    expect((await call(contract, 'GET', '/contracts?serviceSuspended=true')).body.contracts).toEqual([]);
  });
});
