import type { RunningService } from '@ar/platform';
import { unique } from '../../../tests/support/infra';
import { call, inProcessPlatform } from '../../../tests/support/platform';
import { invoicingService } from '../src/service';

/** What fuzzing the API found (#15 item 7), each answered as the client's fault, never a 500. */
describe('invoicing: inputs found by fuzzing', () => {
  const platform = inProcessPlatform('fuzz', '2026-02-02');
  let service: RunningService;
  beforeAll(async () => {
    service = await platform.start(invoicingService);
  });
  afterAll(() => platform.stop());

  const issue = (invoiceId: string, dates = { issueDate: '2026-01-02', dueDate: '2026-02-01' }) =>
    call(service, 'POST', '/invoices', {
      invoiceId,
      customerId: 'C-FUZZ',
      amount: 100_000,
      currency: 'CNY',
      ...dates,
    });

  it('answers 412 Precondition Failed when If-Match names a version the invoice has left', async () => {
    const invoiceId = unique('I');
    const issued = await issue(invoiceId);
    expect(issued.status).toBe(201);
    const disputed = await call(
      service,
      'POST',
      `/invoices/${invoiceId}/disputes`,
      { reason: 'goods damaged', date: '2026-01-20' },
      { 'if-match': '"1"' },
    );
    expect(disputed.status).toBe(200);
    // Someone edited it meanwhile: the version this person saw (1) is gone.
    const stale = await call(
      service,
      'POST',
      `/invoices/${invoiceId}/write-offs`,
      { reason: 'uncollectable', date: '2026-01-25' },
      { 'if-match': '"1"' },
    );
    expect(stale.status).toBe(412);
    expect(stale.body).toEqual({
      error: 'precondition_failed',
      message: expect.stringMatching(`invoice-${invoiceId} is at version 2, not the version 1 of If-Match`),
    });
  });

  it('takes If-Match * and a list of versions (RFC 9110 13.1.1); refuses a version no ETag has and unbalanced quotes (probe F10)', async () => {
    const invoiceId = unique('I');
    expect((await issue(invoiceId)).status).toBe(201); // version 1
    const dispute = (ifMatch: string) =>
      call(
        service,
        'POST',
        `/invoices/${invoiceId}/disputes`,
        { reason: 'goods damaged', date: '2026-01-20' },
        { 'if-match': ifMatch },
      );
    // A list: any of its versions will do.
    const listed = await dispute('"7", "1"');
    expect(listed.status).toBe(200);
    // None of them: 412 naming them all.
    const neither = await call(
      service,
      'POST',
      `/invoices/${invoiceId}/write-offs`,
      { reason: 'uncollectable', date: '2026-01-25' },
      { 'if-match': '"1", "3"' },
    );
    expect(neither.status).toBe(412);
    expect(neither.body.message).toMatch(
      `invoice-${invoiceId} is at version 2, not one of the versions 1, 3 of If-Match`,
    );
    // *: whatever version it is now.
    const any = await call(
      service,
      'POST',
      `/invoices/${invoiceId}/write-offs`,
      { reason: 'uncollectable', date: '2026-01-25' },
      { 'if-match': '*' },
    );
    expect(any.status).toBe(200);
    // A number no ETag of ours is (1e+23 in the 412 before) and unbalanced quotes: 400 naming the header.
    for (const bad of ['"100000000000000000000000"', '"3', '3"', '"1",', 'W/"3"']) {
      const res = await dispute(bad);
      expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
      expect(res.body.issues).toEqual([
        { field: 'headers.if-match', message: expect.stringContaining('"3"') },
      ]);
    }
  });

  it('documents the 412 on every operation that honours If-Match', async () => {
    const docs = await call(service, 'GET', '/docs/json');
    const writeOff = docs.body.paths['/invoices/{invoiceId}/write-offs'].post.responses;
    expect(writeOff['412'].content['application/json'].schema.properties).toHaveProperty('message');
    expect(docs.body.paths['/invoices'].post.responses['412']).toBeUndefined();
  });

  it('refuses a NUL character in a free text with a 400 naming the field, storing nothing', async () => {
    const invoiceId = unique('I');
    expect((await issue(invoiceId)).status).toBe(201);
    const res = await call(service, 'POST', `/invoices/${invoiceId}/write-offs`, {
      reason: 'bad\u0000debt',
      date: '2026-01-25',
    });
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([{ field: 'body.reason', message: expect.stringContaining('NUL') }]);
    expect((await call(service, 'GET', `/invoices/${invoiceId}`)).body.status).not.toBe('WRITTEN_OFF');
  });

  it.each([
    ['0000-01-10', '0000-02-09'],
    ['1899-12-31', '1900-01-30'],
  ])(
    'refuses an issue date of %s (before 1900-01-01) with a 400 naming the field',
    async (issueDate, dueDate) => {
      const res = await issue(unique('I'), { issueDate, dueDate });
      expect(res.status).toBe(400);
      expect(res.body.issues).toContainEqual({
        field: 'body.issueDate',
        message: 'must be a date from 1900-01-01 to 9999-12-31',
      });
    },
  );

  it('takes 1900-01-01 and 9999-12-31, the ends of the accepted range', async () => {
    const res = await issue(unique('I'), { issueDate: '1900-01-01', dueDate: '9999-12-31' });
    expect(res.status).toBe(201);
  });
});
