import { DEFAULT_LATE_FEE_TERMS } from '@ar/contracts';
import { addDays, NO_STREAM } from '@ar/kernel';
import type { ServiceContext } from '@ar/platform';
import type { PostgresEventStore } from '@ar/postgres';
import {
  type InvoiceCommand,
  type InvoiceEvent,
  type InvoiceState,
  invoiceDecider,
} from '../../services/invoicing/src/invoice/decider';
import { amountToSettle } from '../../services/invoicing/src/invoice/overdue';
import type { Invoice } from '../../services/invoicing/src/invoice/state';

/**
 * Each invoice's events as its decider makes them, by `n % 8`: paid on time; overdue with late
 * fees, then paid; disputed and resolved; disputed and left so; fully credited; written off; on an
 * instalment plan, its first instalment paid; paid in part. The overdue clock runs on the way.
 */
export function invoiceHistory(n: number): InvoiceEvent[] {
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
 * Appends the histories interleaved as the days go: each round the next event of every stream that
 * has one, in transactions of 40 appends. Returns how many events were appended.
 */
export async function appendAsTheDaysGo(
  store: PostgresEventStore,
  pool: ServiceContext['pool'],
  histories: { stream: string; events: { type: string; data: unknown }[] }[],
): Promise<number> {
  let count = 0;
  for (let step = 0; histories.some((h) => h.events.length > step); step++) {
    const due = histories.filter((h) => h.events.length > step);
    for (let i = 0; i < due.length; i += 40) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        for (const h of due.slice(i, i + 40))
          await store.appendToStream(
            h.stream,
            [h.events[step]! as InvoiceEvent],
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
  return count;
}
