import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDays } from '@ar/kernel';
import { CompanySigner as LetterSigner, verifyDetached as verifyLetter } from '@ar/platform';
import { authHeaders } from '../../../tests/support/auth';
import { call, inProcessPlatform } from '../../../tests/support/platform';
import { caseHandler } from '../src/case/handler';
import { collectionsServiceWith } from '../src/service';
import { trackInvoice } from './support/cases';
import { registerCustomers, TestMailServer } from './support/mail-server';

/**
 * Letters that reach people (issue 18 items 1-3), against a real SMTP server on 127.0.0.1
 * (smtp-server): a 20-days-overdue invoice's dunning letter arrives as an email with its signed
 * PDF; a 4xx answer is retried and then delivered; a 5xx answer is a failure shown on the case
 * and on the worklist; a customer without an email contact is held for a person.
 */
describe('email delivery over SMTP', () => {
  const today = '2026-03-02'; // a Monday
  const dueDate = addDays(today, -20);
  const platform = inProcessPlatform('email', today);
  const tempFailures = new Map<string, number>();
  const mailServer = new TestMailServer({
    answer: (address) => {
      if (address.startsWith('bounce@')) return { code: 550, text: '5.1.1 mailbox unavailable' };
      if (address.startsWith('flaky@') && (tempFailures.get(address) ?? 0) < 1) {
        tempFailures.set(address, (tempFailures.get(address) ?? 0) + 1);
        return { code: 451, text: '4.7.1 try again later' };
      }
      return 'accept';
    },
  });
  const { received } = mailServer;
  const signer = LetterSigner.generate();
  const dir = mkdtempSync(join(tmpdir(), 'email-'));
  // biome-ignore lint/suspicious/noExplicitAny: the running service, started in beforeAll
  let collections: any;

  beforeAll(async () => {
    await mailServer.start();
    collections = await platform.start(collectionsServiceWith(() => mailServer.deliverySettings({ signer })));
    await registerCustomers(collections, ['C-1', 'C-2', 'C-3', 'C-4', 'C-5', 'C-6']);
  });
  afterAll(async () => {
    await platform.stop();
    await mailServer.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** An invoice 20 days overdue today, with five days of interest charged (days 16-20 at 0.1%). */
  async function overdueInvoice(invoiceId: string, customerId: string) {
    const handler = caseHandler(collections.ctx);
    const meta = { metadata: { correlationId: `test:${invoiceId}`, actor: 'test' } };
    const cases = {
      execute: (id: string, c: Parameters<typeof handler.execute>[1]) => handler.execute(id, c, meta),
    };
    await trackInvoice(collections.ctx, { invoiceId, customerId, dueDate });
    for (let day = 16; day <= 20; day++)
      await cases.execute(invoiceId, {
        type: 'NoteFees',
        data: { change: 1_000, reason: 'CHARGED', date: addDays(dueDate, day), kind: 'INTEREST' },
      });
    await cases.execute(invoiceId, { type: 'RunDay', data: { today, tier: 'COOPERATIVE' } });
  }
  const contacts = (email: string, language = 'en') => ({
    contacts: [{ name: 'Li Wei', email, role: 'accounts payable' }],
    channel: 'EMAIL',
    language,
    quietDays: [],
  });
  const asCollector = async () => authHeaders(['collector'], 'collector-1');
  async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const delivery = async (invoiceId: string, status: string) =>
    until(`${invoiceId} ${status}`, async () => {
      const { body } = await call(collections, 'GET', `/cases/${invoiceId}`);
      const d = body.deliveries?.find((m: { kind: string }) => m.kind === 'DUNNING_LETTER');
      return d?.status === status ? d : undefined;
    });

  it('a letter for a 20-day-overdue invoice reaches the SMTP server as an email with its signed PDF', async () => {
    expect(
      (
        await call(
          collections,
          'PUT',
          '/customers/C-1/contact-preferences',
          contacts('ap@widgets.example'),
          await asCollector(),
        )
      ).status,
    ).toBe(200);
    await overdueInvoice('INV-E1', 'C-1');
    const sent = await delivery('INV-E1', 'DELIVERED');
    expect(sent).toMatchObject({
      to: 'ap@widgets.example',
      attempts: 1,
      letter: 'DUNNING_LETTER',
      language: 'en',
    });

    const mail = received.find((m) => m.to.includes('ap@widgets.example'))!;
    expect(mail.mail.subject).toBe('Formal notice: invoice INV-E1 is 20 days overdue');
    // A valid RFC 5322 msg-id in the sender's domain (#18 probe F7: it was <...@receivables>).
    expect(mail.mail.messageId).toMatch(/^<INV-E1-DUNNING_LETTER\.[0-9a-f]{12}@acme\.example>$/);
    expect(mail.mail.text).toContain('invoice INV-E1 for CNY 10,000.00 is 20 days overdue');
    const pdf = mail.mail.attachments.find((a) => a.contentType === 'application/pdf')!;
    expect(pdf.filename).toBe('DUNNING_LETTER-INV-E1.pdf');
    const file = join(dir, 'letter.pdf');
    writeFileSync(file, pdf.content);
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
    for (const phrase of [
      'InvoiceINV-E1',
      `dueon${dueDate},is20daysoverdueasof${today}`,
      'PrincipalCNY10,000.00',
      'InterestCNY50.00',
      'PenaltyCNY0.00',
      'TotalowedCNY10,050.00',
      'fromday16overdue,interestof0.1%oftheunpaidamountaccruesperday',
    ])
      expect(text).toContain(phrase);

    // The recipient checks the seal with the published key, without any account of ours.
    const key = await call(collections, 'GET', '/letters/signing-key', undefined, { authorization: '' });
    expect(key.status).toBe(200);
    const signature = mail.mail.attachments
      .find((a) => a.filename?.endsWith('.sig'))!
      .content.toString()
      .trim();
    expect(verifyLetter(pdf.content, signature, key.body.publicKeyPem)).toBe(true);
    const altered = Buffer.from(pdf.content);
    altered[100] = (altered[100]! + 1) % 256;
    expect(verifyLetter(altered, signature, key.body.publicKeyPem)).toBe(false);

    const { body } = await call(collections, 'GET', '/cases/INV-E1');
    expect(body.history.map((e: { type: string }) => e.type)).toContain('ReminderSent');
  });

  it('a repayment plan agreed on a case sends the signed agreement: an email with the PDF of its instalments', async () => {
    await call(
      collections,
      'PUT',
      '/customers/C-6/contact-preferences',
      contacts('plan@widgets.example'),
      await asCollector(),
    );
    await overdueInvoice('INV-E6', 'C-6');
    await delivery('INV-E6', 'DELIVERED'); // the dunning letter of day 20
    const agreed = await call(
      collections,
      'POST',
      '/cases/INV-E6/instalment-plans',
      {
        planId: 'PLAN-E6',
        instalments: [
          { dueDate: '2026-03-16', amount: 500_000 },
          { dueDate: '2026-04-15', amount: 505_000 },
        ],
      },
      await authHeaders(['finance'], 'finance-1'),
    );
    expect(agreed.status).toBe(200);
    const sent = await until('the plan agreement delivered', async () => {
      const { body } = await call(collections, 'GET', '/cases/INV-E6');
      const d = body.deliveries?.find((m: { letter?: string }) => m.letter === 'PLAN_AGREEMENT');
      return d?.status === 'DELIVERED' ? d : undefined;
    });
    expect(sent).toMatchObject({ to: 'plan@widgets.example', language: 'en', attempts: 1 });
    const mail = received.find((m) => m.mail.subject === 'Repayment plan agreement for invoice INV-E6')!;
    expect(mail.to).toEqual(['plan@widgets.example']);
    const pdf = mail.mail.attachments.find((a) => a.contentType === 'application/pdf')!;
    expect(pdf.filename).toBe('PLAN_AGREEMENT-INV-E6.pdf');
    const file = join(dir, 'plan.pdf');
    writeFileSync(file, pdf.content);
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
    for (const phrase of [
      'RepaymentPlanAgreement',
      `agreedon${today}`,
      'Instalment1:CNY5,000.00by2026-03-16',
      'Instalment2:CNY5,050.00by2026-04-15',
      'fromday16overdue,interestof0.1%oftheunpaidamountaccruesperday',
    ])
      expect(text).toContain(phrase);
    const signature = mail.mail.attachments
      .find((a) => a.filename?.endsWith('.sig'))!
      .content.toString()
      .trim();
    expect(verifyLetter(pdf.content, signature, signer.publicKeyPem)).toBe(true);
    // Agreed once, sent once: the case's events replayed queue nothing again.
    await platform.caughtUp();
    expect(
      received.filter((m) => m.mail.subject === 'Repayment plan agreement for invoice INV-E6'),
    ).toHaveLength(1);
  });

  it('a 4xx answer is retried with backoff and then delivered; each answer is an event', async () => {
    await call(
      collections,
      'PUT',
      '/customers/C-3/contact-preferences',
      contacts('flaky@widgets.example', 'zh'),
      await asCollector(),
    );
    await overdueInvoice('INV-E3', 'C-3');
    const sent = await delivery('INV-E3', 'DELIVERED');
    expect(sent.attempts).toBe(2);
    const { events } = await collections.ctx.store.readStream('message-INV-E3-DUNNING_LETTER');
    expect(events.map((e: { type: string }) => e.type)).toEqual([
      'MessageQueued',
      'MessageDeliveryDeferred',
      'MessageDelivered',
    ]);
    expect(events[1].data).toMatchObject({
      reason: 'TEMPORARY_FAILURE',
      answer: expect.stringContaining('451'),
    });
    const mail = received.find((m) => m.to.includes('flaky@widgets.example'))!;
    expect(mail.mail.subject).toBe('正式催告：发票 INV-E3 已逾期 20 天');
  });

  it('a 5xx answer is a failure shown on the case and on the worklist', async () => {
    await call(
      collections,
      'PUT',
      '/customers/C-2/contact-preferences',
      contacts('bounce@widgets.example'),
      await asCollector(),
    );
    await overdueInvoice('INV-E2', 'C-2');
    const failed = await delivery('INV-E2', 'FAILED');
    expect(failed).toMatchObject({ attempts: 1, lastAnswer: expect.stringContaining('550') });
    await platform.caughtUp();
    const { body } = await call(collections, 'GET', '/worklist');
    expect(body.cases.find((c: { invoiceId: string }) => c.invoiceId === 'INV-E2').attention).toMatch(
      /DUNNING_LETTER .* not delivered \(PERMANENT_FAILURE\): .*550/,
    );
    expect(body.undelivered).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ invoiceId: 'INV-E2', lastAnswer: expect.stringContaining('550') }),
      ]),
    );
    expect(received.some((m) => m.to.includes('bounce@widgets.example'))).toBe(false);
  });

  it('no email to a customer without an email contact, nor by a channel they opted out of: a person takes it', async () => {
    await overdueInvoice('INV-E4', 'C-4');
    expect(await delivery('INV-E4', 'FAILED')).toMatchObject({
      attempts: 0,
      lastAnswer: expect.stringMatching(/no contact person/),
    });

    await call(
      collections,
      'PUT',
      '/customers/C-5/contact-preferences',
      contacts('stop@widgets.example'),
      await asCollector(),
    );
    const optOut = await call(
      collections,
      'POST',
      '/customers/C-5/contact-opt-outs',
      { channel: 'EMAIL', reason: 'asked by phone' },
      await asCollector(),
    );
    expect(optOut.body.optedOut).toEqual([{ channel: 'EMAIL', date: today, recordedBy: 'collector-1' }]);
    await overdueInvoice('INV-E5', 'C-5');
    expect(await delivery('INV-E5', 'FAILED')).toMatchObject({
      lastAnswer: expect.stringMatching(/recorded by collector-1/),
    });
    expect(received.some((m) => m.to.includes('stop@widgets.example'))).toBe(false);
    // sales may set them too; bi may not
    const bi = await call(
      collections,
      'POST',
      '/customers/C-5/contact-opt-ins',
      { channel: 'EMAIL' },
      await authHeaders(['bi']),
    );
    expect(bi.status).toBe(403);
    // Consent again takes a reason like the opt-out (#18 probe F4: it was a 400), recorded with who.
    const optIn = await call(
      collections,
      'POST',
      '/customers/C-5/contact-opt-ins',
      { channel: 'EMAIL', reason: 'agreed by phone to emails again' },
      await asCollector(),
    );
    expect(optIn.status).toBe(200);
    expect(optIn.body.optedOut).toEqual([]);
    const { events } = await collections.ctx.store.readStream('contact-C-5');
    expect(events.at(-1)).toMatchObject({
      type: 'ChannelOptedIn',
      data: { channel: 'EMAIL', reason: 'agreed by phone to emails again', recordedBy: 'collector-1' },
    });
  });

  it('contact preferences, opt-outs and opt-ins for a customer never registered are 404 naming customerId', async () => {
    const answers = [
      await call(
        collections,
        'PUT',
        '/customers/C-NOPE/contact-preferences',
        contacts('x@nope.example'),
        await asCollector(),
      ),
      await call(
        collections,
        'POST',
        '/customers/C-NOPE/contact-opt-outs',
        { channel: 'EMAIL' },
        await asCollector(),
      ),
      await call(
        collections,
        'POST',
        '/customers/C-NOPE/contact-opt-ins',
        { channel: 'EMAIL' },
        await asCollector(),
      ),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(404);
      expect(JSON.stringify(answer.body)).toContain('customerId');
      expect(JSON.stringify(answer.body)).toContain('C-NOPE');
    }
    const get = await call(
      collections,
      'GET',
      '/customers/C-NOPE/contact-preferences',
      undefined,
      await asCollector(),
    );
    expect(get.status).toBe(404);
  });
});
