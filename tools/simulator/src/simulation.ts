import { addDays, daysBetween, type IsoDate } from '@ar/kernel';
import { type Pressure, respondToPressure, unchasedPaymentDay } from './behaviour';
import type { SimulatedCustomer } from './company';
import type { PlatformClient } from './platform-client';
import { SeededRandom } from './random';

interface PlannedContract {
  contractId: string;
  customer: SimulatedCustomer;
  signDay: IsoDate;
  acceptDay: IsoDate;
  value: number;
  status: 'PLANNED' | 'SIGNED' | 'REFUSED';
  invoices: Set<string>;
  /** On prepayment terms and not yet paid: the goods (and so the acceptance) wait for the money. */
  awaitsPayment?: boolean;
}

interface OpenInvoice {
  invoiceId: string;
  customer: SimulatedCustomer;
  dueDate: IsoDate;
  /** The day the customer means to pay, moved earlier by the platform's pressure. */
  payOn: IsoDate;
  random: SeededRandom;
}

export interface SimulationTally {
  contractsSigned: number;
  /** Refused on credit (frozen, over the limit, a term the tier does not allow): sold for cash, no receivable. */
  contractsRefused: number;
  invoicesIssued: number;
  paymentsMade: number;
  promisesMade: number;
  promisesKept: number;
  /** Times a customer paid earlier than it meant to because of the platform's collections. */
  paidAfterPressure: number;
  /** Customer-care calls the sales owners made when a case opened. */
  callsMade: number;
  /** Freezes finance lifted once a customer had nothing overdue left. */
  unfreezes: number;
}

export interface SimulationOptions {
  seed: number;
  startDate: IsoDate;
  days: number;
  customers: SimulatedCustomer[];
  onDay?(day: IsoDate, index: number, tally: SimulationTally): void;
}

const CURRENCY = 'CNY';

/** Each customer's contracts spread over the period, each with a signing and an acceptance milestone. */
export function planContracts(options: SimulationOptions): PlannedContract[] {
  const contracts: PlannedContract[] = [];
  for (const customer of options.customers) {
    const random = SeededRandom.forKey(options.seed, `contracts:${customer.customerId}`);
    const count = Math.max(1, Math.round((customer.contractsPerYear * options.days) / 365));
    const value = Math.max(
      10_000,
      Math.round(customer.expectedAnnualValue / customer.contractsPerYear / 100) * 100,
    );
    for (let k = 0; k < count; k++) {
      const offset = Math.floor(((k + random.int(0, 999) / 1000) * options.days) / count);
      const signDay = addDays(options.startDate, Math.min(offset, options.days - 1));
      contracts.push({
        contractId: `${customer.customerId}-K${String(k + 1).padStart(2, '0')}`,
        customer,
        signDay,
        acceptDay: addDays(signDay, random.int(10, 25)),
        value,
        status: 'PLANNED',
        invoices: new Set(),
      });
    }
  }
  return contracts.sort(
    (a, b) => a.signDay.localeCompare(b.signDay) || a.contractId.localeCompare(b.contractId),
  );
}

/**
 * A period of business driven through the real services, one business date at a time: the
 * clock moves (the services run their day: overdue clock, reminders, ladder), customers sign
 * contracts (credit-checked by the platform), accept deliveries (invoices follow from the
 * milestones), and pay as their behaviour and the platform's pressure say. After each step the
 * platform is left to become quiet, so what a customer sees is the settled state.
 */
