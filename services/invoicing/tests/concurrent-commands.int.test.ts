import type { RunningService } from '@ar/platform';
import { unique } from '../../../tests/support/infra';
import { call as callService, inProcessPlatform } from '../../../tests/support/platform';
import { invoicingService } from '../src/service';

/**
 * Cash application locks a customer's open items, then appends to their invoices; a credit note
 * or a dispute appends to its invoice first, then updates its open item: PostgreSQL breaks the
 * deadlock by ending one, which answered 503 (4 of 360 requests at 48 concurrent in the
 * group-commit probe). The one ended runs again: every request answers as if alone.
 */
describe('payments, credit notes and disputes on one customer at once', () => {
  const platform = inProcessPlatform('concurrent', '2026-02-02');
  let service: RunningService;

  beforeAll(async () => {
    service = await platform.start(invoicingService);
  });
  afterAll(() => platform.stop());

  const call = (url: string, payload?: object) =>
    callService(service, payload ? 'POST' : 'GET', url, payload);

  it('none answers 5xx, and the money adds up', async () => {
    const customerId = unique('C');
    const invoices = Array.from({ length: 24 }, (_, i) => `${customerId}-I${i}`);
    for (const [i, invoiceId] of invoices.entries())
      expect(
        (
          await call('/invoices', {
            invoiceId,
            customerId,
            amount: 100_000,
            currency: 'CNY',
            issueDate: '2026-01-02',
            dueDate: `2026-03-${String(1 + i).padStart(2, '0')}`,
          })
        ).status,
      ).toBe(201);
    const requests: { url: string; body: object }[] = invoices.flatMap((invoiceId, i) => [
      {
        url: '/payments',
        body: {
          paymentId: `${invoiceId}-P`,
          customerId,
          amount: 30_000,
          currency: 'CNY',
          channel: 'BANK_TRANSFER',
          receivedDate: '2026-01-20',
        },
      },
      {
        url: `/invoices/${invoiceId}/credit-notes`,
        body: { creditNoteId: `${invoiceId}-CN`, amount: 10_000, reason: 'returned goods' },
      },
      ...(i % 3 === 0
        ? [{ url: `/invoices/${invoiceId}/disputes`, body: { reason: 'wrong quantity' } }]
        : []),
    ]);
    // A credit note on an invoice the payments paid in full is refused (409): only those accepted count.
    const credited = new Set<string>();
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(requests.map(({ url, body }) => call(url, body)));
      const failed = answers
        .filter((a) => a.status >= 500)
        .map((a) => `${a.status} ${JSON.stringify(a.body)}`);
      expect(failed).toEqual([]);
      answers.forEach((a, i) => {
        if (a.status < 300 && requests[i]!.url.endsWith('/credit-notes')) credited.add(requests[i]!.url);
      });
    }
    // Every payment and accepted credit note counted once (each was sent three times): what the
    // invoices still owe less the credit held is what was billed less both.
    const account = (await call(`/customers/${customerId}/account`)).body as {
      openInvoices: { invoiceId: string }[];
      credit: { amount: number }[];
    };
    let open = 0;
    for (const { invoiceId } of account.openInvoices)
      open += ((await call(`/invoices/${invoiceId}`)).body as { open: { principal: number } }).open.principal;
    const held = account.credit.reduce((sum, c) => sum + c.amount, 0);
    expect(credited.size).toBeGreaterThan(0);
    expect(open - held).toBe(24 * 100_000 - 24 * 30_000 - credited.size * 10_000);
  }, 120_000);

  /**
   * Known gap since #17's load runs: different commands on one invoice at once each read the
   * stream, decide and append at the version read; all but one lost, ran again, and after three
   * losses answered 409 version_conflict - a refusal for no reason of the client's. In one
   * instance they now take their turn on the stream: every one is taken.
   */
  it('30 different credit notes on one invoice at once: each taken, none refused for a conflict', async () => {
    const invoiceId = unique('I');
    expect(
      (
        await call('/invoices', {
          invoiceId,
          customerId: unique('C'),
          amount: 1_000_000,
          currency: 'CNY',
          issueDate: '2026-01-02',
          dueDate: '2026-03-01',
        })
      ).status,
    ).toBe(201);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call(`/invoices/${invoiceId}/credit-notes`, {
          creditNoteId: `${invoiceId}-CN${i}`,
          amount: 1_000 + i,
          reason: 'returned goods',
        }),
      ),
    );
    expect(answers.map((a) => a.status).filter((status) => status !== 200)).toEqual([]);
    const invoice = (await call(`/invoices/${invoiceId}`)).body as { open: { principal: number } };
    // 1,000 + ... + 1,029 credited: 30 x 1,000 + (0 + ... + 29).
    expect(invoice.open.principal).toBe(1_000_000 - (30 * 1_000 + (29 * 30) / 2));
  }, 60_000);
});
