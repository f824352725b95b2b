import { addDays } from '@ar/kernel';
import { authHeaders } from '../../../tests/support/auth';
import { call, inProcessPlatform } from '../../../tests/support/platform';
import { caseHandler } from '../src/case/handler';
import { collectionsServiceWith } from '../src/service';
import { trackInvoice } from './support/cases';
import { registerCustomers, TestMailServer } from './support/mail-server';

/**
 * A mail server down longer than the retry budget (#18 probe F8), against a real SMTP server
 * (smtp-server): a temporary failure is never final - the letter is retried with capped backoff,
 * shown as deferred on the case and the worklist once retried `maxAttempts` times, and delivered
 * when the server is back. A letter that did fail (a 5xx) is sent again by an operator's resend.
 */
describe('an SMTP outage longer than the retry budget', () => {
  const today = '2026-03-02'; // a Monday
  const dueDate = addDays(today, -20);
  const platform = inProcessPlatform('smtpoutage', today);
  let down = true;
  const rejecting = new Set<string>();
  // An address whose server holds the worker inside its SMTP attempt until released.
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let holding = false;
  const mailServer = new TestMailServer({
    answer: async (address) => {
      if (down) return { code: 451, text: '4.3.2 service not available, try again later' };
      if (address === 'ap@slow.example') {
        holding = true;
        await Promise.race([held, new Promise((r) => setTimeout(r, 60_000))]);
        return 'accept';
      }
      if (rejecting.has(address)) return { code: 550, text: '5.1.1 mailbox unavailable' };
      return 'accept';
    },
  });
  const received = () => mailServer.recipients();
  // biome-ignore lint/suspicious/noExplicitAny: the running service, started in beforeAll
  let collections: any;

  beforeAll(async () => {
    await mailServer.start();
    collections = await platform.start(
      collectionsServiceWith(() =>
        mailServer.deliverySettings({ retryBaseMs: 50, retryMaxDelayMs: 200, maxAttempts: 3 }),
      ),
    );
    await registerCustomers(collections, ['C-1', 'C-2', 'C-3']);
  });
  afterAll(async () => {
    await platform.stop();
    await mailServer.stop();
  });

  async function overdueInvoice(invoiceId: string, customerId: string, email: string) {
    const prefs = await call(
      collections,
      'PUT',
      `/customers/${customerId}/contact-preferences`,
      {
        contacts: [{ name: 'Li Wei', email, role: 'accounts payable' }],
        channel: 'EMAIL',
        language: 'en',
        quietDays: [],
      },
      await authHeaders(['collector'], 'collector-1'),
    );
    expect(prefs.status).toBe(200);
    const handler = caseHandler(collections.ctx);
    const meta = { metadata: { correlationId: `test:${invoiceId}`, actor: 'test' } };
    await trackInvoice(collections.ctx, { invoiceId, customerId, dueDate });
    await handler.execute(invoiceId, { type: 'RunDay', data: { today, tier: 'COOPERATIVE' } }, meta);
  }
  async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const letterOf = async (invoiceId: string) => {
    const { body } = await call(collections, 'GET', `/cases/${invoiceId}`);
    return body.deliveries?.find((m: { kind: string }) => m.kind === 'DUNNING_LETTER');
  };

  it('a temporary failure is never final: retried past the budget, shown as deferred, delivered when the server is back', async () => {
    await overdueInvoice('INV-O1', 'C-1', 'ap@outage.example');
    // Twice the attempts after which the old worker gave up.
    const deferred = await until('six attempts', async () => {
      const d = await letterOf('INV-O1');
      return d && d.attempts >= 6 ? d : undefined;
    });
    expect(deferred).toMatchObject({ status: 'DEFERRED', lastAnswer: expect.stringContaining('451') });
    await platform.caughtUp();
    const { body } = await call(collections, 'GET', '/worklist');
    expect(body.cases.find((c: { invoiceId: string }) => c.invoiceId === 'INV-O1').attention).toMatch(
      /DUNNING_LETTER INV-O1-DUNNING_LETTER deferred \(still retrying after \d+ attempts\): .*451/,
    );
    expect(body.undelivered).toEqual(
      expect.arrayContaining([expect.objectContaining({ invoiceId: 'INV-O1', status: 'DEFERRED' })]),
    );

    down = false;
    const sent = await until('delivered', async () => {
      const d = await letterOf('INV-O1');
      return d?.status === 'DELIVERED' ? d : undefined;
    });
    expect(sent.attempts).toBeGreaterThanOrEqual(7);
    expect(received()).toContain('ap@outage.example');
    const { events } = await collections.ctx.store.readStream('message-INV-O1-DUNNING_LETTER');
    const types = events.map((e: { type: string }) => e.type);
    expect(types).not.toContain('MessageDeliveryFailed');
    expect(types.at(-1)).toBe('MessageDelivered');
    await platform.caughtUp();
    const after = await call(collections, 'GET', '/worklist');
    expect(
      after.body.cases.find((c: { invoiceId: string }) => c.invoiceId === 'INV-O1').attention,
    ).toBeNull();
    expect(after.body.undelivered.some((m: { invoiceId: string }) => m.invoiceId === 'INV-O1')).toBe(false);
  });

  it('an operator resends a failed message (admin only): it is queued again and delivered', async () => {
    down = false;
    rejecting.add('ap@fixed.example');
    await overdueInvoice('INV-O2', 'C-2', 'ap@fixed.example');
    await until('failed', async () => {
      const d = await letterOf('INV-O2');
      return d?.status === 'FAILED' ? d : undefined;
    });
    const url = '/admin/messages/INV-O2-DUNNING_LETTER/resend';
    const collector = await call(collections, 'POST', url, {}, await authHeaders(['collector'], 'c-1'));
    expect(collector.status).toBe(403);

    rejecting.delete('ap@fixed.example'); // the customer's mailbox is fixed
    const admin = await authHeaders(['admin'], 'operator-1');
    const resent = await call(collections, 'POST', url, { reason: 'mailbox fixed' }, admin);
    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({ messageId: 'INV-O2-DUNNING_LETTER', status: 'QUEUED' });
    const sent = await until('delivered', async () => {
      const d = await letterOf('INV-O2');
      return d?.status === 'DELIVERED' ? d : undefined;
    });
    expect(sent.attempts).toBe(2);
    expect(received().filter((r) => r === 'ap@fixed.example')).toHaveLength(1);
    const { events } = await collections.ctx.store.readStream('message-INV-O2-DUNNING_LETTER');
    expect(events.map((e: { type: string }) => e.type)).toEqual([
      'MessageQueued',
      'MessageDeliveryFailed',
      'MessageResent',
      'MessageDelivered',
    ]);
    expect(events[2].data).toMatchObject({ by: 'operator-1', reason: 'mailbox fixed' });

    // Delivered is final: a resend is refused, and an unknown message is 404.
    expect((await call(collections, 'POST', url, {}, admin)).status).toBe(409);
    expect((await call(collections, 'POST', '/admin/messages/NOPE-1/resend', {}, admin)).status).toBe(404);
  });

  it('a resend while the worker is inside the SMTP attempt is a 409 at once, not a wait on the row (#18 probe F5)', async () => {
    await overdueInvoice('INV-O3', 'C-3', 'ap@slow.example');
    await until('the worker inside the SMTP attempt', async () => (holding ? true : undefined));
    const started = Date.now();
    const resent = await call(
      collections,
      'POST',
      '/admin/messages/INV-O3-DUNNING_LETTER/resend',
      { reason: 'stuck?' },
      await authHeaders(['admin'], 'operator-1'),
    );
    const took = Date.now() - started;
    release();
    expect(resent.status).toBe(409);
    expect(resent.body.message).toMatch(/being sent now/);
    expect(took).toBeLessThan(2_000);
    // The attempt under way goes on and delivers it, once.
    await until('delivered', async () => {
      const d = await letterOf('INV-O3');
      return d?.status === 'DELIVERED' ? d : undefined;
    });
    expect(received().filter((r) => r === 'ap@slow.example')).toHaveLength(1);
    const { events } = await collections.ctx.store.readStream('message-INV-O3-DUNNING_LETTER');
    expect(events.map((e: { type: string }) => e.type)).toEqual(['MessageQueued', 'MessageDelivered']);
  }, 60_000);
});
