import { DEFAULT_LATE_FEE_TERMS } from '@ar/contracts';
import { addDays, NO_STREAM } from '@ar/kernel';
import { ProjectionRunner } from '@ar/postgres';
import { quietLogger } from '../../../tests/support/infra';
import { inProcessPlatform } from '../../../tests/support/platform';
import {
  type InvoiceCommand,
  type InvoiceEvent,
  type InvoiceState,
  invoiceDecider,
} from '../src/invoice/decider';
import { amountToSettle } from '../src/invoice/overdue';
import type { Invoice } from '../src/invoice/state';
import { invoicingService } from '../src/service';

/**
 * Each invoice's events as its decider makes them, by `n % 8`: paid on time; overdue with late
 * fees, then paid; disputed and resolved; disputed and left so; fully credited; written off; on an
 * instalment plan, its first instalment paid; paid in part. The overdue clock runs on the way.
 */
function history(n: number): InvoiceEvent[] {
  const decider = invoiceDecider();
  const issueDate = addDays('2026-01-05', n % 40);
  const dueDate = addDays(issueDate, 30);
  const amount = 100_000 + ((n * 7919) % 900_000);
  const commands: (InvoiceCommand | ((state: InvoiceState) => InvoiceCommand))[] = [
    {
      type: 'IssueInvoice',
      data: {
        invoiceId: `INV-${n}`,
        customerId: `C-${n % 37}`,
        amount,
        currency: 'CNY',
        issueDate,
        dueDate,
        lateFeeTerms: DEFAULT_LATE_FEE_TERMS,
      },
    },
  ];
  const pay = (paymentId: string, paid: number, date: string): InvoiceCommand => ({
    type: 'AllocatePayment',
    data: { paymentId, amount: paid, currency: 'CNY', paymentDate: date },
  });
  const assess = (days: number): InvoiceCommand => ({
    type: 'AssessOverdue',
    data: { asOf: addDays(dueDate, days) },
  });
  switch (n % 8) {
    case 0:
      commands.push(pay(`P-${n}`, amount, addDays(dueDate, -3)));
      break;
    case 1:
      commands.push(assess(1), assess(17), (state) =>
        pay(`P-${n}`, amountToSettle(state as Invoice, addDays(dueDate, 18)), addDays(dueDate, 18)),
      );
      break;
    case 2:
      commands.push(
        { type: 'DisputeInvoice', data: { reason: 'damaged', date: addDays(issueDate, 5) } },
        { type: 'ResolveDispute', data: { resolution: 'replaced', date: addDays(issueDate, 9) } },
        assess(2),
      );
      break;
    case 3:
      commands.push(
        { type: 'DisputeInvoice', data: { reason: 'short', date: addDays(issueDate, 3) } },
        assess(5),
      );
      break;
    case 4:
      commands.push({
        type: 'IssueCreditNote',
        data: { creditNoteId: `CN-${n}`, amount, reason: 'returned', issueDate: addDays(issueDate, 4) },
      });
      break;
    case 5:
      commands.push(assess(1), {
        type: 'WriteOffInvoice',
        data: { reason: 'insolvent', date: addDays(dueDate, 60) },
      });
      break;
    case 6: {
      const half = Math.floor(amount / 2);
      commands.push(
        {
          type: 'ApplyInstalmentPlan',
          data: {
            planId: `PLAN-${n}`,
            date: addDays(issueDate, 10),
            fees: 'INCLUDED',
            instalments: [
              { dueDate: addDays(dueDate, 14), amount: half },
              { dueDate: addDays(dueDate, 45), amount: amount - half },
            ],
          },
        },
        pay(`P-${n}`, half, addDays(dueDate, 10)),
        assess(20),
      );
      break;
    }
    default:
      commands.push(pay(`P-${n}`, Math.floor(amount / 3), addDays(dueDate, -1)), assess(2), assess(35));
  }
  let state = decider.initialState();
  const events: InvoiceEvent[] = [];
  for (const next of commands) {
    const command = typeof next === 'function' ? next(state) : next;
    const produced = decider.decide(command, state, new Date('2026-06-01'));
    events.push(...produced);
    state = produced.reduce(decider.evolve, state);
  }
  return events;
}

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
    const service = await platform.start(invoicingService);
    const { pool } = service.ctx;
    const histories = Array.from({ length: 500 }, (_, n) => ({
      stream: `invoice-INV-${n}`,
      events: history(n),
    }));
    // Interleaved as the days go: each round appends the next event of every invoice that has one,
    // in transactions of 40 appends, while the live runner follows.
    let count = 0;
    for (let step = 0; histories.some((h) => h.events.length > step); step++) {
      const due = histories.filter((h) => h.events.length > step);
      for (let i = 0; i < due.length; i += 40) {
        const client = await pool.connect();
        try {
          await client.query('begin');
          for (const h of due.slice(i, i + 40))
            await service.ctx.store.appendToStream(
              h.stream,
              [h.events[step]!],
              { expectedVersion: step === 0 ? NO_STREAM : step, metadata: { correlationId: 'rebuild-test' } },
              client,
            );
          await client.query('commit');
        } catch (error) {
          await client.query('rollback');
          throw error;
        } finally {
          client.release();
        }
        count += due.slice(i, i + 40).length;
      }
    }
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
