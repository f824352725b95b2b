import { allServices } from '@ar/all-in-one';
import { addDays } from '@ar/kernel';
import { KafkaBus } from '@ar/messaging';
import { BusinessClock, type RunningService, startService } from '@ar/platform';
import { AppendNotifier } from '@ar/postgres';
import { authHeaders, testAuth } from './auth';
import { quietLogger, unique } from './infra';
import {
  type Command,
  countGroups,
  Driver,
  drive,
  type Json,
  type KafkaScope,
  type Phase,
  paced,
  quiesce,
  SERVICES,
  type ServiceName,
} from './load-driver';

/** The business days of the load: one clock move before each day after the first. */
export const START = '2026-03-02';
export const DAYS = ['2026-03-02', '2026-03-05', '2026-03-10', '2026-03-13', '2026-03-17'];
export const FINAL = DAYS.at(-1)!;
/** The second day carries most of the load: the disruptions fall on it. */
const INVOICES_PER_DAY = [30, 60, 25, 20, 15]; // 150
const PAYMENTS_PER_DAY = [0, 25, 25, 15, 15]; // 80
const CUSTOMERS = 20;

/** A small seeded generator: the same seed, the same run. */
export function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LoadPlan {
  phases: Phase[];
  customers: string[];
  invoices: string[];
  payments: string[];
}

/**
 * The commands (always the same). Customers score ~685 (COOPERATIVE, 550-750) and no invoice is
 * more than 14 days overdue at the end, so no customer's tier can change and no late fee
 * accrues: the outcome depends on the commands, not on the order in which concurrent instances
 * happened to apply them. Payments name their invoice (remittance), for invoices of earlier days.
 */
export function loadPlan(): LoadPlan {
  const rnd = random(1);
  const pick = <T>(list: T[]) => list[Math.floor(rnd() * list.length)]!;
  const customers = Array.from({ length: CUSTOMERS }, (_, i) => `C-${String(i + 1).padStart(2, '0')}`);
  const registrations: Command[] = customers.map((customerId, i) => ({
    kind: 'customer',
    id: customerId,
    body: {
      customerId,
      name: `Customer ${customerId}`,
      industry: 'TECHNOLOGY',
      region: pick(['East China', 'North China', 'South China']),
      headcount: 200 + i,
      annualRevenue: 20_000_000_000,
      expectedAnnualValue: 100_000_000,
      registrationNumber: `REG-${customerId}`,
      registeredDate: '2012-05-01',
      salesOwner: pick(['sales-li', 'sales-wang', 'sales-zhao']),
    },
  }));
  const open: { invoiceId: string; customerId: string; amount: number }[] = [];
  const invoices: string[] = [];
  const payments: string[] = [];
  const phases: Phase[] = DAYS.map((day, d) => {
    const payable = [...open];
    const paying: Command[] = [];
    for (let p = 0; p < PAYMENTS_PER_DAY[d]!; p++) {
      const invoice = payable.splice(Math.floor(rnd() * payable.length), 1)[0]!;
      open.splice(open.indexOf(invoice), 1);
      const amount = rnd() < 0.25 ? Math.floor(invoice.amount / 2) : invoice.amount;
      const paymentId = `PAY-${String(payments.length + 1).padStart(3, '0')}`;
      payments.push(paymentId);
      paying.push({
        kind: 'payment',
        id: paymentId,
        body: {
          paymentId,
          customerId: invoice.customerId,
          amount,
          currency: 'CNY',
          channel: 'BANK_TRANSFER',
          reference: invoice.invoiceId,
          receivedDate: day,
          remittance: [{ invoiceId: invoice.invoiceId, amount }],
        },
      });
    }
    const issuing: Command[] = [];
    for (let i = 0; i < INVOICES_PER_DAY[d]!; i++) {
      const invoiceId = `INV-${String(invoices.length + 1).padStart(3, '0')}`;
      const customerId = pick(customers);
      const amount = 10_000 + Math.floor(rnd() * 500) * 10_000;
      invoices.push(invoiceId);
      open.push({ invoiceId, customerId, amount });
      issuing.push({
        kind: 'invoice',
        id: invoiceId,
        body: {
          invoiceId,
          customerId,
          amount,
          currency: 'CNY',
          issueDate: day,
          dueDate: addDays(day, 1 + Math.floor(rnd() * 13)),
        },
      });
    }
    // Payments (for invoices of earlier days) and new invoices of the day go out mixed.
    const mixed = [...paying, ...issuing].sort(() => rnd() - 0.5);
    return { day, batches: d === 0 ? [registrations, mixed] : [mixed] };
  });
  return { phases, customers, invoices, payments };
}

// biome-ignore lint/suspicious/noExplicitAny: a stand-in context whose every property and call is itself
const standIn: any = new Proxy(() => {}, { get: () => standIn, apply: () => standIn });

