import type { RunningService } from '@ar/platform';
import type { OrderedEvent } from '@ar/postgres';
import { authHeaders } from '../../../tests/support/auth';
import { call, inProcessPlatform } from '../../../tests/support/platform';
import { collectionsService } from '../src/index';
import { worklistProjection } from '../src/worklist/worklist';

/** Finding cases (#15 item 9): by status, rung and customer, a cursor page at a time. */
describe('finding collection cases', () => {
  const platform = inProcessPlatform('findcases', '2026-03-02');
  let service: RunningService;

  /** The case events as the worklist's read model takes them from the store. */
  const caseEvents = (
    invoiceId: string,
    customerId: string,
    dueDate: string,
    rest: [string, object][] = [],
  ) => {
    const ref = { caseId: invoiceId, invoiceId, customerId };
    const at = (type: string, data: object) =>
      ({ type, data: { ...ref, ...data }, streamId: `case-${invoiceId}` }) as unknown as OrderedEvent;
    return [
      at('CaseOpened', { amount: 100_000, currency: 'CNY', dueDate, openedDate: dueDate }),
      ...rest.map(([type, data]) => at(type, data)),
    ];
  };
  const escalated = (ownerRole: string) =>
    ['CaseEscalated', { rung: 1, ownerRole, action: 'x', rule: 'x', daysOverdue: 1, date: '2026-03-01' }] as [
      string,
      object,
    ];

  beforeAll(async () => {
    service = await platform.start(collectionsService);
    const client = await service.ctx.pool.connect();
    try {
      await worklistProjection.apply(client, [
        ...caseEvents('INV-1', 'C-A', '2026-01-10', [
          escalated('SALES'),
          escalated('FINANCE'),
          escalated('LEGAL'),
        ]),
        ...caseEvents('INV-2', 'C-A', '2026-02-10', [escalated('SALES'), escalated('FINANCE')]),
        ...caseEvents('INV-3', 'C-A', '2026-02-20', [escalated('SALES'), ['CaseClosed', { reason: 'PAID' }]]),
        ...caseEvents('INV-4', 'C-B', '2026-02-25', [escalated('SALES')]),
      ]);
    } finally {
      client.release();
    }
  });
  afterAll(() => platform.stop());

  const ids = (body: { cases: { invoiceId: string }[] }) => body.cases.map((c) => c.invoiceId);

  it('lists every case by due date, closed ones too, with rung and days overdue today', async () => {
    const { status, body } = await call(service, 'GET', '/cases');
    expect(status).toBe(200);
    expect(ids(body)).toEqual(['INV-1', 'INV-2', 'INV-3', 'INV-4']);
    expect(body.cases[0]).toMatchObject({
      customerId: 'C-A',
      status: 'OPEN',
      rung: 'LEGAL',
      daysOverdue: 51,
    });
    expect(body.cases[2]).toMatchObject({ status: 'CLOSED', daysOverdue: 0 });
  });

  it('filters by status, rung and customer, combined', async () => {
    expect(ids((await call(service, 'GET', '/cases?status=OPEN')).body)).toEqual(['INV-1', 'INV-2', 'INV-4']);
    expect(ids((await call(service, 'GET', '/cases?rung=FINANCE')).body)).toEqual(['INV-2']);
    expect(ids((await call(service, 'GET', '/cases?customerId=C-A&rung=SALES')).body)).toEqual(['INV-3']);
    expect(ids((await call(service, 'GET', '/cases?customerId=C-B')).body)).toEqual(['INV-4']);
  });

  it('pages with a cursor and refuses one it did not give', async () => {
    const first = await call(service, 'GET', '/cases?limit=3');
    expect(ids(first.body)).toEqual(['INV-1', 'INV-2', 'INV-3']);
    const second = await call(service, 'GET', `/cases?limit=3&cursor=${first.body.next}`);
    expect(second.body).toEqual({ cases: [expect.objectContaining({ invoiceId: 'INV-4' })], next: null });
    const bad = await call(service, 'GET', '/cases?cursor=W10');
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].field).toBe('querystring.cursor');
  });

  it('lists for the people who read the book, not for operations or a service client', async () => {
    expect((await call(service, 'GET', '/cases', undefined, await authHeaders(['collector']))).status).toBe(
      200,
    );
    expect((await call(service, 'GET', '/cases', undefined, await authHeaders(['admin']))).status).toBe(403);
    expect(
      (await call(service, 'GET', '/cases', undefined, await authHeaders(['service:contract']))).status,
    ).toBe(403);
  });
});
