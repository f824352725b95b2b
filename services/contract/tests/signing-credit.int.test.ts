import { creditScoringService } from '@ar/credit-scoring';
import { invoicingService } from '@ar/invoicing';
import type { RunningService } from '@ar/platform';
import { authHeaders } from '../../../tests/support/auth';
import { eventually } from '../../../tests/support/infra';
import { call, kafkaPlatform } from '../../../tests/support/platform';
import { contractService } from '../src/service';

/**
 * Signing against credit, through real HTTP between contract and credit-scoring and real Kafka
 * behind them: the check at signing reserves the value (two signings at once over the limit: one
 * passes), termination releases it, and a CAUTIOUS customer signs on prepayment terms.
 */
describe('signing reserves credit', () => {
  const platform = kafkaPlatform('sg', '2026-01-05');
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

  // Scores 610: COOPERATIVE, limit CNY 1,000,000.00, net 15.
  const register = (customerId: string) =>
    call(credit, 'POST', '/customers', {
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
    });
  const draft = (contractId: string, customerId: string, value: number) =>
    call(contract, 'POST', '/contracts', {
      contractId,
      customerId,
      title: 'Press line',
      value,
      currency: 'CNY',
      milestones: [
        {
          milestoneId: 'SIGN',
          name: '30% on signing',
          percent: 30,
          trigger: 'SIGNING',
          term: { days: 5, basis: 'WORKING' },
        },
        {
          milestoneId: 'ACCEPT',
          name: '70% on acceptance',
          percent: 70,
          trigger: 'ACCEPTANCE',
          term: { days: 3, basis: 'WORKING' },
        },
      ],
    });
  /** Over HTTP, as another system would: so two signings really run at the same time. */
  const signOverHttp = async (contractId: string) => {
    const res = await fetch(`${contract.url}/contracts/${contractId}/sign`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeaders(['sales'], 'sales-li')) },
      body: '{}',
    });
    return {
      contractId,
      status: res.status,
      body: (await res.json()) as { status?: string; message?: string },
    };
  };
  const exposure = async (customerId: string) =>
    (await call(credit, 'GET', `/customers/${customerId}/credit`)).body.exposure;

  it('two contracts signed at once over the limit: one passes, one is refused; termination releases', async () => {
    expect((await register('C-TWO')).status).toBe(201);
    expect((await draft('K-TWO-A', 'C-TWO', 60_000_000)).status).toBe(201);
    expect((await draft('K-TWO-B', 'C-TWO', 60_000_000)).status).toBe(201);

    const both = await Promise.all([signOverHttp('K-TWO-A'), signOverHttp('K-TWO-B')]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 422]);
    const signed = both.find((r) => r.status === 200)!;
    const refused = both.find((r) => r.status === 422)!;
    expect(refused.body.message).toMatch(/over the limit by CNY 200,000\.00/);
    // Counted at once, before ContractSigned has travelled the pipeline - and only once.
    expect((await exposure('C-TWO')).total).toBe(60_000_000);
    expect((await signOverHttp(signed.contractId)).status).toBe(200);
    // The pipeline: the signing milestone's invoice moves 30% from unbilled to open.
    await eventually(
      async () => {
        const e = await exposure('C-TWO');
        return e.openReceivables === 18_000_000 && e.unbilledContracts === 42_000_000 ? e : undefined;
      },
      30_000,
      'the signing invoice in exposure',
    );

    // Terminated: what it had not billed is released, and the other contract now fits.
    expect(
      (await call(contract, 'POST', `/contracts/${signed.contractId}/termination`, { reason: 'cancelled' }))
        .status,
    ).toBe(200);
    await eventually(
      async () => ((await exposure('C-TWO')).total === 18_000_000 ? true : undefined),
      30_000,
      'the termination released',
    );
    expect((await signOverHttp(refused.contractId)).body.status).toBe('SIGNED');
  });

  it('a reservation is idempotent by its id, and another amount under the same id is a 409', async () => {
    await register('C-RES');
    const reserve = (amount: number) =>
      call(credit, 'POST', '/customers/C-RES/credit-reservations', {
        reservationId: 'R-1',
        amount,
        currency: 'CNY',
      });
    expect((await reserve(70_000_000)).body).toMatchObject({ approved: true, reserved: true });
    expect((await reserve(70_000_000)).body).toMatchObject({ approved: true, reserved: true });
    expect((await exposure('C-RES')).unbilledContracts).toBe(70_000_000);
    expect((await reserve(80_000_000)).status).toBe(409);
    const other = await call(credit, 'POST', '/customers/C-RES/credit-reservations', {
      reservationId: 'R-2',
      amount: 40_000_000,
      currency: 'CNY',
    });
    expect(other.body).toMatchObject({ approved: false, reserved: false });
    expect((await call(credit, 'POST', '/customers/C-RES/credit-reservations/R-1/release', {})).body).toEqual(
      {
        reservationId: 'R-1',
        released: true,
      },
    );
    expect((await exposure('C-RES')).total).toBe(0);
  });

  it('a CAUTIOUS customer signs on prepayment terms; the delivery waits for the payment', async () => {
    await register('C-CASH');
    await call(
      credit,
      'POST',
      '/customers/C-CASH/tier-override',
      { tier: 'CAUTIOUS', reason: 'one-off business', decidedBy: 'risk-wang' },
      { 'x-role': 'risk' },
    );
    const drafted = await draft('K-CASH', 'C-CASH', 10_000_000);
    expect(drafted.body).toMatchObject({
      tier: 'CAUTIOUS',
      clauses: { prepayment: true, retentionOfTitle: true },
    });
    expect(await signOverHttp('K-CASH')).toMatchObject({ status: 200, body: { status: 'SIGNED' } });

    const early = await call(contract, 'POST', '/contracts/K-CASH/deliveries', {});
    expect(early).toMatchObject({ status: 422, body: { error: 'DELIVERY_AWAITS_PAYMENT' } });
    expect(early.body.message).toMatch(/SIGN \(CNY 30,000\.00\), ACCEPT \(CNY 70,000\.00\)/);

    // Both milestones are invoiced on signing, due that day; the customer pays them.
    await eventually(
      async () => {
        const { body } = await call(contract, 'GET', '/contracts/K-CASH');
        return body.milestones.every((m: { invoiceId?: string }) => m.invoiceId) ? body : undefined;
      },
      30_000,
      'the prepayment invoices',
    );
    const paid = await call(invoicing, 'POST', '/payments', {
      paymentId: 'PAY-CASH',
      customerId: 'C-CASH',
      amount: 10_000_000,
      currency: 'CNY',
      channel: 'BANK_TRANSFER',
    });
    expect(paid.status).toBe(201);
    const delivered = await eventually(
      async () => {
        const res = await call(contract, 'POST', '/contracts/K-CASH/deliveries', {});
        return res.status === 200 ? res.body : undefined;
      },
      30_000,
      'the delivery once paid',
    );
    expect(delivered).toMatchObject({ status: 'COMPLETED', deliveredDate: '2026-01-05' });
  });

  it('signing again answers as the first did; another term exception, none or another date is a 409 naming the field (#14 probe F10)', async () => {
    await register('C-AGAIN');
    expect((await draft('K-AGAIN', 'C-AGAIN', 1_000_000)).status).toBe(201);
    for (const exceptionId of ['EX-A', 'EX-B']) {
      const granted = await call(
        credit,
        'POST',
        '/customers/C-AGAIN/term-exceptions',
        { exceptionId, termDays: 30, reason: `decision ${exceptionId}` },
        await authHeaders(['risk'], 'risk-zhao'),
      );
      expect(granted.status).toBe(200);
    }
    const sign = (body: object) => call(contract, 'POST', '/contracts/K-AGAIN/sign', body);
    const first = await sign({ termException: { exceptionId: 'EX-A' } });
    expect(first).toMatchObject({ status: 200, body: { status: 'SIGNED', signedDate: '2026-01-05' } });

    // The same request again: the same answer, nothing appended.
    const again = await sign({ termException: { exceptionId: 'EX-A' } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);

    const fieldOf = (res: { body: { issues?: { field: string }[] } }) => res.body.issues?.map((i) => i.field);
    const another = await sign({ termException: { exceptionId: 'EX-B' } });
    expect(another).toMatchObject({ status: 409, body: { error: 'CONTRACT_ALREADY_SIGNED' } });
    expect(another.body.message).toMatch(/naming term exception EX-A; this signature names EX-B/);
    expect(fieldOf(another)).toEqual(['termException.exceptionId']);
    const none = await sign({});
    expect(none).toMatchObject({ status: 409, body: { error: 'CONTRACT_ALREADY_SIGNED' } });
    expect(fieldOf(none)).toEqual(['termException']);
    const otherDay = await sign({ termException: { exceptionId: 'EX-A' }, date: '2026-01-02' });
    expect(otherDay).toMatchObject({ status: 409, body: { error: 'CONTRACT_ALREADY_SIGNED' } });
    expect(fieldOf(otherDay)).toEqual(['date']);

    const { events } = await contract.ctx.store.readStream('contract-K-AGAIN');
    const signatures = events.filter((e) => e.type === 'ContractSigned');
    expect(signatures).toHaveLength(1);
    expect(signatures[0]?.data).toMatchObject({ termException: { exceptionId: 'EX-A', approvedBy: 'RISK' } });

    // Naming a decision credit-scoring does not keep is refused even when the terms need none
    // (it would otherwise be signed without it, and a retry could not be told from another).
    expect((await draft('K-AGAIN-2', 'C-AGAIN', 1_000_000)).status).toBe(201);
    const unknown = await call(contract, 'POST', '/contracts/K-AGAIN-2/sign', {
      termException: { exceptionId: 'EX-NONE' },
    });
    expect(unknown).toMatchObject({ status: 422, body: { error: 'TERM_EXCEPTION_NOT_FOUND' } });
    expect(fieldOf(unknown)).toEqual(['termException.exceptionId']);
    expect((await exposure('C-AGAIN')).total).toBe(1_000_000);
  });

  it('a term longer than the tier allows signs only naming a decision credit-scoring keeps for the customer (#14)', async () => {
    await register('C-LONG');
    await register('C-OTHER');
    const draftLong = (contractId: string, customerId: string, days = 45) =>
      call(contract, 'POST', '/contracts', {
        contractId,
        customerId,
        title: 'Press line',
        value: 1_000_000,
        currency: 'CNY',
        milestones: [
          {
            milestoneId: 'ALL',
            name: `net ${days}`,
            percent: 100,
            trigger: 'DELIVERY',
            term: { days, basis: 'CALENDAR' },
          },
        ],
      });
    await draftLong('K-LONG', 'C-LONG');
    const refused = await call(contract, 'POST', '/contracts/K-LONG/sign', {});
    expect(refused).toMatchObject({ status: 422, body: { error: 'TERM_EXCEEDS_TIER' } });
    expect(refused.body.message).toMatch(
      /ALL: 45 calendar days is longer than the 15 days COOPERATIVE allows/,
    );
    // Refused after the reservation: it was released.
    expect((await exposure('C-LONG')).total).toBe(0);

    // A decision credit-scoring does not keep: none at all, or another customer's.
    const unknown = await call(contract, 'POST', '/contracts/K-LONG/sign', {
      termException: { exceptionId: 'EX-NONE' },
    });
    expect(unknown).toMatchObject({ status: 422, body: { error: 'TERM_EXCEPTION_NOT_FOUND' } });
    expect(unknown.body.issues?.map((i: { field: string }) => i.field) ?? [unknown.body.field]).toContain(
      'termException.exceptionId',
    );
    const othersGranted = await call(
      credit,
      'POST',
      '/customers/C-OTHER/term-exceptions',
      { exceptionId: 'EX-OTHER', termDays: 60, reason: 'another customer' },
      await authHeaders(['risk'], 'risk-zhao'),
    );
    expect(othersGranted.status).toBe(200);
    const others = await call(contract, 'POST', '/contracts/K-LONG/sign', {
      termException: { exceptionId: 'EX-OTHER' },
    });
    expect(others).toMatchObject({ status: 422, body: { error: 'TERM_EXCEPTION_NOT_FOUND' } });

    // Only the risk role records one in credit-scoring (the caller is recorded as deciding it).
    const bySales = await call(
      credit,
      'POST',
      '/customers/C-LONG/term-exceptions',
      { exceptionId: 'EX-30', termDays: 30, reason: 'thirty days' },
      await authHeaders(['sales'], 'sales-li'),
    );
    expect(bySales.status).toBe(403);
    await call(
      credit,
      'POST',
      '/customers/C-LONG/term-exceptions',
      { exceptionId: 'EX-30', termDays: 30, reason: 'thirty days' },
      await authHeaders(['risk'], 'risk-zhao'),
    );
    // Too short for net 45.
    const short = await call(contract, 'POST', '/contracts/K-LONG/sign', {
      termException: { exceptionId: 'EX-30' },
    });
    expect(short).toMatchObject({ status: 422, body: { error: 'TERM_EXCEEDS_EXCEPTION' } });
    expect(short.body.message).toMatch(/longer than the 30 days exception EX-30 allows/);
    expect((await exposure('C-LONG')).total).toBe(0);

    await call(
      credit,
      'POST',
      '/customers/C-LONG/term-exceptions',
      { exceptionId: 'EX-45', termDays: 45, reason: 'state customer, tender terms' },
      await authHeaders(['risk'], 'risk-zhao'),
    );
    const signed = await call(contract, 'POST', '/contracts/K-LONG/sign', {
      termException: { exceptionId: 'EX-45' },
    });
    expect(signed).toMatchObject({ status: 200, body: { status: 'SIGNED' } });
    const { events } = await contract.ctx.store.readStream('contract-K-LONG');
    expect(events.find((e) => e.type === 'ContractSigned')?.data).toMatchObject({
      termException: { exceptionId: 'EX-45', approvedBy: 'RISK', termDays: 45, decidedBy: 'risk-zhao' },
    });

    // The credit committee's decision, voted one person at a time with the days, signs too.
    await draftLong('K-COM', 'C-LONG', 40);
    for (const [member, role, person] of [
      ['SALES', 'sales', 'sales-li'],
      ['FINANCE', 'finance', 'finance-qian'],
      ['LEGAL', 'legal', 'legal-sun'],
    ] as const) {
      const voted = await call(
        credit,
        'POST',
        '/customers/C-LONG/committee-decisions/EX-COM/votes',
        { member, approve: true, reason: `${member} agrees to net 40`, amount: 0, termDays: 40 },
        await authHeaders([role], person),
      );
      expect(voted.status).toBe(200);
    }
    const byCommittee = await call(contract, 'POST', '/contracts/K-COM/sign', {
      termException: { exceptionId: 'EX-COM' },
    });
    expect(byCommittee).toMatchObject({ status: 200, body: { status: 'SIGNED' } });
    const com = await contract.ctx.store.readStream('contract-K-COM');
    expect(com.events.find((e) => e.type === 'ContractSigned')?.data).toMatchObject({
      termException: { exceptionId: 'EX-COM', approvedBy: 'COMMITTEE', termDays: 40 },
    });
  });
});
