import type {
  CreditNoteIssuedV1,
  InstalmentPlanAppliedV1,
  InstalmentPlanRefusedV1,
  InstalmentPlanRevisedV1,
  InvoiceIssuedV1,
  InvoicePaidV1,
  LateFeeChargedV1,
  LateFeeReversedV1,
  LateFeesWaivedV1,
  PaymentAllocatedV1,
  PaymentOverdueV1,
  PaymentOverdueWithdrawnV1,
  PaymentReallocatedV1,
} from '@ar/contracts';
import { type IncomingEvent, reactionMetadata } from '@ar/messaging';
import type { PoolClient } from 'pg';
import type { CaseCommand } from '../case/decider';
import type { CaseHandler } from '../case/handler';

type Data = { invoiceId: string; customerId: string } & Record<string, unknown>;

/** What an invoicing event means for the invoice's collection case, if anything. */
export async function commandFor(client: PoolClient, event: IncomingEvent): Promise<CaseCommand | undefined> {
  const d = event.data as Data;
  switch (event.type) {
    case 'InvoiceIssued': {
      const i = d as unknown as InvoiceIssuedV1;
      const { rows } = await client.query<{ name: string | null }>(
        'select name from customers where customer_id = $1',
        [i.customerId],
      );
      return {
        type: 'TrackInvoice',
        data: {
          invoiceId: i.invoiceId,
          customerId: i.customerId,
          customerName: rows[0]?.name ?? i.customerId,
          ...(i.contractId ? { contractId: i.contractId } : {}),
          amount: i.amount,
          currency: i.currency,
          dueDate: i.dueDate,
          lateFeeTerms: i.lateFeeTerms,
          ...(i.prepayment ? { prepayment: true as const } : {}),
        },
      };
    }
    case 'PaymentAllocated': {
      const p = d as unknown as PaymentAllocatedV1;
      return {
        type: 'NotePayment',
        data: { amount: p.amount, toPrincipal: p.toPrincipal, date: p.paymentDate, paidInFull: false },
      };
    }
    case 'InvoicePaid': {
      const p = d as unknown as InvoicePaidV1;
      return {
        type: 'NotePayment',
        data: { amount: 0, toPrincipal: 0, date: p.paidDate, paidInFull: true, daysLate: p.daysLate },
      };
    }
    case 'PaymentOverdueWithdrawn': {
      // Value dating: the threshold should not have been reached; what followed from it is withdrawn.
      const w = d as unknown as PaymentOverdueWithdrawnV1;
      return {
        type: 'WithdrawOverdue',
        data: { threshold: w.threshold, overdueDate: w.overdueDate, valueDate: w.cause.date },
      };
    }
    case 'PaymentReallocated': {
      const r = d as unknown as PaymentReallocatedV1;
      return {
        type: 'NoteReallocation',
        data: {
          paymentId: r.paymentId,
          toPrincipal: r.toPrincipal,
          previousToPrincipal: r.previous.toPrincipal,
          date: r.paymentDate,
          ...(r.released ? { released: r.released } : {}),
        },
      };
    }
    case 'PaymentOverdue': {
      // Opens the case even when this service's own day has not come round yet.
      const o = d as unknown as PaymentOverdueV1;
      const { rows } = await client.query<{ tier: string | null; name: string | null }>(
        'select tier, name from customers where customer_id = $1',
        [o.customerId],
      );
      const name = rows[0]?.name;
      return {
        type: 'RunDay',
        data: {
          today: o.overdueDate,
          tier: (rows[0]?.tier as 'COOPERATIVE') ?? 'COOPERATIVE',
          ...(name ? { customerName: name } : {}),
        },
      };
    }
    case 'InvoiceDisputed':
      return { type: 'NoteDispute', data: { disputed: true, date: d.disputedDate as string } };
    case 'InvoiceDisputeResolved':
      return { type: 'NoteDispute', data: { disputed: false, date: d.resolvedDate as string } };
    case 'InvoiceWrittenOff':
      return { type: 'NoteSettled', data: { outcome: 'WRITTEN_OFF', date: d.writtenOffDate as string } };
    case 'InvoiceFullyCredited':
      // Dated by its credit note (a business date, noted just before), never the machine's date.
      return {
        type: 'NoteSettled',
        data: { outcome: 'CREDITED', creditNoteId: d.creditNoteId as string },
      };
    case 'CreditNoteIssued': {
      const c = d as unknown as CreditNoteIssuedV1;
      return {
        type: 'NoteCreditNote',
        data: { creditNoteId: c.creditNoteId, amount: c.amount, date: c.issueDate },
      };
    }
    case 'LateFeeCharged': {
      const c = d as unknown as LateFeeChargedV1;
      return {
        type: 'NoteFees',
        data: { change: c.amount, reason: 'CHARGED', date: c.forDate, kind: c.kind },
      };
    }
    case 'LateFeeReversed': {
      const r = d as unknown as LateFeeReversedV1;
      return {
        type: 'NoteFees',
        data: { change: -r.amount, reason: 'REVERSED', date: r.cause.date, kind: r.kind },
      };
    }
    case 'LateFeesWaived': {
      const w = d as unknown as LateFeesWaivedV1;
      return {
        type: 'NoteFees',
        data: { change: -(w.interest + w.penalty), reason: 'WAIVED', date: w.date },
      };
    }
    case 'InstalmentPlanApplied': {
      // The case goes on under the plan, dated by its agreement (the business date).
      const p = d as unknown as InstalmentPlanAppliedV1;
      return {
        type: 'NotePlanApplied',
        data: {
          planId: p.planId,
          agreedDate: p.agreedDate ?? event.recordedAt.toISOString().slice(0, 10),
          instalments: p.instalments.map((i) => ({ dueDate: i.dueDate, amount: i.amount })),
          ...(p.guarantee ? { guarantee: p.guarantee } : {}),
        },
      };
    }
    case 'InstalmentPlanRefused': {
      // Invoicing counts otherwise than the case did when the plan was agreed: noted, the case goes on.
      const r = d as unknown as InstalmentPlanRefusedV1;
      return {
        type: 'NotePlanRefused',
        data: {
          planId: r.planId,
          code: r.code,
          reason: r.reason,
          planned: r.planned,
          fees: r.fees,
          open: r.open,
          agreedDate: r.agreedDate,
        },
      };
    }
    case 'InstalmentPlanRevised': {
      // Value dating cut the plan (a payment dated before it, recorded after it): the case follows.
      const r = d as unknown as InstalmentPlanRevisedV1;
      return {
        type: 'NotePlanRevised',
        data: {
          planId: r.planId,
          instalments: r.instalments.map((i) => ({ dueDate: i.dueDate, amount: i.amount })),
          fees: r.fees,
          previousFees: r.previous.fees,
          valueDate: r.cause.date,
        },
      };
    }
    default:
      return undefined;
  }
}

export async function onInvoicingEvent(client: PoolClient, event: IncomingEvent, cases: CaseHandler) {
  const command = await commandFor(client, event);
  if (!command) return;
  const invoiceId = (event.data as Data).invoiceId;
  await cases.execute(invoiceId, command, {
    tx: client,
    metadata: reactionMetadata(event),
  });
}

/** Names and tiers of customers, from credit-scoring: for letters, strategies and the worklist. */
export async function onCreditEvent(client: PoolClient, event: IncomingEvent) {
  const d = event.data as { customerId: string; name?: string; tier?: string };
  if (event.type === 'CustomerRegistered') {
    await client.query(
      'insert into customers (customer_id, name) values ($1, $2) on conflict (customer_id) do update set name = excluded.name',
      [d.customerId, d.name],
    );
  } else if (event.type === 'CreditTierChanged') {
    await client.query(
      'insert into customers (customer_id, tier) values ($1, $2) on conflict (customer_id) do update set tier = excluded.tier',
      [d.customerId, d.tier],
    );
  }
}
