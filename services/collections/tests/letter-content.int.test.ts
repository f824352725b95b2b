import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LATE_FEE_TERMS } from '@ar/contracts';
import { addDays } from '@ar/kernel';
import type { ParsedMail } from 'mailparser';
import { authHeaders } from '../../../tests/support/auth';
import { call, inProcessPlatform } from '../../../tests/support/platform';
import { caseHandler } from '../src/case/handler';
import { collectionsServiceWith } from '../src/service';
import { registerCustomers, TestMailServer } from './support/mail-server';

/**
 * What the letters that reach people say (#18 probe F5, F10, G, A), at a real SMTP server: the
 * debtor company and the contract named, subject and body in the customer's language, the plan's
 * guarantee in the agreement, attachment names without ':'.
 */
describe('letter content as delivered', () => {
  const today = '2026-03-02'; // a Monday
  const dueDate = addDays(today, -20);
  const platform = inProcessPlatform('lettercontent', today);
  const mailServer = new TestMailServer();
  const received = () => mailServer.received.map((m) => m.mail);
  const dir = mkdtempSync(join(tmpdir(), 'letter-content-'));
  // biome-ignore lint/suspicious/noExplicitAny: the running service, started in beforeAll
  let collections: any;

  beforeAll(async () => {
    await mailServer.start();
    collections = await platform.start(collectionsServiceWith(() => mailServer.deliverySettings()));
    await registerCustomers(collections, { 'C-Z': '北京小部件有限公司', 'C-G': 'Beijing Widgets Co' });
  });
  afterAll(async () => {
    await platform.stop();
    await mailServer.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function overdueInvoice(invoiceId: string, customerId: string, customerName: string) {
    const handler = caseHandler(collections.ctx);
    const meta = { metadata: { correlationId: `test:${invoiceId}`, actor: 'test' } };
    await handler.execute(
      invoiceId,
      {
        type: 'TrackInvoice',
        data: {
          invoiceId,
          customerId,
          customerName,
          contractId: 'CT-2025-019',
          amount: 1_000_000,
          currency: 'CNY',
          dueDate,
          lateFeeTerms: DEFAULT_LATE_FEE_TERMS,
        },
      },
      meta,
    );
    await handler.execute(invoiceId, { type: 'RunDay', data: { today, tier: 'COOPERATIVE' } }, meta);
  }
  const preferences = async (customerId: string, email: string, language: 'en' | 'zh') =>
    call(
      collections,
      'PUT',
      `/customers/${customerId}/contact-preferences`,
      {
        contacts: [{ name: 'Li Wei', email, role: 'accounts payable' }],
        channel: 'EMAIL',
        language,
        quietDays: [],
      },
      await authHeaders(['collector'], 'collector-1'),
    );
  async function until<T>(what: string, probe: () => T | undefined, ms = 20_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const value = probe();
      if (value !== undefined) return value;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const pdfText = (mail: ParsedMail, name: string) => {
    const pdf = mail.attachments.find((a) => a.contentType === 'application/pdf')!;
    writeFileSync(join(dir, name), pdf.content);
    return execFileSync('pdftotext', [join(dir, name), '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
  };

  it('a zh customer: the dunning letter names the company and the contract; subject, body in Chinese; a safe name', async () => {
    expect((await preferences('C-Z', 'ap@xiaobujian.example', 'zh')).status).toBe(200);
    await overdueInvoice('INV:2026:7', 'C-Z', '北京小部件有限公司');
    const mail = await until('the dunning letter', () =>
      received().find((m) => m.subject?.startsWith('正式催告')),
    );
    expect(mail.subject).toBe('正式催告：发票 INV:2026:7 已逾期 20 天');
    expect(mail.text).toContain('尊敬的 北京小部件有限公司');
    expect(mail.text).not.toContain('Dear');
    expect(mail.attachments.map((a) => a.filename)).toEqual([
      'DUNNING_LETTER-INV-2026-7.pdf',
      'DUNNING_LETTER-INV-2026-7.pdf.sig',
    ]);
    const text = pdfText(mail, 'zh.pdf');
    expect(text).toContain('致：北京小部件有限公司（联系人：LiWei）');
    expect(text).toContain('该发票开具给北京小部件有限公司，依据双方合同CT-2025-019');
  });

  it("the plan agreement states the plan's guarantee", async () => {
    await preferences('C-G', 'plan@widgets.example', 'en');
    await overdueInvoice('INV-G1', 'C-G', 'Beijing Widgets Co');
    const agreed = await call(
      collections,
      'POST',
      '/cases/INV-G1/instalment-plans',
      {
        planId: 'PLAN-G1',
        instalments: [{ dueDate: '2026-03-16', amount: 1_000_000 }],
        guarantee: { guarantor: 'Zhang San', kind: 'PERSONAL', amount: 500_000 },
      },
      await authHeaders(['finance'], 'finance-1'),
    );
    expect(agreed.status).toBe(200);
    const mail = await until('the agreement', () =>
      received().find((m) => m.subject === 'Repayment plan agreement for invoice INV-G1'),
    );
    expect(pdfText(mail, 'plan.pdf')).toContain(
      'Guarantee:ZhangSangivesapersonalguaranteeforCNY5,000.00oftheamountsowedunderthisplan.',
    );
  });
});
