import type { RunningService } from '@ar/platform';
import { unique } from '../../../tests/support/infra';
import { call as callService, inProcessPlatform } from '../../../tests/support/platform';
import { invoicingService } from '../src/service';

/**
 * The overdue clock's business day visits only the invoices for which something happens that day
 * (a threshold crossed, a fee for the day closed, a penalty day) or that changed since it last
 * looked: an invoice not yet due, or past every threshold with no clause, is not assessed (nor
 * its stream read) at all.
 */
describe('the overdue clock visits only invoices with something due', () => {
  const platform = inProcessPlatform('inv_sched', '2026-03-02');
  let service: RunningService;
  beforeAll(async () => {
    service = await platform.start(invoicingService);
  });
  afterAll(() => platform.stop());

  const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
    callService(service, method, url, payload);
  const issue = (invoiceId: string, dueDate: string, lateFeeTerms: null | undefined) =>
    call('POST', '/invoices', {
      invoiceId,
      customerId: unique('C'),
      amount: 1_000_000,
      currency: 'CNY',
      issueDate: '2025-05-01',
      dueDate,
      ...(lateFeeTerms === null ? { lateFeeTerms: null } : {}),
    });
  /** The invoices the overdue clock assessed (AssessOverdue commands, changed or not) while `work` runs. */
  async function assessedDuring(work: () => Promise<unknown>): Promise<number> {
    const assessed = async () =>
      (await service.ctx.metrics!.commands.get()).values
        .filter((v) => v.labels.command === 'AssessOverdue')
        .reduce((sum, v) => sum + v.value, 0);
    const before = await assessed();
    await work();
    return (await assessed()) - before;
  }
  const moveTo = async (today: string) => {
    const moved = await call('PUT', '/admin/clock', { today });
    expect(moved.status).toBe(200);
  };

  it('reads on a day only the invoices with a fee, threshold or penalty that day', async () => {
    const notDue = unique('NOTDUE');
    const longPast = unique('PAST'); // every threshold long reached, no clause: nothing ever happens
    const crossing = unique('CROSS'); // due 02-15: day 16 on 03-03, day 31 on 03-18
    const accruing = unique('ACCR'); // the default clause: interest every day
    expect((await issue(notDue, '2026-06-30', undefined)).status).toBe(201);
    expect((await issue(longPast, '2025-06-01', null)).status).toBe(201);
    expect((await issue(crossing, '2026-02-15', null)).status).toBe(201);
    expect((await issue(accruing, '2026-01-01', undefined)).status).toBe(201);
    // The first day after issuing brings every overdue invoice up to date.
    await moveTo('2026-03-03');
    const thresholds = async (id: string) =>
      (await call('GET', `/invoices/${id}`)).body.overdueThresholdsReached as number[];
    expect(await thresholds(longPast)).toEqual([1, 16, 31, 61, 91]);
    expect(await thresholds(crossing)).toEqual([1, 16]);

    // The next day only the accruing invoice has something to do (the interest for 03-03).
    expect(await assessedDuring(() => moveTo('2026-03-04'))).toBe(1);
    // Ten business days later (03-05 to 03-18): the accruing invoice each day, and the crossing
    // one once, on 03-18 (threshold 31); the one not due and the long-past one never.
    expect(await assessedDuring(() => moveTo('2026-03-18'))).toBe(10 + 1);
    expect(await thresholds(crossing)).toEqual([1, 16, 31]);
  });
});
