import type { RunningService } from '@ar/platform';
import { unique } from '../../../tests/support/infra';
import { call as callService, inProcessPlatform } from '../../../tests/support/platform';
import { invoicingService } from '../src/service';

type Call = (method: 'GET' | 'POST', url: string, payload?: object) => ReturnType<typeof callService>;

/** 1,000.00 CNY issued 2026-01-02, due 2026-01-31 under the default clause. */
async function issueThousand(call: Call, invoiceId: string, customerId: string) {
  const issued = await call('POST', '/invoices', {
    invoiceId,
    customerId,
    amount: 100_000,
    currency: 'CNY',
    issueDate: '2026-01-02',
    dueDate: '2026-01-31',
  });
  expect(issued.status).toBe(201);
}

/** Day 40 (03-12): a plan waives the fees then open and asks the principal on 03-22. */
async function waiveFeesOnDay40(call: Call, invoiceId: string, reason: string) {
  const plan = await call('POST', `/invoices/${invoiceId}/instalment-plans`, {
    planId: unique('PLAN'),
    instalments: [{ dueDate: '2026-03-22', amount: 100_000 }],
    fees: 'WAIVED',
    feeWaiver: { decidedBy: 'finance-lead', reason },
    date: '2026-03-12',
  });
  expect(plan.status).toBe(200);
}

/**
 * Money dated before a plan that waived fees, matched after the invoice was paid (#14 item 1),
 * over REST on real PostgreSQL: cash application offers it to the paid invoice, which takes the
 * fees it would have paid on that date (the waiver shrinks); the rest is the customer's credit.
 * 1,000.00 CNY due 2026-01-31 under the default clause; on day 40 (03-12) a plan waives interest
 * 24.00 and penalty 20.00; day 45 pays the principal; on day 60 a 50.00 transfer of day 35 arrives.
 */
describe('invoicing: a payment dated before a fee-waiving plan, matched after the invoice was paid', () => {
  const platform = inProcessPlatform('invwaived', '2026-03-12');
  const { clock } = platform;
  let service: RunningService;
  const invoiceId = unique('WAIVED');
  const customerId = unique('C');

  beforeAll(async () => {
    service = await platform.start(invoicingService);
  });
  afterAll(() => platform.stop());

  const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
    callService(service, method, url, payload);
  const pay = (paymentId: string, amount: number, receivedDate: string) =>
    call('POST', '/payments', {
      paymentId,
      customerId,
      amount,
      currency: 'CNY',
      channel: 'BANK_TRANSFER',
      receivedDate,
    });

  it('pays the fees of its date and principal on the paid invoice, the payment under the plan releasing as much; sent again, the same answer', async () => {
    await issueThousand(call, invoiceId, customerId);
    await waiveFeesOnDay40(call, invoiceId, 'hardship');
    await clock.advanceTo('2026-03-17');
    const underThePlan = await pay(unique('P'), 100_000, '2026-03-17');
    expect(underThePlan.body).toMatchObject({ allocations: [{ invoiceId, amount: 100_000 }] });
    await clock.advanceTo('2026-04-01');

    const lateId = unique('P');
    const late = await pay(lateId, 5_000, '2026-03-07');
    expect(late.status).toBe(201);
    // Day 35: penalty 20.00 and interest 19.00 (days 16-34) were open, the other 11.00 paid principal
    // then; the plan's payment of 03-17 needed 11.00 less and holds it as credit.
    expect(late.body).toMatchObject({ allocations: [{ invoiceId, amount: 5_000 }], creditHeld: 0 });
    expect((await pay(lateId, 5_000, '2026-03-07')).body).toMatchObject({
      allocations: [{ invoiceId, amount: 5_000 }],
      creditHeld: 0,
    });
    expect((await call('GET', `/payments/${underThePlan.body.paymentId}`)).body).toMatchObject({
      allocations: [{ invoiceId, amount: 98_900 }],
      creditHeld: 1_100,
    });
    expect((await call('GET', `/customers/${customerId}/account`)).body.credit).toEqual([
      { currency: 'CNY', amount: 1_100 },
    ]);

    expect((await call('GET', `/invoices/${invoiceId}`)).body).toMatchObject({
      status: 'PAID',
      open: { principal: 0, interest: 0, penalty: 0, total: 0 },
    });
    const events = (await service.ctx.store.readStream(`invoice-${invoiceId}`)).events;
    expect(events.filter((e) => e.type === 'InvoicePaid')).toHaveLength(1);
    // One revision, by the late payment (the plan read back from the store is the same plan).
    const revisions = events.filter((e) => e.type === 'InstalmentPlanRevised');
    expect(revisions).toHaveLength(1);
    // Days 35-39 on 989.00 of principal: 0.99 a day.
    expect(revisions[0]?.data).toMatchObject({
      fees: { mode: 'WAIVED', interest: 495, penalty: 0 },
      previous: { fees: { mode: 'WAIVED', interest: 2_400, penalty: 2_000 } },
    });
  });
});

