import { StateConflict } from '@ar/kernel';
import { inTransaction, type Migration } from '@ar/postgres';
import type { Pool, PoolClient } from 'pg';
import type { CurrencyExposure, Exposure } from '../credit-check/credit-check';

export const exposureMigrations: Migration[] = [
  {
    id: 'credit-exposure-001',
    sql: `
      create table customer_exposure (
        customer_id text not null,
        currency text not null,
        open_receivables bigint not null default 0,
        unbilled_contracts bigint not null default 0,
        primary key (customer_id, currency)
      );
    `,
  },
  {
    // Facts instead of running totals: exposure is computed from them, so it does not depend on
    // the order other services' events arrive in (the running totals clamped at 0 did).
    id: 'credit-exposure-002-facts',
    sql: `
      drop table customer_exposure;
      create table exposure_invoices (
        invoice_id text primary key,
        customer_id text not null,
        currency text not null,
        amount bigint not null,
        contract_id text
      );
      create index exposure_invoices_customer on exposure_invoices (customer_id);
      create index exposure_invoices_contract on exposure_invoices (contract_id);
      create table exposure_settlements (
        event_id text primary key,
        invoice_id text not null,
        principal bigint not null
      );
      create index exposure_settlements_invoice on exposure_settlements (invoice_id);
      create table exposure_contracts (
        contract_id text primary key,
        customer_id text not null,
        currency text,
        value bigint not null default 0,
        signed boolean not null default false,
        ended boolean not null default false,
        reserved_until timestamptz
      );
      create index exposure_contracts_customer on exposure_contracts (customer_id);
    `,
  },
  {
    // Money asked before shipping (款到发货) is not credit extended (#14): a prepayment
    // contract's value and its invoices are no exposure.
    id: 'credit-exposure-003-prepayment',
    sql: `
      alter table exposure_invoices add column prepayment boolean not null default false;
      alter table exposure_contracts add column prepayment boolean not null default false;
    `,
  },
];

type Data = Record<string, unknown>;

/**
 * What other services' events say about a customer's exposure (DOMAIN.md §1), kept as facts:
 * each invoice's principal, each settlement of principal (by the event that made it), each
 * contract's value and whether it is signed or ended. Exposure is computed from them
 * (`exposureByCurrency`), so it is the same in whatever order the streams arrive, and each
 * fact is recorded once however often its event is delivered. Fees are not exposure.
 */
export async function applyExposureChange(
  client: PoolClient,
  type: string,
  d: Data,
  eventId: string,
): Promise<void> {
  const settle = (principal: number) =>
    client.query(
      'insert into exposure_settlements (event_id, invoice_id, principal) values ($1, $2, $3) on conflict do nothing',
      [eventId, d.invoiceId, principal],
    );
  switch (type) {
    case 'ContractSigned':
      await client.query(
        `insert into exposure_contracts (contract_id, customer_id, currency, value, signed, prepayment)
         values ($1, $2, $3, $4, true, $5)
         on conflict (contract_id) do update set currency = $3, value = $4, signed = true, prepayment = $5`,
        [d.contractId, d.customerId, d.currency, d.value, d.prepayment === true],
      );
      return;
    case 'ContractTerminated':
    case 'ContractCompleted':
      // What was not billed will not be: the contract's unbilled value (or its reservation) is released.
      await client.query(
        `insert into exposure_contracts (contract_id, customer_id, ended) values ($1, $2, true)
         on conflict (contract_id) do update set ended = true`,
        [d.contractId, d.customerId],
      );
      return;
    case 'InvoiceIssued':
      await client.query(
        `insert into exposure_invoices (invoice_id, customer_id, currency, amount, contract_id, prepayment)
         values ($1, $2, $3, $4, $5, $6) on conflict do nothing`,
        [d.invoiceId, d.customerId, d.currency, d.amount, d.contractId ?? null, d.prepayment === true],
      );
      return;
    case 'PaymentAllocated':
      return void (await settle(d.toPrincipal as number));
    case 'PaymentReallocated':
      return void (await settle(
        (d.toPrincipal as number) - (d.previous as { toPrincipal: number }).toPrincipal,
      ));
    case 'DiscountTaken':
    case 'CreditNoteIssued':
      return void (await settle(d.amount as number));
    case 'InvoiceWrittenOff':
      return void (await settle(d.principal as number));
  }
}

/**
 * A customer's exposure per currency: the open principal of its invoices, plus the value not
 * yet invoiced of its contracts that are signed - or reserved at signing and not yet expired -
 * and neither terminated nor completed.
 */