/** Every consumer the services define is a consumer group; a deployment is up once all exist. */
export const CONSUMER_GROUPS = allServices.reduce(
  // The definitions only name their consumers here; nothing runs without a real context, so a
  // stand-in that answers anything asked of it is enough.
  (n, def) => n + (def.consumers?.(standIn as never).length ?? 0),
  0,
);

export async function waitForGroups(scope: KafkaScope): Promise<number> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const n = await countGroups(scope);
    if (n >= CONSUMER_GROUPS) return n;
    if (Date.now() > deadline) throw new Error(`${n} consumer groups, ${CONSUMER_GROUPS} expected`);
    await sleep(250);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A message's delivery that either went out or was cancelled because its case was settled first:
 * which of the two depends on whether the delivery worker sent it before the payment arrived, a
 * race whose outcome differs between two instances under chaos and one fed the same commands at
 * once. Likewise one held back by the customer's contact limit (#18 probe F2: one message a day to
 * the customer, all its invoices): which of a customer's messages of a day goes first is the order
 * the worker met them in. And a reminder before the due date that went, or was held until the
 * date had passed and cancelled (`DUE_DATE_PASSED`). All are right; the rest of the delivery
 * (which message, to whom) is still compared.
 */
function isSendOrSettleRace(value: { [k: string]: Json }): boolean {
  return (
    'attempts' in value &&
    (value.status === 'DELIVERED' ||
      (value.status === 'CANCELLED' &&
        /settled|closed|no longer right/.test(String(value.lastAnswer ?? ''))) ||
      (value.status === 'DEFERRED' &&
        /to the customer (already on|in the 7 days)/.test(String(value.lastAnswer ?? ''))))
  );
}

/** UUIDs made per run become `<uuid>`; a delivery's send-or-settle race one outcome. */
export function normalize(value: Json): Json {
  if (typeof value === 'string') return UUID.test(value) ? '<uuid>' : value;
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object') {
    const fields = value as { [k: string]: Json };
    const raced = isSendOrSettleRace(fields)
      ? { status: 'DELIVERED or CANCELLED (settled first)', attempts: null, lastAnswer: null }
      : {};
    return Object.fromEntries(Object.entries({ ...fields, ...raced }).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}

/** What names an element of a list in an answer, so lists are compared element by element. */
const IDENTITY = ['invoiceId', 'customerId', 'paymentId', 'group', 'bucket', 'currency', 'day'];

function identityOf(list: Json[]): string | undefined {
  return IDENTITY.find(
    (k) =>
      list.length > 0 &&
      list.every((e) => e && typeof e === 'object' && k in e) &&
      new Set(list.map((e) => JSON.stringify(e[k]))).size === list.length,
  );
}

/** Where two JSON values differ, as paths (at most `limit`); lists of named things by name. */
export function differences(a: Json, b: Json, path = '', out: string[] = [], limit = 40): string[] {
  if (out.length >= limit || a === b) return out;
  const show = (v: Json) => JSON.stringify(v)?.slice(0, 160);
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') {
    out.push(`${path}: ${show(a)} vs ${show(b)}`);
    return out;
  }
  if (Array.isArray(a) !== Array.isArray(b)) {
    out.push(`${path}: ${show(a)} vs ${show(b)}`);
    return out;
  }
  if (Array.isArray(a)) {
    const key = identityOf(a) && identityOf(a) === identityOf(b) ? identityOf(a)! : undefined;
    if (key) {
      const byKey = (list: Json[]) => new Map(list.map((e) => [JSON.stringify(e[key]), e]));
      const [ma, mb] = [byKey(a), byKey(b)];
      for (const k of new Set([...ma.keys(), ...mb.keys()]))
        differences(ma.get(k) ?? null, mb.get(k) ?? null, `${path}[${key}=${k}]`, out, limit);
      if (out.length === 0 && JSON.stringify([...ma.keys()]) !== JSON.stringify([...mb.keys()]))
        out.push(`${path}: same elements, another order`);
      return out;
    }
  }
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
    differences(a[k] ?? null, b[k] ?? null, `${path}.${k}`, out, limit);
  return out;
}

/**
 * The name a case was tracked with is what collections knew when it heard of the invoice:
 * `CustomerRegistered` (credit topic) comes in no order with `InvoiceIssued` (invoicing topic),
 * so that fact differs from run to run by timing alone. What the case shows and says now - its
 * customer's name, every message's salutation - is compared.
 */
function withoutNameKnownAtTracking(view: Json): void {
  for (const entry of view?.history ?? [])
    if (entry.type === 'InvoiceTracked') entry.customerName = '<name known at tracking>';
}

/**
 * A reminder's delivery in the case history (#14 item 8) says whether and when its message went
 * out: when the delivery worker met it (a killed instance, a clock moved meanwhile: another
 * business day), and which of a customer's messages of a day took the contact limit's one slot or
 * was cancelled by a payment first - timing, as `isSendOrSettleRace`. That each reminder has a
 * delivery is still compared.
 */
