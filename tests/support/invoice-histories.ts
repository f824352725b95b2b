import { DEFAULT_LATE_FEE_TERMS } from '@ar/contracts';
import { addDays, dayOfWeek, NO_STREAM } from '@ar/kernel';
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
  return decided(commands);
}

type Step = InvoiceCommand | ((state: InvoiceState) => InvoiceCommand);

/** The events the decider makes of the commands, each decided on the state the ones before left. */
function decided(commands: Step[]): InvoiceEvent[] {
  const decider = invoiceDecider();
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

/** The Saturday on or after `date`: an instalment due on a day not worked is payable the next working day. */
const saturdayFrom = (date: string) => addDays(date, (6 - dayOfWeek(date) + 7) % 7);

/**
 * An invoice on an instalment plan, by `n % 6`, each a way its due date moves after the plan:
 * instalments on Saturdays, the first paid early, the last overdue; a credit note taking the first
 * instalment; the first paid late with interest, then money dated earlier recorded (value dating
 * re-splits the late payment); money dated before the plan recorded after it, settling the invoice
 * (the plan void: back on its own due date); a second plan replacing the first; the first
 * instalment paid in two parts, a third of it early, the rest on its date.
 */
export function planHistory(n: number): InvoiceEvent[] {
  const issueDate = addDays('2026-01-05', n % 40);
  const dueDate = addDays(issueDate, 30);
  const amount = 100_000 + ((n * 7919) % 900_000);
  const half = Math.floor(amount / 2);
  const steps: Step[] = [
    {
      type: 'IssueInvoice',
      data: {
        invoiceId: `PLN-${n}`,
        customerId: `C-${n % 37}`,
        amount,
        currency: 'CNY',
        issueDate,
        dueDate,
        lateFeeTerms: DEFAULT_LATE_FEE_TERMS,
      },
    },
  ];
  const pay =
    (paymentId: string, paid: number | ((state: Invoice) => number), date: string): Step =>
    (state) => ({
      type: 'AllocatePayment',
      data: {
        paymentId,
        amount: typeof paid === 'number' ? paid : paid(state as Invoice),
        currency: 'CNY',
        paymentDate: date,
      },
    });
  const assess = (asOf: string): InvoiceCommand => ({ type: 'AssessOverdue', data: { asOf } });
  const plan = (planId: string, date: string, dueDates: [string, string]): Step => ({
    type: 'ApplyInstalmentPlan',
    data: {
      planId,
      date,
      fees: 'INCLUDED',
      instalments: [
        { dueDate: dueDates[0], amount: half },
        { dueDate: dueDates[1], amount: amount - half },
      ],
    },
  });
  const first = addDays(dueDate, 14);
  const second = addDays(dueDate, 45);
  switch (n % 6) {
    case 0: {
      const [a, b] = [saturdayFrom(first), saturdayFrom(second)];
      steps.push(
        plan(`PLAN-${n}`, addDays(issueDate, 10), [a, b]),
        pay(`P-${n}`, half, addDays(a, -2)),
        assess(addDays(b, 3)),
      );
      break;
    }
    case 1:
      steps.push(
        plan(`PLAN-${n}`, addDays(issueDate, 10), [first, second]),
        {
          type: 'IssueCreditNote',
          data: { creditNoteId: `CN-${n}`, amount: half, reason: 'returned', issueDate: addDays(first, -4) },
        },
        assess(addDays(first, 5)),
      );
      break;
    case 2:
      steps.push(
        plan(`PLAN-${n}`, addDays(issueDate, 10), [first, second]),
        assess(addDays(first, 22)),
        // Late: interest first, so not the whole instalment's principal.
        pay(`P-${n}`, half, addDays(first, 22)),
        // Money that had come earlier, a unit short of the interest the late payment paid: less
        // interest, the late payment re-split to principal - so the first instalment is paid in
        // full only once the re-split counts.
        pay(
          `PE-${n}`,
          (state) => state.allocations.find((a) => a.paymentId === `P-${n}`)!.toInterest - 1,
          addDays(first, 3),
        ),
      );
      break;
    case 3:
      steps.push(
        plan(`PLAN-${n}`, addDays(dueDate, 3), [first, second]),
        // Money dated before the plan was agreed, settling the invoice: the plan is void.
        pay(`P-${n}`, amount, addDays(dueDate, -1)),
      );
      break;
    case 4:
      steps.push(
        plan(`PLAN-${n}`, addDays(issueDate, 10), [first, second]),
        plan(`PLAN-${n}-B`, addDays(issueDate, 12), [
          saturdayFrom(addDays(dueDate, 20)),
          addDays(dueDate, 60),
        ]),
        assess(addDays(dueDate, 40)),
      );
      break;
    default:
      steps.push(
        plan(`PLAN-${n}`, addDays(issueDate, 10), [first, second]),
        pay(`P-${n}`, Math.floor(half / 3), addDays(first, -5)),
        pay(`P2-${n}`, half - Math.floor(half / 3), first),
        assess(addDays(second, 1)),
      );
  }
  return decided(steps);
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
