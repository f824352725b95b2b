import type { RunningService } from '@ar/platform';
import { migrate } from '@ar/postgres';
import { authHeaders } from '../../../tests/support/auth';
import { unique } from '../../../tests/support/infra';
import { call as callService, inProcessPlatform } from '../../../tests/support/platform';
import { paymentListMigrations } from '../src/finding/payment-list';
import { invoicingService } from '../src/service';

/** Finding invoices and payments (#15 item 9): filters, cursor pages, who may list. */
describe('finding invoices and payments', () => {
  const platform = inProcessPlatform('findinv', '2026-03-02');
  let service: RunningService;
  const customer = unique('C');
  const other = unique('D');
  const prepaying = unique('PRE');

  beforeAll(async () => {
    service = await platform.start(invoicingService);
    const issue = async (invoiceId: string, customerId: string, dueDate: string, amount = 1_000) =>
      expect(
        (
          await call('POST', '/invoices', {
            invoiceId,
            customerId,
            amount,
            currency: 'CNY',
            issueDate: '2026-01-02',
            dueDate,
          })
        ).status,
      ).toBe(201);
    await issue(`${customer}-1`, customer, '2026-01-15'); // 46 days overdue on 2026-03-02
    await issue(`${customer}-2`, customer, '2026-02-20'); // 10 days overdue
    await issue(`${customer}-3`, customer, '2026-02-20', 2_000); // paid below
    await issue(`${customer}-4`, customer, '2026-03-31'); // not due yet
    await issue(`${customer}-5`, customer, '2026-04-30');
    await issue(`${other}-1`, other, '2026-01-15');
    // A prepayment invoice: paid before delivery, never overdue (#14 probe F6: 46 days in the list).
    expect(
      (
        await call('POST', '/invoices', {
          invoiceId: `${prepaying}-1`,
          customerId: prepaying,
          amount: 1_000,
          currency: 'CNY',
          issueDate: '2026-01-02',
          dueDate: '2026-01-15',
          prepayment: true,
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call('POST', '/payments', {
          customerId: customer,
          amount: 2_000,
          currency: 'CNY',
          channel: 'BANK_TRANSFER',
          receivedDate: '2026-03-02',
          remittance: [{ invoiceId: `${customer}-3`, amount: 2_000 }],
        })
      ).status,
    ).toBe(201);
    await platform.caughtUp();
  });
  afterAll(() => platform.stop());

  const call = (method: 'GET' | 'POST', url: string, payload?: object, headers?: Record<string, string>) =>
    callService(service, method, url, payload, headers);
  const ids = (body: { invoices: { invoiceId: string }[] }) => body.invoices.map((i) => i.invoiceId);

  it("lists a customer's invoices by due date, with status and days overdue today", async () => {
    const { status, body } = await call('GET', `/invoices?customerId=${customer}`);
    expect(status).toBe(200);
    expect(body.next).toBeNull();
    expect(body.invoices.map((i: object) => ({ ...i, customerId: undefined }))).toEqual([
      expect.objectContaining({
        invoiceId: `${customer}-1`,
        status: 'OPEN',
        daysOverdue: 46,
        dueDate: '2026-01-15',
      }),
      expect.objectContaining({ invoiceId: `${customer}-2`, status: 'OPEN', daysOverdue: 10 }),
      expect.objectContaining({ invoiceId: `${customer}-3`, status: 'PAID', daysOverdue: 0, amount: 2_000 }),
      expect.objectContaining({ invoiceId: `${customer}-4`, status: 'OPEN', daysOverdue: 0 }),
      expect.objectContaining({ invoiceId: `${customer}-5`, status: 'OPEN', daysOverdue: 0 }),
    ]);
  });

  it('shows a prepayment invoice never overdue, and leaves it out of days-overdue filters', async () => {
    expect((await call('GET', `/invoices?customerId=${prepaying}`)).body.invoices).toEqual([
      expect.objectContaining({ invoiceId: `${prepaying}-1`, status: 'OPEN', daysOverdue: 0 }),
    ]);
    expect(ids((await call('GET', `/invoices?customerId=${prepaying}&minDaysOverdue=1`)).body)).toEqual([]);
  });

  it('filters by status, due-date range and days overdue, combined', async () => {
    expect(ids((await call('GET', `/invoices?customerId=${customer}&status=PAID`)).body)).toEqual([
      `${customer}-3`,
    ]);
    expect(
      ids((await call('GET', `/invoices?customerId=${customer}&dueFrom=2026-02-20&dueTo=2026-03-31`)).body),
    ).toEqual([`${customer}-2`, `${customer}-3`, `${customer}-4`]);
    expect(ids((await call('GET', `/invoices?customerId=${customer}&minDaysOverdue=10`)).body)).toEqual([
      `${customer}-1`,
      `${customer}-2`,
    ]);
    expect(ids((await call('GET', `/invoices?customerId=${customer}&minDaysOverdue=11`)).body)).toEqual([
      `${customer}-1`,
    ]);
    // Without a customer: every customer's, the other's among them.
    expect(ids((await call('GET', '/invoices?minDaysOverdue=40&limit=200')).body)).toEqual(
      expect.arrayContaining([`${customer}-1`, `${other}-1`]),
    );
  });

  it('pages with an opaque cursor: each invoice once, in order, and no next after the last page', async () => {
    const seen: string[] = [];
    let url = `/invoices?customerId=${customer}&limit=2`;
    let pages = 0;
    for (;;) {
      const { status, body } = await call('GET', url);
      expect(status).toBe(200);
      expect(body.invoices.length).toBeLessThanOrEqual(2);
      seen.push(...ids(body));
      pages++;
      if (!body.next) break;
      url = `/invoices?customerId=${customer}&limit=2&cursor=${body.next}`;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([1, 2, 3, 4, 5].map((n) => `${customer}-${n}`));
  });

  it('refuses a cursor it did not give and a limit above 200 (400 naming the field)', async () => {
    const bad = await call('GET', '/invoices?cursor=not-a-cursor');
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((i: { field: string }) => i.field)).toEqual(['querystring.cursor']);
    const tooMany = await call('GET', '/invoices?limit=201');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.issues[0].field).toBe('querystring.limit');
    const backwards = await call('GET', '/invoices?dueFrom=2026-03-01&dueTo=2026-02-01');
    expect(backwards.status).toBe(400);
  });

  describe('payments', () => {
    const payer = unique('P');
    const pay = async (paymentId: string, receivedDate: string, payload: object = { customerId: payer }) =>
      expect(
        (
          await call('POST', '/payments', {
            paymentId,
            amount: 500,
            currency: 'CNY',
            channel: 'BANK_TRANSFER',
            receivedDate,
            ...payload,
          })
        ).status,
      ).toBe(201);
    const paymentIds = (body: { payments: { paymentId: string }[] }) => body.payments.map((p) => p.paymentId);

    beforeAll(async () => {
      await pay(`${payer}-1`, '2026-02-27');
      await pay(`${payer}-2`, '2026-03-01');
      await pay(`${payer}-3`, '2026-03-02');
      await pay(`${payer}-U`, '2026-03-01', { reference: 'who knows' });
    });

    it("lists a customer's payments by day received, with their status", async () => {
      const { status, body } = await call('GET', `/payments?customerId=${payer}`);
      expect(status).toBe(200);
      expect(body).toEqual({
        payments: [1, 2, 3].map((n) =>
          expect.objectContaining({
            paymentId: `${payer}-${n}`,
            customerId: payer,
            status: 'APPLIED',
            amount: 500,
          }),
        ),
        next: null,
      });
    });

    it('filters by status and received range, and pages with a cursor', async () => {
      const waiting = await call(
        'GET',
        '/payments?status=UNIDENTIFIED&receivedFrom=2026-03-01&receivedTo=2026-03-01',
      );
      expect(waiting.body.payments).toContainEqual(
        expect.objectContaining({ paymentId: `${payer}-U`, customerId: null, reference: 'who knows' }),
      );
      expect(waiting.body.payments.every((p: { status: string }) => p.status === 'UNIDENTIFIED')).toBe(true);
      expect(
        paymentIds((await call('GET', `/payments?customerId=${payer}&receivedFrom=2026-03-01`)).body),
      ).toEqual([`${payer}-2`, `${payer}-3`]);
      const first = await call('GET', `/payments?customerId=${payer}&limit=2`);
      expect(paymentIds(first.body)).toEqual([`${payer}-1`, `${payer}-2`]);
      const second = await call('GET', `/payments?customerId=${payer}&limit=2&cursor=${first.body.next}`);
      expect(second.body).toEqual({
        payments: [expect.objectContaining({ paymentId: `${payer}-3` })],
        next: null,
      });
      expect((await call('GET', '/payments?cursor=x')).status).toBe(400);
    });

    it('fills the list from the payments already stored when the migration first runs (a database from before the list)', async () => {
      await pay(`${payer}-M`, '2026-03-02', { reference: 'nobody' });
      expect((await call('POST', `/payments/${payer}-M/match`, { customerId: payer })).status).toBe(200);
      const listed = async () =>
        (await service.ctx.pool.query('select * from payment_list order by payment_id')).rows;
      const before = await listed();
      expect(before.length).toBeGreaterThanOrEqual(5);
      await service.ctx.pool.query('drop table payment_list');
      await service.ctx.pool.query('delete from schema_migrations where id = $1', [
        paymentListMigrations[0]!.id,
      ]);
      await migrate(service.ctx.pool, `${platform.run}_invoicing`, paymentListMigrations);
      expect(await listed()).toEqual(before);
    });

    it('lists payments for finance, management and bi only', async () => {
      expect((await call('GET', '/payments', undefined, await authHeaders(['bi']))).status).toBe(200);
      expect((await call('GET', '/payments', undefined, await authHeaders(['sales']))).status).toBe(403);
    });
  });

  it('lists for the people who read the book (bi included), not for operations or a service client', async () => {
    expect((await call('GET', '/invoices', undefined, await authHeaders(['bi']))).status).toBe(200);
    expect((await call('GET', '/invoices', undefined, await authHeaders(['collector']))).status).toBe(200);
    expect((await call('GET', '/invoices', undefined, await authHeaders(['admin']))).status).toBe(403);
    expect((await call('GET', '/invoices', undefined, await authHeaders(['service:contract']))).status).toBe(
      403,
    );
  });
});

/**
 * An invoice on an instalment plan follows the plan in the list (#14 item 5, probe F1): 100,000
 * CNY issued 2026-01-05 due 01-09; on 02-11 a plan with fees included (347.00 due 02-20, 345.00
 * due 03-20 and 04-20); 347.00 paid on 02-20; on 03-20 P1 pays 345.00, P2 does not. On 03-24 P1
 * answers to 04-20 (0 days overdue), P2 to 03-20 (4 days) - not the plan's first instalment.
 */
describe('finding invoices on an instalment plan', () => {
  const platform = inProcessPlatform('findplan', '2026-01-05');
  const { clock } = platform;
  let service: RunningService;
  const customer = unique('C');
  const [p1, p2] = [`${customer}-P1`, `${customer}-P2`];
  const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
    callService(service, method, url, payload);
  const pay = async (invoiceId: string, amount: number, receivedDate: string) =>
    expect(
      (
        await call('POST', '/payments', {
          customerId: customer,
          amount,
          currency: 'CNY',
          channel: 'BANK_TRANSFER',
          receivedDate,
          remittance: [{ invoiceId, amount }],
        })
      ).status,
    ).toBe(201);

  beforeAll(async () => {
    service = await platform.start(invoicingService);
    for (const invoiceId of [p1, p2]) {
      const issued = await call('POST', '/invoices', {
        invoiceId,
        customerId: customer,
        amount: 100_000,
        currency: 'CNY',
        issueDate: '2026-01-05',
        dueDate: '2026-01-09',
      });
      expect(issued.status).toBe(201);
    }
    await clock.advanceTo('2026-02-11');
    for (const invoiceId of [p1, p2]) {
      const plan = await call('POST', `/invoices/${invoiceId}/instalment-plans`, {
        planId: unique('PLAN'),
        instalments: [
          { dueDate: '2026-02-20', amount: 34_700 },
          { dueDate: '2026-03-20', amount: 34_500 },
          { dueDate: '2026-04-20', amount: 34_500 },
        ],
        fees: 'INCLUDED',
        date: '2026-02-11',
      });
      expect(plan.status).toBe(200);
    }
    await clock.advanceTo('2026-02-20');
    await pay(p1, 34_700, '2026-02-20');
    await pay(p2, 34_700, '2026-02-20');
    await clock.advanceTo('2026-03-20');
    await pay(p1, 34_500, '2026-03-20');
    await clock.advanceTo('2026-03-24');
    await platform.caughtUp();
  });
  afterAll(() => platform.stop());

  it('counts days overdue from the earliest instalment not paid in full, and shows its date', async () => {
    const { body } = await call('GET', `/invoices?customerId=${customer}`);
    expect(body.invoices).toEqual([
      expect.objectContaining({ invoiceId: p2, status: 'OPEN', dueDate: '2026-03-20', daysOverdue: 4 }),
      expect.objectContaining({ invoiceId: p1, status: 'OPEN', dueDate: '2026-04-20', daysOverdue: 0 }),
    ]);
    // The single-invoice read agrees: P1 has nothing overdue, P2 its second instalment.
    expect((await call('GET', `/invoices/${p1}`)).body.overdueThresholdsReached).toEqual([]);
    expect((await call('GET', `/invoices/${p2}`)).body.overdueThresholdsReached).toEqual([1]);
  });

  it('filters minDaysOverdue by the corrected figure', async () => {
    const ids = async (q: string) =>
      (await call('GET', `/invoices?customerId=${customer}&${q}`)).body.invoices.map(
        (i: { invoiceId: string }) => i.invoiceId,
      );
    expect(await ids('minDaysOverdue=4')).toEqual([p2]);
    expect(await ids('minDaysOverdue=5')).toEqual([]);
    expect(await ids('dueFrom=2026-04-01')).toEqual([p1]);
  });
});
