import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompanySigner, verifyDetached } from '@ar/platform';
import { authHeaders } from '../../../tests/support/auth';
import { call, inProcessPlatform } from '../../../tests/support/platform';
import { caseHandler } from '../src/case/handler';
import { collectionsServiceWith } from '../src/service';
import { trackInvoice } from './support/cases';
import { registerCustomers, TestMailServer } from './support/mail-server';

/**
 * The ladder's legal rung sends the lawyer's-letter notice by itself (issue 18 item 2), against a
 * real SMTP server (smtp-server): the day after the day-30 reminder the day job sends it as an
 * email with the signed PDF; a lawyer's letter still waiting for the mail server when the invoice
 * is paid is cancelled, never sent.
 */
describe("the lawyer's-letter notice of the legal rung", () => {
  const day30 = '2026-03-02'; // a Monday
  const day31 = '2026-03-03';
  const dueDate = '2026-01-31';
  const platform = inProcessPlatform('lawyers', day30);
  const refusing = new Set<string>();
  const mailServer = new TestMailServer({
    answer: (address) => (refusing.has(address) ? { code: 451, text: '4.3.2 try again later' } : 'accept'),
  });
  const { received } = mailServer;
  const signer = CompanySigner.generate();
  const dir = mkdtempSync(join(tmpdir(), 'lawyers-'));
  // biome-ignore lint/suspicious/noExplicitAny: the running service, started in beforeAll
  let collections: any;

  beforeAll(async () => {
    await mailServer.start();
    collections = await platform.start(
      collectionsServiceWith(() => mailServer.deliverySettings({ retryMaxDelayMs: 200, signer })),
    );
    await registerCustomers(collections, ['C-L1', 'C-L2']);
  });
  afterAll(async () => {
    await platform.stop();
    await mailServer.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const meta = (id: string) => ({ metadata: { correlationId: `test:${id}`, actor: 'test' } });
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
    await trackInvoice(collections.ctx, { invoiceId, customerId, dueDate });
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
  const deliveryOf = async (invoiceId: string, letter: string, status?: string) =>
    until(`${invoiceId} ${letter} ${status ?? ''}`, async () => {
      const { body } = await call(collections, 'GET', `/cases/${invoiceId}`);
      const d = body.deliveries?.find((m: { letter?: string }) => m.letter === letter);
      return d && (!status || d.status === status) ? d : undefined;
    });

  it('the day after the day-30 reminder, the day job sends it: an email with the signed PDF', async () => {
    await overdueInvoice('INV-L1', 'C-L1', 'legal@debtor.example');
    // Day 30: the day-30 reminder, no letter.
    await caseHandler(collections.ctx).execute(
      'INV-L1',
      { type: 'RunDay', data: { today: day30, tier: 'COOPERATIVE' } },
      meta('INV-L1'),
    );
    await until('the day-30 reminder', async () => {
      const { body } = await call(collections, 'GET', '/cases/INV-L1');
      const d = body.deliveries?.find((m: { kind: string }) => m.kind === 'REMINDER_OVERDUE');
      return d?.status === 'DELIVERED' && !d.letter ? d : undefined;
    });

    // Day 31: the day job alone sends the lawyer's-letter notice.
    await platform.clock.advanceTo(day31);
    const sent = await deliveryOf('INV-L1', 'LAWYERS_LETTER', 'DELIVERED');
    expect(sent).toMatchObject({ kind: 'LAWYERS_LETTER', to: 'legal@debtor.example', language: 'en' });
    const mail = received.find((m) => m.mail.subject?.startsWith('Notice before legal action'))!;
    expect(mail.to).toEqual(['legal@debtor.example']);
    expect(mail.mail.subject).toBe('Notice before legal action: invoice INV-L1, 31 days overdue');
    const pdf = mail.mail.attachments.find((a) => a.contentType === 'application/pdf')!;
    expect(pdf.filename).toMatch(/^LAWYERS_LETTER-INV-L1\.pdf$/);
    const file = join(dir, 'lawyers.pdf');
    writeFileSync(file, pdf.content);
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
    for (const phrase of ['InvoiceINV-L1', 'PrincipalCNY10,000.00', 'CustomerC-L1'])
      expect(text).toContain(phrase);
    const signature = mail.mail.attachments
      .find((a) => a.filename?.endsWith('.sig'))!
      .content.toString()
      .trim();
    expect(verifyDetached(pdf.content, signature, signer.publicKeyPem)).toBe(true);

    // Once: the day job again, and the next days, send no second one.
    await platform.clock.advanceTo('2026-03-05');
    await platform.caughtUp();
    expect(received.filter((m) => m.mail.subject?.startsWith('Notice before legal action'))).toHaveLength(1);
  });

  it('a payment recorded while it waits for the mail server cancels it: never sent', async () => {
    refusing.add('late@debtor.example');
    await platform.clock.advanceTo('2026-03-05');
    await overdueInvoice('INV-L2', 'C-L2', 'late@debtor.example');
    // 33 days overdue today: the day-30 reminder goes now, carrying the lawyer's letter.
    await caseHandler(collections.ctx).execute(
      'INV-L2',
      { type: 'RunDay', data: { today: '2026-03-05', tier: 'COOPERATIVE' } },
      meta('INV-L2'),
    );
    await until('deferred', async () => {
      const d = await deliveryOf('INV-L2', 'LAWYERS_LETTER');
      return d.status === 'DEFERRED' ? d : undefined;
    });
    // Paid in full (recorded late, counted from day 30): the case closes.
    await caseHandler(collections.ctx).execute(
      'INV-L2',
      {
        type: 'NotePayment',
        data: { amount: 1_014_000, toPrincipal: 1_000_000, date: day30, paidInFull: true },
      },
      meta('INV-L2'),
    );
    refusing.delete('late@debtor.example');
    const cancelled = await deliveryOf('INV-L2', 'LAWYERS_LETTER', 'CANCELLED');
    expect(cancelled.lastAnswer).toMatch(/closed/);
    expect(received.some((m) => m.to.includes('late@debtor.example'))).toBe(false);
    const { events } = await collections.ctx.store.readStream(`message-${cancelled.messageId}`);
    expect(events.at(-1)).toMatchObject({
      type: 'MessageDeliveryCancelled',
      data: { reason: 'CASE_SETTLED' },
    });
    await platform.caughtUp();
    const { body } = await call(collections, 'GET', '/worklist');
    expect(body.undelivered.some((m: { invoiceId: string }) => m.invoiceId === 'INV-L2')).toBe(false);
  });
});
