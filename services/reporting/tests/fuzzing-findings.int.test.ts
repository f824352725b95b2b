import type { RunningService } from '@ar/platform';
import { call, inProcessPlatform } from '../../../tests/support/platform';
import { reportingService } from '../src/service';

/** What fuzzing the reports found (#15 item 7). */
describe('reporting: inputs found by fuzzing', () => {
  const platform = inProcessPlatform('rfuzz', '2026-03-15');
  let reporting: RunningService;
  beforeAll(async () => {
    reporting = await platform.start(reportingService);
  });
  afterAll(() => platform.stop());

  it('gives the overdue-rate trend for 400 days, from and to included, and refuses 401', async () => {
    // 2025-01-01 to 2026-02-04 is 400 days counting both ends.
    const four = await call(reporting, 'GET', '/reports/overdue-rate/trend?from=2025-01-01&to=2026-02-04');
    expect(four.status).toBe(200);
    const more = await call(reporting, 'GET', '/reports/overdue-rate/trend?from=2025-01-01&to=2026-02-05');
    expect(more.status).toBe(400);
    expect(more.body.issues).toEqual([{ field: 'querystring.to', message: 'at most 400 days at a time' }]);
  });
});
