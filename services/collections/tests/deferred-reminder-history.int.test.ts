import { addDays } from '@ar/kernel';
import { authHeaders } from '../../../tests/support/auth';
import { call, inProcessPlatform } from '../../../tests/support/platform';
import { caseHandler } from '../src/case/handler';
import { collectionsServiceWith } from '../src/service';
import { trackInvoice } from './support/cases';
import { registerCustomers, TestMailServer } from './support/mail-server';

/**
 * The case history and the message archive tell the truth about a message held by the customer's
 * contact limit (#14 item 8, probe leftover): a `ReminderSent` is the reminder decided and queued,
 * and its history entry says whether it was delivered and when - a letter deferred to the next day
 * is not shown as sent on the day it was decided, and once it goes it is dated the day it went.
 */
describe('a reminder deferred by the contact limit, in the case history and the archive', () => {
  const monday = '2026-03-02';
  const tuesday = '2026-03-03';
  const dueDate = addDays(monday, -20);
  const platform = inProcessPlatform('deferredhist', monday);
  const mailServer = new TestMailServer();
  // biome-ignore lint/suspicious/noExplicitAny: the running service, started in beforeAll
  let collections: any;
  const ids = ['INV-DH-A', 'INV-DH-B'];
  const customerId = 'C-DH';

  beforeAll(async () => {
    await mailServer.start();
    collections = await platform.start(collectionsServiceWith(() => mailServer.deliverySettings()));
    await registerCustomers(collections, [customerId]);
  });
  afterAll(async () => {
    await platform.stop();
    await mailServer.stop();
  });

  const meta = { metadata: { correlationId: 'test:deferred-history', actor: 'test' } };
  async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  type Entry = { type: string; messageId?: string; sentDate?: string; delivery?: Record<string, unknown> };
  const letterOf = async (invoiceId: string) => {
    const { body } = await call(collections, 'GET', `/cases/${invoiceId}`);
    const sent = (body.history as Entry[]).find((h) => h.type === 'ReminderSent' && h.messageId)!;
    const delivery = (body.deliveries as { messageId: string; status: string }[]).find(
      (d) => d.messageId === sent.messageId,
    );
    return { entry: sent, status: delivery?.status };
  };
  const archived = async (messageId: string) =>
    (
      await collections.ctx.pool.query(
        `select to_char(sent_date, 'YYYY-MM-DD') as "sentDate", to_char(delivered_on, 'YYYY-MM-DD') as "deliveredOn",
                delivered_at as "deliveredAt", status
           from delivered_messages where message_id = $1`,
        [messageId],
      )
    ).rows[0];

  it('shows DEFERRED with no sending time while it waits, and the day it really went once delivered', async () => {
    expect(
      (
        await call(
          collections,
          'PUT',
          `/customers/${customerId}/contact-preferences`,
          {
            contacts: [{ name: 'Li Wei', email: 'ap@dh.example', role: 'accounts payable' }],
            channel: 'EMAIL',
            language: 'en',
            quietDays: [],
          },
          await authHeaders(['collector'], 'collector-1'),
        )
      ).status,
    ).toBe(200);
    // One customer, two invoices 20 days overdue: two dunning letters decided on Monday; the
    // customer's contact limit (one a day) lets one go and defers the other to Tuesday.
    for (const invoiceId of ids) {
      await trackInvoice(collections.ctx, { invoiceId, customerId, dueDate });
      await caseHandler(collections.ctx).execute(
        invoiceId,
        { type: 'RunDay', data: { today: monday, tier: 'COOPERATIVE' } },
        meta,
      );
    }
    const both = await until('both letters tried', async () => {
      const letters = await Promise.all(ids.map(letterOf));
      return letters.every((l) => l.status === 'DELIVERED' || l.status === 'DEFERRED') ? letters : undefined;
    });
    const delivered = both.find((l) => l.status === 'DELIVERED')!;
    const deferred = both.find((l) => l.status === 'DEFERRED')!;
    expect(delivered).toBeDefined();
    expect(deferred).toBeDefined();
    const deliveredId = ids[both.indexOf(delivered)]!;
    const deferredId = ids[both.indexOf(deferred)]!;
    await platform.caughtUp();

    // The history of the delivered one: sent on Monday, at an instant of Monday.
    const d = (await letterOf(deliveredId)).entry;
    expect(d.delivery).toMatchObject({ status: 'DELIVERED', deliveredOn: monday });
    expect(String(d.delivery?.deliveredAt)).toMatch(/^2026-03-02T/);
    // The deferred one: decided on Monday, not sent - no sending time, why and until when.
    const waiting = (await letterOf(deferredId)).entry;
    expect(waiting.sentDate).toBe(monday);
    expect(waiting.delivery).toMatchObject({
      status: 'DEFERRED',
      reason: 'CONTACT_LIMIT',
      notBefore: tuesday,
    });
    expect(waiting.delivery).not.toHaveProperty('deliveredAt');
    expect(waiting.delivery).not.toHaveProperty('deliveredOn');
    // The message archive: decided on Monday, not delivered.
    expect(await archived(waiting.messageId!)).toMatchObject({
      sentDate: monday,
      deliveredOn: null,
      deliveredAt: null,
      status: 'DEFERRED',
    });
    expect(await archived(d.messageId!)).toMatchObject({ deliveredOn: monday, status: 'DELIVERED' });

    // Tuesday: it goes, and both say so - dated Tuesday, the day it was sent.
    await platform.clock.advanceTo(tuesday);
    const went = await until('the deferred letter delivered', async () => {
      const l = await letterOf(deferredId);
      return l.status === 'DELIVERED' ? l : undefined;
    });
    await platform.caughtUp();
    const after = (await letterOf(deferredId)).entry;
    expect(went.entry.messageId).toBe(waiting.messageId);
    expect(after.sentDate).toBe(monday); // the day it was decided: stored events are not rewritten
    expect(after.delivery).toMatchObject({ status: 'DELIVERED', deliveredOn: tuesday });
    expect(String(after.delivery?.deliveredAt)).toMatch(/^2026-03-03T/);
    expect(await archived(waiting.messageId!)).toMatchObject({
      sentDate: monday,
      deliveredOn: tuesday,
      status: 'DELIVERED',
    });
    expect(mailServer.received).toHaveLength(2);
  }, 90_000);
});