export async function simulate(
  platform: PlatformClient,
  options: SimulationOptions,
): Promise<SimulationTally> {
  const contracts = planContracts(options);
  const invoices = new Map<string, OpenInvoice>();
  const tally: SimulationTally = {
    contractsSigned: 0,
    contractsRefused: 0,
    invoicesIssued: 0,
    paymentsMade: 0,
    promisesMade: 0,
    promisesKept: 0,
    paidAfterPressure: 0,
    callsMade: 0,
    unfreezes: 0,
  };
  const collectionsOn = platform.has('collections');

  for (let index = 0; index < options.days; index++) {
    const day = addDays(options.startDate, index);
    if (index > 0) await platform.advanceClock(day);
    await platform.quiesce();

    for (const contract of contracts.filter((c) => c.signDay === day)) {
      await signContract(platform, contract, day, tally);
    }
    const acceptedToday = (c: PlannedContract) =>
      c.acceptDay === day || (c.awaitsPayment === true && c.acceptDay < day);
    for (const contract of contracts.filter((c) => c.status === 'SIGNED' && acceptedToday(c))) {
      const accepted = await platform.call<{ error?: string }>(
        'contract',
        'POST',
        `/contracts/${contract.contractId}/acceptances`,
        { date: day },
      );
      // Prepayment (款到发货): nothing is handed over before the money; tried again each day.
      contract.awaitsPayment = accepted.status === 422 && accepted.body.error === 'DELIVERY_AWAITS_PAYMENT';
      if (!contract.awaitsPayment) await expect(Promise.resolve(accepted), 200, 201);
    }
    await platform.quiesce();
    await discoverInvoices(platform, contracts, invoices, day, options.seed, tally);

    const paidToday = new Set<SimulatedCustomer>();
    for (const invoice of [...invoices.values()].sort((a, b) => a.invoiceId.localeCompare(b.invoiceId))) {
      if (collectionsOn) await answerPressure(platform, invoice, day, tally);
      if (invoice.payOn <= day) {
        await pay(platform, invoice, day, tally);
        invoices.delete(invoice.invoiceId);
        paidToday.add(invoice.customer);
      }
    }
    await platform.quiesce();
    for (const customer of paidToday) await unfreezeWhenSettled(platform, customer, invoices, day, tally);
    options.onDay?.(day, index, tally);
  }
  return tally;
}

async function expect<T>(answer: Promise<{ status: number; body: T }>, ...statuses: number[]): Promise<T> {
  const { status, body } = await answer;
  if (!statuses.includes(status)) throw new Error(`unexpected ${status}: ${JSON.stringify(body)}`);
  return body;
}

async function signContract(
  platform: PlatformClient,
  contract: PlannedContract,
  day: IsoDate,
  tally: SimulationTally,
) {
  // Sales offer net 30, or what the customer's tier allows when that is shorter.
  const credit = await expect(
    platform.call<{ paymentTermDays: number }>(
      'credit-scoring',
      'GET',
      `/customers/${contract.customer.customerId}/credit`,
    ),
    200,
  );
  const term = { days: Math.min(30, credit.paymentTermDays), basis: 'CALENDAR' };
  await expect(
    platform.call('contract', 'POST', '/contracts', {
      contractId: contract.contractId,
      customerId: contract.customer.customerId,
      title: `Supply ${contract.contractId}`,
      value: contract.value,
      currency: CURRENCY,
      milestones: [
        {
          milestoneId: 'M1',
          name: 'Advance on signing',
          percent: 30,
          trigger: 'SIGNING',
          term,
        },
        {
          milestoneId: 'M2',
          name: 'On acceptance',
          percent: 70,
          trigger: 'ACCEPTANCE',
          term,
        },
      ],
    }),
    201,
  );
  const signed = await platform.call('contract', 'POST', `/contracts/${contract.contractId}/sign`, {
    date: day,
  });
  if (signed.status === 422) {
    contract.status = 'REFUSED';
    tally.contractsRefused++;
  } else if (signed.status === 200 || signed.status === 201) {
    contract.status = 'SIGNED';
    tally.contractsSigned++;
  } else {
    throw new Error(
      `signing ${contract.contractId} answered ${signed.status}: ${JSON.stringify(signed.body)}`,
    );
  }
}

async function discoverInvoices(
  platform: PlatformClient,
  contracts: PlannedContract[],
  invoices: Map<string, OpenInvoice>,
  day: IsoDate,
  seed: number,
  tally: SimulationTally,
) {
  // The signing milestone's invoice from the signing day, the acceptance one from acceptance on.
  const expected = (c: PlannedContract) => (day >= c.acceptDay ? 2 : 1);
  for (const contract of contracts.filter((c) => c.status === 'SIGNED' && c.invoices.size < expected(c))) {
    const view = await expect(
      platform.call<{ milestones: { invoiceId?: string; reachedDate?: string }[] }>(
        'contract',
        'GET',
        `/contracts/${contract.contractId}`,
      ),
      200,
    );
    for (const { invoiceId } of view.milestones) {
      if (!invoiceId || contract.invoices.has(invoiceId)) continue;
      const invoice = await platform.call<{ dueDate: IsoDate }>('invoicing', 'GET', `/invoices/${invoiceId}`);
      if (invoice.status === 404) continue; // the milestone is on its way to invoicing
      contract.invoices.add(invoiceId);
      const random = SeededRandom.forKey(seed, `invoice:${invoiceId}`);
      invoices.set(invoiceId, {
        invoiceId,
        customer: contract.customer,
        dueDate: invoice.body.dueDate,
        payOn: unchasedPaymentDay(contract.customer.behaviour, invoice.body.dueDate, random),
        random,
      });
      tally.invoicesIssued++;
    }
  }
}

