import { randomUUID } from 'node:crypto';
import { type MilestoneReachedV1, publicEventsOf } from '@ar/contracts';
import { toBusMessage } from '@ar/messaging';
import type { RunningService } from '@ar/platform';
import { authHeaders } from '../../../tests/support/auth';
import { eventually } from '../../../tests/support/infra';
import { kafkaPlatform } from '../../../tests/support/platform';
import { milestoneInvoiceId } from '../src/reactions/on-milestone-reached';
import { invoicingService } from '../src/service';

/** Choreography through real Kafka: contract's MilestoneReached becomes invoicing's invoice. */
describe('a reached milestone on the contract topic', () => {
  const platform = kafkaPlatform('ms', '2026-04-01');
  let service: RunningService;

  beforeAll(async () => {
    service = await platform.start(invoicingService);
  });
  afterAll(() => platform.stop());

  it('is invoiced once, due on the date its term gives, under the contract late-fee clause', async () => {
    const milestone: MilestoneReachedV1 = {
      contractId: 'K-1',
      milestoneId: 'ACCEPTANCE',
      customerId: 'C-7',
      amount: 600_000,
      currency: 'CNY',
      reachedDate: '2026-04-03', // a Friday: 3 working days later is Wednesday
      dueDate: '2026-04-08',
      lateFeeTerms: { interestFromDay: 10, dailyInterestBp: 5, penaltyDay: 20, penaltyBp: 100 },
    };
    const message = toBusMessage(
      {
        eventId: randomUUID(),
        streamId: 'contract-K-1',
        streamPosition: 3,
        globalPosition: 3n,
        type: 'MilestoneReached',
        data: milestone,
        metadata: { correlationId: 'sign-K-1' },
        recordedAt: new Date(),
      },
      'contract',
      publicEventsOf('contract').get('MilestoneReached'),
    );
    const topic = platform.topics.contract;
    // Delivered twice, as Kafka may after a rebalance: one invoice.
    await platform.bus.publish(topic, [message, message]);

    const invoiceId = milestoneInvoiceId(milestone);
    const invoice = await eventually(
      async () => {
        const res = await service.app.inject({
          method: 'GET',
          url: `/invoices/${invoiceId}`,
          headers: await authHeaders(),
        });
        return res.statusCode === 200 ? res.json() : undefined;
      },
      30_000,
      'the invoice for the milestone',
    );
    expect(invoice).toMatchObject({
      customerId: 'C-7',
      amount: 600_000,
      issueDate: '2026-04-03',
      dueDate: '2026-04-08',
      lateFeeTerms: milestone.lateFeeTerms,
      version: 1,
    });
    const { version } = await service.ctx.store.readStream(`invoice-${invoiceId}`);
    expect(version).toBe(1);
  });

  it('bills two milestones of a UUID contract whose long ids share their first characters, each once', async () => {
    const contractId = randomUUID();
    const milestones = ['acceptance-of-production-line-phase-1', 'acceptance-of-production-line-phase-2'].map(
      (milestoneId, i): MilestoneReachedV1 => ({
        contractId,
        milestoneId,
        customerId: 'C-8',
        amount: 100_000 * (i + 1),
        currency: 'CNY',
        reachedDate: '2026-04-03',
        dueDate: '2026-04-08',
      }),
    );
    const messages = milestones.map((data, i) =>
      toBusMessage(
        {
          eventId: randomUUID(),
          streamId: `contract-${contractId}`,
          streamPosition: i + 2,
          globalPosition: BigInt(i + 10),
          type: 'MilestoneReached',
          data,
          metadata: { correlationId: `accept-${contractId}` },
          recordedAt: new Date(),
        },
        'contract',
        publicEventsOf('contract').get('MilestoneReached'),
      ),
    );
    await platform.bus.publish(platform.topics.contract, messages);
    const ids = milestones.map(milestoneInvoiceId);
    expect(new Set(ids).size).toBe(2);
    for (const [i, invoiceId] of ids.entries()) {
      const invoice = await eventually(
        async () => {
          const res = await service.app.inject({
            method: 'GET',
            url: `/invoices/${invoiceId}`,
            headers: await authHeaders(),
          });
          return res.statusCode === 200 ? res.json() : undefined;
        },
        30_000,
        `the invoice of milestone ${i + 1}`,
      );
      expect(invoice).toMatchObject({ amount: 100_000 * (i + 1), customerId: 'C-8' });
    }
  });
});
