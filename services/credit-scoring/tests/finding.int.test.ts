import type { RunningService } from '@ar/platform';
import { authHeaders } from '../../../tests/support/auth';
import { unique } from '../../../tests/support/infra';
import { call as callService, inProcessPlatform } from '../../../tests/support/platform';
import { acmeProfile } from '../src/customer/fixtures';
import { creditScoringService } from '../src/service';

/** Finding customers, and what was only in the events: score history and early warnings (#15 item 9). */
describe('finding customers, their scores and early warnings', () => {
  const platform = inProcessPlatform('findcust', '2026-03-02');
  let service: RunningService;
  const region = unique('Region');
  const id = (n: number) => `${region}-${n}`;

  beforeAll(async () => {
    service = await platform.start(creditScoringService);
    const register = async (n: number, name: string, industry: string) =>
      expect(
        (
          await call('POST', '/customers', {
            ...acmeProfile,
            customerId: id(n),
            name,
            industry,
            region,
            registrationNumber: `REG-${n}`,
          })
        ).status,
      ).toBe(201);
    await register(1, 'Beta Steel 100%', 'MANUFACTURING');
    await register(2, 'Acme Machinery', 'MANUFACTURING');
    await register(3, 'Gamma Retail', 'RETAIL');
    // Court trouble for Acme: each signal re-scores it, down past its tier's threshold.
    for (const [kind, reference] of [
      ['LAWSUIT_OPENED', 'L-1'],
      ['ENFORCEMENT_RECORD', 'E-1'],
      ['LAWSUIT_OPENED', 'L-2'],
      ['ENFORCEMENT_RECORD', 'E-2'],
    ])
      expect((await call('POST', `/customers/${id(2)}/signals`, { kind, reference })).status).toBe(200);
    await platform.caughtUp();
  });
  afterAll(() => platform.stop());

  const call = (method: 'GET' | 'POST', url: string, payload?: object, headers?: Record<string, string>) =>
    callService(service, method, url, payload, headers);
  const ids = (body: { customers: { customerId: string }[] }) => body.customers.map((c) => c.customerId);

  it('lists customers by name with their tier and score, filtered by industry, region and part of the name', async () => {
    const all = await call('GET', `/customers?region=${region}`);
    expect(all.status).toBe(200);
    expect(ids(all.body)).toEqual([id(2), id(1), id(3)]);
    expect(all.body.customers[1]).toMatchObject({
      name: 'Beta Steel 100%',
      tier: expect.any(String),
      score: expect.any(Number),
    });
    expect(ids((await call('GET', `/customers?region=${region}&industry=MANUFACTURING`)).body)).toEqual([
      id(2),
      id(1),
    ]);
    expect(ids((await call('GET', `/customers?region=${region}&nameContains=reTA`)).body)).toEqual([id(3)]);
    // A % in the text is a percent sign, not "anything".
    expect(
      ids((await call('GET', `/customers?region=${region}&nameContains=${encodeURIComponent('0%')}`)).body),
    ).toEqual([id(1)]);
    expect(
      ids((await call('GET', `/customers?region=${region}&nameContains=${encodeURIComponent('%')}`)).body),
    ).toEqual([id(1)]);
    const { tier } = all.body.customers[0];
    expect(ids((await call('GET', `/customers?region=${region}&tier=${tier}`)).body)).toContain(id(2));
  });

  it('pages the customers with a cursor', async () => {
    const first = await call('GET', `/customers?region=${region}&limit=2`);
    expect(ids(first.body)).toEqual([id(2), id(1)]);
    const second = await call('GET', `/customers?region=${region}&limit=2&cursor=${first.body.next}`);
    expect(second.body).toEqual({ customers: [expect.objectContaining({ customerId: id(3) })], next: null });
    expect((await call('GET', '/customers?cursor=abc')).status).toBe(400);
  });

  it("gives a customer's score history, oldest first, and its early warnings", async () => {
    const history = await call('GET', `/customers/${id(2)}/score-history`);
    expect(history.status).toBe(200);
    expect(history.body.scores).toHaveLength(5);
    expect(history.body.scores[0]).toMatchObject({ date: '2026-03-02', previousScore: null });
    expect(history.body.scores[1].previousScore).toBe(history.body.scores[0].score);
    const paged = await call('GET', `/customers/${id(2)}/score-history?limit=3`);
    const rest = await call('GET', `/customers/${id(2)}/score-history?limit=3&cursor=${paged.body.next}`);
    expect([...paged.body.scores, ...rest.body.scores]).toEqual(history.body.scores);
    expect(rest.body.next).toBeNull();

    const warnings = await call('GET', `/customers/${id(2)}/early-warnings`);
    expect(warnings.status).toBe(200);
    expect(warnings.body.warnings.length).toBeGreaterThan(0);
    expect(warnings.body.warnings[0]).toMatchObject({ rule: expect.any(String), causes: expect.any(Array) });
    expect((await call('GET', `/customers/${id(3)}/early-warnings`)).body).toEqual({
      warnings: [],
      next: null,
    });
  });

  it('answers 404 for a customer never registered', async () => {
    expect((await call('GET', '/customers/C-NOPE/score-history')).status).toBe(404);
    expect((await call('GET', '/customers/C-NOPE/early-warnings')).status).toBe(404);
  });

  it('lists for the people who read the book (bi included), not for operations or a service client', async () => {
    expect((await call('GET', '/customers', undefined, await authHeaders(['bi']))).status).toBe(200);
    expect(
      (await call('GET', `/customers/${id(2)}/early-warnings`, undefined, await authHeaders(['sales'])))
        .status,
    ).toBe(200);
    expect((await call('GET', '/customers', undefined, await authHeaders(['admin']))).status).toBe(403);
    expect((await call('GET', '/customers', undefined, await authHeaders(['service:contract']))).status).toBe(
      403,
    );
  });
});