/** What the platform did that the customer notices today, looked up on the days it acts. */
async function pressureToday(
  platform: PlatformClient,
  invoice: OpenInvoice,
  day: IsoDate,
): Promise<Pressure | undefined> {
  const overdue = daysBetween(invoice.dueDate, day);
  if (![-7, 0, 1, 16, 31].includes(overdue)) return undefined;
  const found = await platform.call<{
    rungsReached: number[];
    history: { type: string }[];
  }>('collections', 'GET', `/cases/${invoice.invoiceId}`);
  if (found.status !== 200) return undefined;
  const { rungsReached, history } = found.body;
  if (overdue <= 0) return history.some((e) => e.type === 'ReminderSent') ? 'REMINDED' : undefined;
  if (overdue === 1) return rungsReached.includes(1) ? 'CASE_OPENED' : undefined;
  if (overdue === 16) return rungsReached.includes(16) ? 'DUNNED' : undefined;
  return rungsReached.includes(31) ? 'LEGAL' : undefined;
}

async function answerPressure(
  platform: PlatformClient,
  invoice: OpenInvoice,
  day: IsoDate,
  tally: SimulationTally,
) {
  const pressure = await pressureToday(platform, invoice, day);
  if (!pressure) return;
  if (pressure === 'CASE_OPENED') {
    // The first rung is the sales owner's customer-care call (DOMAIN.md §4), made by a person.
    await expect(
      platform.call('collections', 'POST', `/cases/${invoice.invoiceId}/actions`, {
        kind: 'CALL',
        by: invoice.customer.salesOwner,
        note: 'customer care call: asked why the invoice is unpaid and when it will be',
      }),
      200,
      201,
    );
    tally.callsMade++;
  }
  const response = respondToPressure(
    invoice.customer.behaviour,
    pressure,
    day,
    invoice.payOn,
    invoice.random,
  );
  if (response.kind === 'PAY') {
    invoice.payOn = response.on;
    tally.paidAfterPressure++;
  } else if (response.kind === 'PROMISE') {
    const view = await expect(
      platform.call<{ open: { total: number } }>('invoicing', 'GET', `/invoices/${invoice.invoiceId}`),
      200,
    );
    await expect(
      platform.call('collections', 'POST', `/cases/${invoice.invoiceId}/promises`, {
        promiseId: `PROMISE-${invoice.invoiceId}`,
        promisedDate: response.on,
        promisedAmount: view.open.total,
      }),
      200,
      201,
    );
    tally.promisesMade++;
    if (response.keep) {
      invoice.payOn = response.on;
      tally.promisesKept++;
    }
  }
}

async function pay(platform: PlatformClient, invoice: OpenInvoice, day: IsoDate, tally: SimulationTally) {
  const view = await expect(
    platform.call<{ open: { total: number } }>('invoicing', 'GET', `/invoices/${invoice.invoiceId}`),
    200,
  );
  if (view.open.total <= 0) return;
  await expect(
    platform.call('invoicing', 'POST', '/payments', {
      paymentId: `PAY-${invoice.invoiceId}`,
      customerId: invoice.customer.customerId,
      amount: view.open.total,
      currency: CURRENCY,
      channel: 'BANK_TRANSFER',
      receivedDate: day,
      remittance: [{ invoiceId: invoice.invoiceId, amount: view.open.total }],
    }),
    200,
    201,
  );
  tally.paymentsMade++;
}

/**
 * Finance lifts a collections freeze once the customer has nothing overdue left - a person's
 * decision the platform records (the platform never unfreezes by itself).
 */
async function unfreezeWhenSettled(
  platform: PlatformClient,
  customer: SimulatedCustomer,
  invoices: Map<string, OpenInvoice>,
  day: IsoDate,
  tally: SimulationTally,
) {
  const stillOverdue = [...invoices.values()].some((i) => i.customer === customer && i.dueDate < day);
  if (stillOverdue) return;
  const credit = await expect(
    platform.call<{ frozen: { since: string } | null }>(
      'credit-scoring',
      'GET',
      `/customers/${customer.customerId}/credit`,
    ),
    200,
  );
  if (!credit.frozen) return;
  await expect(
    platform.call('credit-scoring', 'POST', `/customers/${customer.customerId}/unfreeze`, {
      reason: 'overdue invoices paid',
      decidedBy: 'finance',
    }),
    200,
    201,
  );
  tally.unfreezes++;
}
