import type { RunningService } from '@ar/platform';
import type { Pool, PoolClient } from 'pg';
import { inProcessPlatform } from '../../../tests/support/platform';
import { collectionKpisAsOf } from '../src/collection-kpis/query';
import { reportingService } from '../src/service';

/**
 * #17 (a dashboard over a book of years): the collection KPIs read collections' events in
 * reporting's copy of every service's events. They read them by type among all of them - every
 * invoice, payment and customer event too - so the dashboard's KPI card cost the whole history.
 * Counted as rows read in the report's own transaction (no clock).
 */
describe('reporting: the collection KPIs read collections events, not every event', () => {
  const platform = inProcessPlatform('kpicost', '2026-03-02');
  let reporting: RunningService;

  beforeAll(async () => {
    reporting = await platform.start(reportingService);
    await reporting.ctx.pool.query(
      // 20,000 events of other kinds (no read model knows this type), then collections' own.
      `insert into events (event_id, stream_id, stream_position, event_type, data, metadata)
       select gen_random_uuid(), 'noise-' || n, 1, 'InvoiceNoted', '{}', '{}' from generate_series(1, 20000) n;
       insert into events (event_id, stream_id, stream_position, event_type, data, metadata) values
         (gen_random_uuid(), 'case-1', 1, 'CaseOpened', '{"invoiceId":"I-1","openedDate":"2026-02-01"}', '{}'),
         (gen_random_uuid(), 'case-2', 1, 'CaseOpened', '{"invoiceId":"I-2","openedDate":"2026-02-03"}', '{}'),
         (gen_random_uuid(), 'case-1', 2, 'CaseClosed', '{"invoiceId":"I-1","outcome":"PAID","date":"2026-02-10"}', '{}'),
         (gen_random_uuid(), 'invoice-I-1', 1, 'PaymentOverdue', '{"invoiceId":"I-1","threshold":1,"overdueDate":"2026-02-01"}', '{}'),
         (gen_random_uuid(), 'invoice-I-2', 1, 'PaymentOverdue', '{"invoiceId":"I-2","threshold":1,"overdueDate":"2026-02-03"}', '{}'),
         (gen_random_uuid(), 'message-1', 1, 'ReminderSent', '{"invoiceId":"I-2","sentDate":"2026-02-04"}', '{}');
       analyze events;`,
    );
  });
  afterAll(() => platform.stop());

  async function rowsRead(client: PoolClient) {
    const { rows } = await client.query<{ n: string }>(
      `select coalesce((select seq_tup_read + idx_tup_fetch from pg_stat_xact_user_tables
                         where relid = 'events'::regclass), 0)::text as n`,
    );
    return Number(rows[0]!.n);
  }

  it('counts the cases, closures and messages, reading those events alone', async () => {
    const client = await reporting.ctx.pool.connect();
    try {
      await client.query('begin');
      const before = await rowsRead(client);
      const kpis = await collectionKpisAsOf(client as unknown as Pool, '2026-03-01');
      const read = (await rowsRead(client)) - before;
      await client.query('commit');
      expect(kpis).toMatchObject({ casesOpened: 2, casesClosedByPayment: 1, automaticMessages: 1 });
      // 6 collections events, each read a few times - not the 20,006 of the store.
      expect(read).toBeLessThanOrEqual(4 * 6);
    } finally {
      client.release();
    }
  });
});
