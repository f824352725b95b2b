import { randomUUID } from 'node:crypto';
import { createSchemaPool, inTransaction, migrate } from '@ar/postgres';
import type { Pool } from 'pg';
import { testInfra, unique } from '../../../../tests/support/infra';
import { applyExposureChange, exposureMigrations, exposureOf } from './exposure';

/**
 * Exposure is built from per-invoice and per-contract facts (DOMAIN.md §1), so it is the same
 * whatever order the events of different streams arrive in.
 */
describe('exposure from invoicing and contract events', () => {
  let pool: Pool;
  beforeAll(async () => {
    const schema = unique('exp');
    pool = createSchemaPool(testInfra().databaseUrl, schema);
    await migrate(pool, schema, exposureMigrations);
  });
  afterAll(async () => {
    await pool.end();
  });

  type Fact = [type: string, data: Record<string, unknown>];
  const apply = (facts: Fact[]) =>
    inTransaction(pool, async (client) => {
      for (const [type, data] of facts) await applyExposureChange(client, type, data, randomUUID());
    });
  const total = async (customerId: string, currency = 'CNY') => {
    const e = await exposureOf(pool, customerId, currency);
    return { open: Number(e.openReceivables), unbilled: Number(e.unbilledContracts) };
  };
  const signed = (customerId: string, contractId: string, value: number): Fact => [
    'ContractSigned',
    { contractId, customerId, value, currency: 'CNY', signedDate: '2026-01-05' },
  ];
  const issued = (customerId: string, invoiceId: string, amount: number, contractId?: string): Fact => [
    'InvoiceIssued',
    {
      invoiceId,
      customerId,
      amount,
      currency: 'CNY',
      issueDate: '2026-01-05',
      dueDate: '2026-01-20',
      ...(contractId ? { contractId, milestoneId: 'M1' } : {}),
    },
  ];
  const allocated = (customerId: string, invoiceId: string, toPrincipal: number): Fact => [
    'PaymentAllocated',
    {
      invoiceId,
      customerId,
      paymentId: `P-${invoiceId}`,
      currency: 'CNY',
      amount: toPrincipal,
      toPenalty: 0,
      toInterest: 0,
      toPrincipal,
      paymentDate: '2026-01-06',
    },
  ];

  it('is the same whichever stream arrives first: a contract and the invoice of its milestone', async () => {
    // Contract first: 300,000 moves from unbilled to open. Invoice first: the same facts.
    await apply([
      signed('C-ORDER-1', 'K-ORDER-1', 1_000_000),
      issued('C-ORDER-1', 'I-ORDER-1', 300_000, 'K-ORDER-1'),
    ]);
    await apply([
      issued('C-ORDER-2', 'I-ORDER-2', 300_000, 'K-ORDER-2'),
      signed('C-ORDER-2', 'K-ORDER-2', 1_000_000),
    ]);
    expect(await total('C-ORDER-1')).toEqual({ open: 300_000, unbilled: 700_000 });
    expect(await total('C-ORDER-2')).toEqual({ open: 300_000, unbilled: 700_000 });
  });

  it('counts nothing asked before shipping (款到发货, #14): a prepayment contract and its invoices, in either order', async () => {
    const prepaid = (f: Fact): Fact => [f[0], { ...f[1], prepayment: true }];
    await apply([
      prepaid(signed('C-PRE', 'K-PRE', 1_000_000)),
      prepaid(issued('C-PRE', 'I-PRE-1', 300_000, 'K-PRE')),
    ]);
    await apply([
      prepaid(issued('C-PRE', 'I-PRE-2', 700_000, 'K-PRE-2')),
      prepaid(signed('C-PRE', 'K-PRE-2', 700_000)),
    ]);
    expect(await total('C-PRE')).toEqual({ open: 0, unbilled: 0 });
    // The same customer's invoice on credit terms counts as before.
    await apply([issued('C-PRE', 'I-CREDIT', 50_000)]);
    expect(await total('C-PRE')).toEqual({ open: 50_000, unbilled: 0 });
  });

  it('counts a payment allocated before its invoice arrived', async () => {
    await apply([allocated('C-PAY', 'I-PAY', 100_000), issued('C-PAY', 'I-PAY', 300_000)]);
    expect(await total('C-PAY')).toEqual({ open: 200_000, unbilled: 0 });
  });

  it('releases what a terminated contract had not billed; its invoices stay open', async () => {
    await apply([
      signed('C-TERM', 'K-TERM', 1_000_000),
      issued('C-TERM', 'I-TERM', 300_000, 'K-TERM'),
      [
        'ContractTerminated',
        {
          contractId: 'K-TERM',
          customerId: 'C-TERM',
          reason: 'cancelled',
          date: '2026-01-07',
          unbilledValue: 700_000,
        },
      ],
    ]);
    expect(await total('C-TERM')).toEqual({ open: 300_000, unbilled: 0 });
  });

  it('counts each event once, however often it is applied', async () => {
    const eventId = randomUUID();
    await inTransaction(pool, async (client) => {
      const [type, data] = issued('C-TWICE', 'I-TWICE', 50_000);
      await applyExposureChange(client, type, data, eventId);
      await applyExposureChange(client, type, data, eventId);
      const [ptype, pdata] = allocated('C-TWICE', 'I-TWICE', 10_000);
      const paymentEvent = randomUUID();
      await applyExposureChange(client, ptype, pdata, paymentEvent);
      await applyExposureChange(client, ptype, pdata, paymentEvent);
    });
    expect(await total('C-TWICE')).toEqual({ open: 40_000, unbilled: 0 });
  });
});