describe('invoicing: a credit note dated before a fee-waiving plan that leaves nothing owed', () => {
  const platform = inProcessPlatform('invwaivedcn', '2026-03-12');
  const { clock } = platform;
  let service: RunningService;
  const customerId = unique('C');

  beforeAll(async () => {
    service = await platform.start(invoicingService);
  });
  afterAll(() => platform.stop());

  const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
    callService(service, method, url, payload);

  it('a credit note for the whole principal dated before the plan, issued after it, ends the invoice credited', async () => {
    // The same invoice and plan; the credit note of day 35 (goods returned) is issued on day 41:
    // only the fees were open on day 40 and the plan waived them - nothing is owed, nothing chased.
    const returned = unique('RET');
    await issueThousand(call, returned, customerId);
    await waiveFeesOnDay40(call, returned, 'goods returned');
    await clock.advanceTo('2026-03-13');
    const note = {
      creditNoteId: unique('CN'),
      amount: 100_000,
      reason: 'goods returned',
      issueDate: '2026-03-07',
    };
    const credited = await call('POST', `/invoices/${returned}/credit-notes`, note);
    expect(credited.status).toBe(200);
    expect((await call('POST', `/invoices/${returned}/credit-notes`, note)).status).toBe(200);

    expect((await call('GET', `/invoices/${returned}`)).body).toMatchObject({
      status: 'CREDITED',
      open: { principal: 0, interest: 0, penalty: 0, total: 0 },
    });
    const events = (await service.ctx.store.readStream(`invoice-${returned}`)).events;
    expect(events.filter((e) => e.type === 'InvoiceFullyCredited')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'InstalmentPlanRevised').map((e) => e.data)).toEqual([
      expect.objectContaining({ instalments: [], fees: { mode: 'WAIVED', interest: 1_900, penalty: 2_000 } }),
    ]);
  });

  it('a payment dated before a plan that settles the invoice then voids the plan: the invoice reads paid, no plan', async () => {
    await clock.advanceTo('2026-03-13');
    const settled = unique('VOID');
    const payer = unique('C');
    await issueThousand(call, settled, payer);
    const plan = await call('POST', `/invoices/${settled}/instalment-plans`, {
      planId: unique('PLAN'),
      instalments: [{ dueDate: '2026-03-23', amount: 104_500 }],
      fees: 'INCLUDED',
      date: '2026-03-13',
    });
    expect(plan.status).toBe(200);
    // Day 35's transfer paid everything then open (principal, penalty 20.00, interest 19.00).
    const paid = await call('POST', '/payments', {
      paymentId: unique('P'),
      customerId: payer,
      amount: 103_900,
      currency: 'CNY',
      channel: 'BANK_TRANSFER',
      receivedDate: '2026-03-07',
    });
    expect(paid.body).toMatchObject({ allocations: [{ invoiceId: settled, amount: 103_900 }] });
    const invoice = await call('GET', `/invoices/${settled}`);
    expect(invoice.status).toBe(200);
    // Back on its own due date (probe F7: the voided instalments were still its schedule).
    expect(invoice.body).toMatchObject({
      status: 'PAID',
      open: { total: 0 },
      schedule: [{ dueDate: '2026-01-31', amount: 100_000 }],
    });
    expect(invoice.body).not.toHaveProperty('plan');
    await platform.caughtUp();
    expect((await call('GET', `/invoices?customerId=${payer}`)).body.invoices).toEqual([
      expect.objectContaining({ invoiceId: settled, status: 'PAID', dueDate: '2026-01-31', daysOverdue: 0 }),
    ]);
  });
});
