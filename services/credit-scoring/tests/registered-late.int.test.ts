import { invoicingService } from '@ar/invoicing';
import type { RunningService } from '@ar/platform';
import { eventually } from '../../../tests/support/infra';
import { call, inProcessPlatform } from '../../../tests/support/platform';
import { acmeProfile } from '../src/customer/fixtures';
import { creditScoringService } from '../src/service';

/**
 * A customer registered in credit-scoring after its first invoices (#14 probe F11): the overdue
 * thresholds its January invoice crossed arrive value-dated before the file was opened. The score
 * history reads oldest first, the registration first: what they change takes effect on the day
 * the file was opened.
 */
describe('a credit file opened after the first invoices', () => {
  const platform = inProcessPlatform('reglate', '2026-03-02');
  let credit: RunningService;
  let invoicing: RunningService;

  beforeAll(async () => {
    credit = await platform.start(creditScoringService);
    invoicing = await platform.start(invoicingService);
  });
  afterAll(() => platform.stop());

  it('lists the score history in date order, the registration first, each score dated no earlier than it', async () => {
    const customerId = 'C-LATE-FILE';
    expect(
      (
        await call(credit, 'POST', '/customers', {
          ...acmeProfile,
          customerId,
          registrationNumber: 'REG-LATE-FILE',
        })
      ).status,
    ).toBe(201);
    // Entered today, issued in January and due on 01-20: 1, 16 and 31 days overdue on 01-21, 02-05, 02-20.
    const issued = await call(invoicing, 'POST', '/invoices', {
      invoiceId: 'INV-LATE-FILE',
      customerId,
      amount: 1_000_000,
      currency: 'CNY',
      issueDate: '2026-01-05',
      dueDate: '2026-01-20',
    });
    expect(issued.status).toBe(201);
    // The next business day's overdue run brings it up to date.
    await platform.clock.advanceTo('2026-03-03');

    type Entry = { date: string; score: number; previousScore: number | null; cause: string };
    const scores = await eventually(
      async () => {
        const { body } = await call(credit, 'GET', `/customers/${customerId}/score-history`);
        const list = body.scores as Entry[];
        return list.some((s) => s.cause.includes('31 days overdue')) ? list : undefined;
      },
      30_000,
      'the 31-day threshold in the score history',
    );
    expect(scores[0]).toMatchObject({ date: '2026-03-02', previousScore: null, cause: 'registration' });
    const dates = scores.map((s) => s.date);
    expect(dates).toEqual([...dates].sort());
    expect(dates.every((d) => d >= '2026-03-02')).toBe(true);
    for (const [i, s] of scores.entries()) if (i > 0) expect(s.previousScore).toBe(scores[i - 1]!.score);
    expect(scores.at(-1)!.cause).toMatch(
      /31 days overdue \(dated 2026-02-20, before the credit file was opened on 2026-03-02\)/,
    );
  });
});