export async function exposureByCurrency(
  db: Pool | PoolClient,
  customerId: string,
  except?: { contractId: string },
): Promise<CurrencyExposure[]> {
  const { rows } = await db.query<{ currency: string; open: string; unbilled: string }>(
    `with open_invoices as (
       select i.currency,
              greatest(i.amount - coalesce((select sum(s.principal) from exposure_settlements s
                                            where s.invoice_id = i.invoice_id), 0), 0) as open
       from exposure_invoices i where i.customer_id = $1 and not i.prepayment
     ), unbilled_contracts as (
       select c.currency,
              greatest(c.value - coalesce((select sum(i.amount) from exposure_invoices i
                                           where i.contract_id = c.contract_id), 0), 0) as unbilled
       from exposure_contracts c
       where c.customer_id = $1 and c.currency is not null and not c.ended and not c.prepayment
         and (c.signed or c.reserved_until > now())
         and c.contract_id is distinct from $2
     )
     select currency, sum(open)::text as open, '0' as unbilled from open_invoices group by currency
     union all
     select currency, '0', sum(unbilled)::text from unbilled_contracts group by currency`,
    [customerId, except?.contractId ?? null],
  );
  const byCurrency = new Map<string, CurrencyExposure>();
  for (const row of rows) {
    const e = byCurrency.get(row.currency) ?? {
      currency: row.currency,
      openReceivables: 0n,
      unbilledContracts: 0n,
    };
    e.openReceivables += BigInt(row.open);
    e.unbilledContracts += BigInt(row.unbilled);
    byCurrency.set(row.currency, e);
  }
  return [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}

export async function exposureOf(
  db: Pool | PoolClient,
  customerId: string,
  currency: string,
): Promise<Exposure> {
  const e = (await exposureByCurrency(db, customerId)).find((x) => x.currency === currency);
  return { openReceivables: e?.openReceivables ?? 0n, unbilledContracts: e?.unbilledContracts ?? 0n };
}

export interface ReservationRequest {
  customerId: string;
  reservationId: string;
  amount: number;
  currency: string;
  prepayment?: boolean | undefined;
}

/**
 * The credit check at signing as a reservation (DOMAIN.md §1), keyed by the contract id: under
 * a lock per customer, the check sees every reservation made before it, and an approved one
 * counts as the contract's unbilled value at once - before its ContractSigned has travelled the
 * pipeline - so two contracts signed together cannot both fit in the room for one. The same id
 * again is the same reservation (approved, its hold renewed); with other facts it is a 409.
 * The signed contract takes its place; termination releases it; an unconfirmed one expires.
 * Nothing is reserved on prepayment: no credit is extended.
 */
export async function reserveExposure<R extends { approved: boolean; reasons: unknown[] }>(
  pool: Pool,
  request: ReservationRequest,
  expirySeconds: number,
  decide: (exposure: CurrencyExposure[]) => R,
): Promise<R & { reserved: boolean; expiresAt?: string }> {
  const { customerId, reservationId, amount, currency } = request;
  return inTransaction(pool, async (client) => {
    await client.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [
      `credit-exposure:${customerId}`,
    ]);
    const { rows } = await client.query<{
      customer_id: string;
      currency: string | null;
      value: string;
      signed: boolean;
      ended: boolean;
      live: boolean;
    }>(
      `select customer_id, currency, value::text, signed, ended, coalesce(reserved_until > now(), false) as live
       from exposure_contracts where contract_id = $1`,
      [reservationId],
    );
    const held = rows[0];
    if (
      held &&
      (held.customer_id !== customerId ||
        (held.currency !== null && (held.currency !== currency || Number(held.value) !== amount)))
    ) {
      throw new StateConflict(
        'RESERVATION_CONFLICT',
        `reservation ${reservationId} holds another amount or customer: ${held.customer_id}, ${held.currency} ${held.value} minor units`,
        'reservationId',
      );
    }
    if (held?.ended) {
      throw new StateConflict(
        'RESERVATION_ENDED',
        `contract ${reservationId} was terminated or completed: nothing to reserve`,
        'reservationId',
      );
    }
    const result = decide(await exposureByCurrency(client, customerId, { contractId: reservationId }));
    if (held && (held.signed || held.live)) {
      // Already counted: the first answer stands, and the hold is renewed.
      const expiresAt = await hold(client, reservationId, customerId, currency, amount, expirySeconds);
      return { ...result, approved: true, reasons: [], reserved: true, expiresAt };
    }
    if (!result.approved || request.prepayment) return { ...result, reserved: false };
    const expiresAt = await hold(client, reservationId, customerId, currency, amount, expirySeconds);
    return { ...result, reserved: true, expiresAt };
  });
}

async function hold(
  client: PoolClient,
  contractId: string,
  customerId: string,
  currency: string,
  value: number,
  expirySeconds: number,
): Promise<string> {
  const { rows } = await client.query<{ reserved_until: Date }>(
    `insert into exposure_contracts (contract_id, customer_id, currency, value, reserved_until)
     values ($1, $2, $3, $4, now() + make_interval(secs => $5))
     on conflict (contract_id) do update set currency = $3, value = $4, reserved_until = now() + make_interval(secs => $5)
     returning reserved_until`,
    [contractId, customerId, currency, value, expirySeconds],
  );
  return rows[0]!.reserved_until.toISOString();
}

/** Signing did not happen after all: the reservation stops counting (a signed contract stays). */
export async function releaseReservation(
  pool: Pool,
  customerId: string,
  reservationId: string,
): Promise<boolean> {
  const { rowCount } = await pool.query(
    'delete from exposure_contracts where contract_id = $1 and customer_id = $2 and not signed',
    [reservationId, customerId],
  );
  return (rowCount ?? 0) > 0;
}
