import type { RunningService } from '@ar/platform';
import { unique } from '../../../tests/support/infra';
import { call as callService, inProcessPlatform } from '../../../tests/support/platform';
import { invoicingService } from '../src/service';

/**
 * The overdue clock's business day visits only the invoices for which something happens that day
 * (a threshold crossed, a fee for the day closed, a penalty day) or that changed since it last
 * looked: an invoice not yet due, or past every threshold with no clause, is not read at all.
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
  /** The invoice streams read while `work` runs (commands, projections and the clock alike). */
  async function streamsReadDuring(work: () => Promise<unknown>): Promise<Map<string, number>> {
    const reads = new Map<string, number>();
    const count = (streamId: string) => {
      if (streamId.startsWith('invoice-')) reads.set(streamId, (reads.get(streamId) ?? 0) + 1);
    };
    const store = service.ctx.store as unknown as Record<string, (...args: unknown[]) => unknown>;
    const spies = ['readStream', 'readStreamAfterSnapshot'].map((method) => {
      const original = store[method]!.bind(store);
      return jest.spyOn(store, method).mockImplementation((streamId: unknown, ...rest: unknown[]) => {
        count(String(streamId));
        return original(streamId, ...rest);
      });
    });
    try {
      await work();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    return reads;
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

    const nextDay = await streamsReadDuring(() => moveTo('2026-03-04'));
    expect([...nextDay.keys()]).toEqual([`invoice-${accruing}`]);

    // Ten business days later: the crossing invoice is read once, on 03-18 (threshold 31).
    const later = await streamsReadDuring(() => moveTo('2026-03-18'));
    expect(later.get(`invoice-${crossing}`)).toBe(1);
    expect(later.has(`invoice-${notDue}`)).toBe(false);
    expect(later.has(`invoice-${longPast}`)).toBe(false);
    expect(await thresholds(crossing)).toEqual([1, 16, 31]);
  });
});
