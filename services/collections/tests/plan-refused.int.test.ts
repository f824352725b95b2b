import { randomUUID } from 'node:crypto';
import { type InstalmentPlanAgreedV1, publicEventsOf } from '@ar/contracts';
import { toBusMessage } from '@ar/messaging';
import type { RunningService } from '@ar/platform';
import { eventually } from '../../../tests/support/infra';
import { call, inProcessPlatform } from '../../../tests/support/platform';
import { invoicingService } from '../../invoicing/src/service';
import { collectionsService } from '../src/service';

/**
 * #14 item 1 (README Known gaps "Instalment plans"), across the services: a plan agreed in
 * collections that invoicing counts otherwise - here the principal alone, while invoicing counts
 * the fees charged meanwhile - is refused by invoicing as an event (`InstalmentPlanRefused`, with
 * the reason and the amounts), never an error its consumer stops on: nothing is parked, and the
 * case notes the refusal and goes on being chased on the invoice's own due date.
 *
 * The agreement is put on the collections topic as collections would publish it had it not yet
 * heard the fees (the race the Known gap names), so the test does not depend on that timing.
 */
describe('a plan invoicing refuses, across invoicing and collections', () => {
  const platform = inProcessPlatform('refused', '2026-01-05');
  let invoicing: RunningService;
  let collections: RunningService;
  const caughtUp = async () => {
    for (let round = 0; round < 3; round++) for (const s of [invoicing, collections]) await s.caughtUp();
  };

  beforeAll(async () => {
    collections = await platform.start(collectionsService);
    invoicing = await platform.start(invoicingService);
    const issued = await call(invoicing, 'POST', '/invoices', {
      invoiceId: 'PR-1',
      customerId: 'C-PR',
      amount: 1_000_000,
      currency: 'CNY',
      issueDate: '2026-01-05',
      dueDate: '2026-01-20',
    });
    expect(issued.status).toBe(201);
    await caughtUp();
    expect((await call(invoicing, 'PUT', '/admin/clock', { today: '2026-03-02' })).status).toBe(200);
    await caughtUp();
  }, 120_000);
  afterAll(() => platform.stop());

  it('is an event on the invoice, noted on the case, with nothing parked; the case goes on', async () => {
    const agreed: InstalmentPlanAgreedV1 = {
      caseId: 'PR-1',
      invoiceId: 'PR-1',
      customerId: 'C-PR',
      planId: 'PLAN-PR',
      instalments: [
        { dueDate: '2026-03-16', amount: 500_000 },
        { dueDate: '2026-04-15', amount: 500_000 },
      ],
      date: '2026-03-02',
      fees: 'INCLUDED',
    };
    const message = toBusMessage(
      {
        eventId: randomUUID(),
        streamId: 'case-PR-1-elsewhere',
        streamPosition: 1,
        globalPosition: 1n,
        type: 'InstalmentPlanAgreed',
        data: agreed,
        metadata: { correlationId: 'plan-PR-1' },
        recordedAt: new Date(),
      },
      'collections',
      publicEventsOf('collections').get('InstalmentPlanAgreed'),
    );
    await platform.bus.publish(platform.topics.collections, [message]);

    // Invoicing: the refusal, with what it counts open on 2 March (41 days overdue: 25 days of
    // 0.1% interest and the 2% penalty), and the invoice under its own due date.
    const refused = await eventually(async () => {
      const { events } = await invoicing.ctx.store.readStream('invoice-PR-1');
      return events.find((e) => e.type === 'InstalmentPlanRefused');
    }, 30_000);
    expect(refused.data).toMatchObject({
      planId: 'PLAN-PR',
      code: 'PLAN_DOES_NOT_MATCH_OPEN_AMOUNT',
      planned: 1_000_000,
      open: { principal: 1_000_000, interest: 25_000, penalty: 20_000, total: 1_045_000 },
    });
    const parked = await invoicing.ctx.pool.query('select 1 from consumer_parked');
    expect(parked.rowCount).toBe(0);
    expect((await call(invoicing, 'GET', '/invoices/PR-1')).body.plan ?? null).toBeNull();

    // Collections: the refusal in the case's history; the case still open and chased.
    await caughtUp();
    const kase = await eventually(async () => {
      const { body } = await call(collections, 'GET', '/cases/PR-1');
      return body.history?.some((e: { type: string }) => e.type === 'InstalmentPlanRefusedNoted')
        ? body
        : undefined;
    }, 30_000);
    expect(kase.status).toBe('OPEN');
    expect(kase.history.find((e: { type: string }) => e.type === 'InstalmentPlanRefusedNoted')).toMatchObject(
      {
        planId: 'PLAN-PR',
        code: 'PLAN_DOES_NOT_MATCH_OPEN_AMOUNT',
        open: { total: 1_045_000 },
      },
    );
    expect((await collections.ctx.pool.query('select 1 from consumer_parked')).rowCount).toBe(0);
    expect((await call(invoicing, 'PUT', '/admin/clock', { today: '2026-04-21' })).status).toBe(200);
    await caughtUp();
    // 21 April, 91 days overdue: the management rung, on the invoice's own due date.
    const later = (await call(collections, 'GET', '/cases/PR-1')).body;
    expect(
      later.history
        .filter((e: { type: string; rung?: number }) => e.type === 'CaseEscalated')
        .map((e: { rung?: number }) => e.rung),
    ).toEqual([1, 16, 31, 91]);
  }, 120_000);
});
