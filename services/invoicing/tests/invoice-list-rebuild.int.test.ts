import { ProjectionRunner } from '@ar/postgres';
import { quietLogger } from '../../../tests/support/infra';
import { appendAsTheDaysGo, invoiceHistory as history } from '../../../tests/support/invoice-histories';
import { inProcessPlatform } from '../../../tests/support/platform';
import { invoicingService } from '../src/service';

/**
 * #17 goal 4: the invoice list rebuilt a page at a time (one statement per kind of write, one read
 * of the streams touched) holds exactly the rows the live path made from the same events - and the
 * rows one event at a time makes. Thousands of varied events; the comparison is whole tables, so an
 * event the page dropped or applied twice shows.
 */
describe('rebuilding the invoice list', () => {
  const platform = inProcessPlatform('invlistrb', '2026-06-01');
  afterAll(() => platform.stop());

  it('gives exactly the rows of the live path, in pages of 5000, of 7 and of one event', async () => {
    // No signed evidence checkpoint while the rebuilds run (one every few seconds by default): a
    // rebuild would count that event too (seen under load, the third rebuild 32 s long).
    const service = await platform.start(invoicingService, { evidence: { checkpointIntervalMs: 3_600_000 } });
    const { pool } = service.ctx;
    const histories = Array.from({ length: 500 }, (_, n) => ({
      stream: `invoice-INV-${n}`,
      events: history(n),
    }));
    // Interleaved as the days go, while the live runner follows.
    const count = await appendAsTheDaysGo(service.ctx.store, pool, histories);
    expect(count).toBeGreaterThan(2500);
    await platform.caughtUp();
    const rows = async () => (await pool.query('select * from invoice_list order by invoice_id')).rows;
    const live = await rows();
    expect(live).toHaveLength(500);
    // The kinds of rows the events make, so the comparison is about something.
    const by = (key: string) => new Set(live.map((r) => String(r[key])));
    expect([...by('status')].sort()).toEqual(['CREDITED', 'OPEN', 'PAID', 'WRITTEN_OFF']);
    expect(by('disputed')).toEqual(new Set(['true', 'false']));
    expect(live.filter((r) => String(r.due_date) !== String(r.next_due_date)).length).toBeGreaterThan(0);

    // Beside the events appended here, the service's own (its day job's) if any.
    const stored = Number((await pool.query('select count(*) as n from events')).rows[0].n);
    expect(stored).toBeGreaterThanOrEqual(count);
    const projection = invoicingService.projections!(service.ctx).find((p) => p.name === 'invoice-list')!;
    for (const rebuildBatchSize of [undefined, 7, 1]) {
      const runner = new ProjectionRunner(projection, {
        pool,
        schema: `${platform.run}_${invoicingService.schema}`,
        notifier: platform.notifier,
        logger: quietLogger,
        ...(rebuildBatchSize && { rebuildBatchSize }),
      });
      const summary = await runner.rebuild();
      expect(summary).toMatchObject({ events: stored, parked: 0 });
      expect(await rows()).toEqual(live);
    }
  }, 600_000);
});
