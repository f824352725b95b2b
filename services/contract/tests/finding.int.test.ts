import { creditScoringService } from '@ar/credit-scoring';
import type { RunningService } from '@ar/platform';
import { authHeaders } from '../../../tests/support/auth';
import { call, inProcessPlatform } from '../../../tests/support/platform';
import { contractService } from '../src/service';

/** Finding contracts (#15 item 9): by customer and status, a cursor page at a time. */
describe('finding contracts', () => {
  const platform = inProcessPlatform('findcontract', '2026-03-02');
  let credit: RunningService;
  let contract: RunningService;

  beforeAll(async () => {
    credit = await platform.start(creditScoringService);
    process.env.CREDIT_SCORING_URL = credit.url;
    contract = await platform.start(contractService);
    for (const customerId of ['C-A', 'C-B'])
      expect(
        (
          await call(credit, 'POST', '/customers', {
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
          })
        ).status,
      ).toBe(201);
    const draft = async (contractId: string, customerId: string) =>
      expect(
        (
          await call(contract, 'POST', '/contracts', {
            contractId,
            customerId,
            title: `Line ${contractId}`,
            value: 1_000_000,
            currency: 'CNY',
            milestones: [
              {
                milestoneId: 'ACCEPT',
                name: 'all on acceptance',
                percent: 100,
                trigger: 'ACCEPTANCE',
                term: { days: 10, basis: 'CALENDAR' },
              },
            ],
          })
        ).status,
      ).toBe(201);
    await draft('K-1', 'C-A');
    await draft('K-2', 'C-A');
    await draft('K-3', 'C-A');
    await draft('K-4', 'C-B');
    const signed = await call(contract, 'POST', '/contracts/K-2/sign', {});
    expect(signed.body).toMatchObject({ status: 'SIGNED' });
    await platform.caughtUp();
  });
  afterAll(async () => {
    delete process.env.CREDIT_SCORING_URL;
    await platform.stop();
  });

  const ids = (body: { contracts: { contractId: string }[] }) => body.contracts.map((c) => c.contractId);

  it("lists a customer's contracts with status and suspension, filtered by status", async () => {
    const { status, body } = await call(contract, 'GET', '/contracts?customerId=C-A');
    expect(status).toBe(200);
    expect(ids(body)).toEqual(['K-1', 'K-2', 'K-3']);
    expect(body.contracts[1]).toEqual({
      contractId: 'K-2',
      customerId: 'C-A',
      title: 'Line K-2',
      value: 1_000_000,
      currency: 'CNY',
      status: 'SIGNED',
      draftedDate: '2026-03-02',
      signedDate: '2026-03-02',
      serviceSuspendedSince: null,
    });
    expect(ids((await call(contract, 'GET', '/contracts?customerId=C-A&status=DRAFT')).body)).toEqual([
      'K-1',
      'K-3',
    ]);
    expect(ids((await call(contract, 'GET', '/contracts?status=SIGNED')).body)).toEqual(['K-2']);
    expect(ids((await call(contract, 'GET', '/contracts?serviceSuspended=true')).body)).toEqual([]);
  });

  it('pages with a cursor and refuses one it did not give', async () => {
    const first = await call(contract, 'GET', '/contracts?limit=3');
    expect(ids(first.body)).toEqual(['K-1', 'K-2', 'K-3']);
    const second = await call(contract, 'GET', `/contracts?limit=3&cursor=${first.body.next}`);
    expect(second.body).toEqual({ contracts: [expect.objectContaining({ contractId: 'K-4' })], next: null });
    expect((await call(contract, 'GET', '/contracts?cursor=Zm9v')).status).toBe(400);
  });

  it('lists for the people who read the book, not for operations or a service client', async () => {
    expect((await call(contract, 'GET', '/contracts', undefined, await authHeaders(['bi']))).status).toBe(
      200,
    );
    expect((await call(contract, 'GET', '/contracts', undefined, await authHeaders(['admin']))).status).toBe(
      403,
    );
  });
});