function withoutDeliveryTiming(view: Json): void {
  for (const entry of view?.history ?? [])
    if (entry.type === 'ReminderSent' && entry.delivery) entry.delivery = '<as and when the worker sent it>';
}

/** What a client can read of every read model the commands touched, from one instance of each service. */
export async function readModels(
  driver: Driver,
  base: Record<ServiceName, string>,
  ids: { customers: string[]; invoices: string[]; payments: string[] },
): Promise<Record<string, Json>> {
  const reads: [string, ServiceName, string][] = [];
  for (const c of ids.customers) {
    reads.push([`credit ${c}`, 'credit-scoring', `/customers/${c}/credit`]);
    reads.push([`account ${c}`, 'invoicing', `/customers/${c}/account`]);
  }
  for (const i of ids.invoices) {
    reads.push([`invoice ${i}`, 'invoicing', `/invoices/${i}`]);
    reads.push([`case ${i}`, 'collections', `/cases/${i}`]);
  }
  for (const p of ids.payments) reads.push([`payment ${p}`, 'invoicing', `/payments/${p}`]);
  reads.push(['worklist', 'collections', '/worklist']);
  for (const day of DAYS)
    reads.push([`aging by customer ${day}`, 'reporting', `/reports/aging?asOf=${day}&by=customer`]);
  reads.push(['overdue rate', 'reporting', `/reports/overdue-rate?asOf=${FINAL}`]);
  reads.push(['dso', 'reporting', `/reports/dso?asOf=${FINAL}`]);
  reads.push(['top overdue', 'reporting', `/reports/top-overdue-customers?asOf=${FINAL}`]);
  reads.push(['collection kpis', 'reporting', `/reports/collection-kpis?asOf=${FINAL}`]);
  const out: Record<string, Json> = {};
  await paced(reads, 6, 0, async ([name, service, path]) => {
    const { status, body } = await driver.call(base[service], 'GET', path, undefined, 30_000);
    if (status >= 500) throw new Error(`GET ${service}${path}: ${status}`);
    const value = normalize(body);
    if (name.startsWith('case ')) {
      withoutNameKnownAtTracking(value);
      withoutDeliveryTiming(value);
    }
    // Cases of equal priority come in no particular order: put them in invoice order.
    if (name === 'worklist')
      value.cases.sort(
        (x: Json, y: Json) => y.priority - x.priority || x.invoiceId.localeCompare(y.invoiceId),
      );
    out[name] = { status, body: value };
  });
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The reference: one instance of each service, in this process, on the given servers, fed the
 * same commands in the same days (quiet before each clock move, as the run under test); its
 * read models as `readModels` reads them.
 */
export async function referenceRun(
  servers: { databaseUrl: string; kafkaBrokers: string[] },
  phases: Phase[],
  ids: { customers: string[]; invoices: string[]; payments: string[] },
  trace?: (line: string) => void,
): Promise<Record<string, Json>> {
  const ref = unique('several_ref');
  const prefix = `${ref}.`;
  const bus = new KafkaBus({ brokers: servers.kafkaBrokers, clientId: ref, logger: quietLogger });
  const notifier = new AppendNotifier(servers.databaseUrl);
  await notifier.start();
  const running: RunningService[] = [];
  try {
    for (const def of allServices)
      running.push(
        await startService(def, {
          databaseUrl: servers.databaseUrl,
          bus,
          notifier,
          logger: quietLogger,
          host: '127.0.0.1',
          port: 0,
          auth: testAuth,
          clock: new BusinessClock(START), // one clock per service, as when distributed
          topicPrefix: prefix,
          groupPrefix: prefix,
          schema: `${ref}_${def.schema}`,
        }),
      );
    const urls = Object.fromEntries(running.map((s) => [s.name, [s.url]])) as Record<ServiceName, string[]>;
    const driver = new Driver((s) => urls[s], authHeaders);
    const scope: KafkaScope = { brokers: servers.kafkaBrokers, groupPrefix: prefix, topicPrefix: prefix };
    const groups = await waitForGroups(scope);
    await drive(driver, phases, {
      concurrency: 4,
      intervalMs: () => 0,
      quiet: () =>
        quiesce(driver, urls, scope, groups, { all: true, timeoutMs: 60_000, ...(trace ? { trace } : {}) }),
      onQuiet: (ms) => trace?.(`reference: quiet after ${ms} ms`),
    });
    const first = Object.fromEntries(SERVICES.map((s) => [s, urls[s][0]!])) as Record<ServiceName, string>;
    return await readModels(driver, first, ids);
  } finally {
    for (const service of running.reverse()) await service.stop();
    await bus.close();
    await notifier.stop();
  }
}
