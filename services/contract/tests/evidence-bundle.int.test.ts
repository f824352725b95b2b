import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectionsService } from '@ar/collections';
import { creditScoringService } from '@ar/credit-scoring';
import { invoicingService } from '@ar/invoicing';
import {
  CompanySigner,
  type RunningService,
  unzipBundle as unzipSync,
  zipFiles as zipSync,
} from '@ar/platform';
import { Pool } from 'pg';
import { authHeaders } from '../../../tests/support/auth';
import { eventually } from '../../../tests/support/infra';
import { call, inProcessPlatform } from '../../../tests/support/platform';
import { contractService } from '../src/service';

const repoRoot = join(__dirname, '..', '..', '..');

/** `pnpm verify-evidence <file>`: its exit code and what it printed. */
function verifyEvidence(file: string, ...args: string[]) {
  const run = spawnSync('pnpm', ['-s', 'verify-evidence', file, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

/** The zip with one byte of `file` changed: the `offset`th of the first occurrence of `text`. */
function flipByte(zip: Uint8Array, file: string, text: string | Buffer, offset = 0): Uint8Array {
  const files = unzipSync(zip);
  const bytes = Buffer.from(files[file]!);
  const at = bytes.indexOf(text) + offset;
  if (at < offset) throw new Error(`no ${text} in ${file}`);
  bytes[at] = bytes[at]! ^ 0x01;
  files[file] = new Uint8Array(bytes);
  return zipSync(files);
}

/**
 * The tamper-evident trail end to end (issue 18 item 4): a contract accepted, its invoice partly
 * paid and 20 days overdue (the dunning letter, a signed PDF), each service's store hash-chained
 * and checkpointed; GET /evidence/contracts/:id assembles one zip from contract, invoicing and
 * collections, and `pnpm verify-evidence` checks it offline: intact it passes; one byte changed in
 * an event or in the letter's PDF, or an event edited in the database after it was chained, fails
 * naming the record and field.
 */
describe('evidence bundle', () => {
  const platform = inProcessPlatform('evid', '2026-01-05');
  const key = generateKeyPairSync('ed25519').privateKey;
  const signer = new CompanySigner(key, false);
  const dir = mkdtempSync(join(tmpdir(), 'evidence-'));
  const pool = new Pool({ connectionString: platform.databaseUrl, max: 2 });
  let credit: RunningService;
  let contract: RunningService;
  let invoicing: RunningService;
  let collections: RunningService;
  let invoiceId: string;
  let letterMessageId: string;
  const saved = {
    key: process.env.LETTER_SIGNING_KEY,
    invoicing: process.env.INVOICING_URL,
    collections: process.env.COLLECTIONS_URL,
  };

  beforeAll(async () => {
    // The company key of every service (the letters' seal and the checkpoints').
    process.env.LETTER_SIGNING_KEY = key.export({ type: 'pkcs8', format: 'pem' }).toString();
    const evidence = { evidence: { signer, checkpointIntervalMs: 3_600_000 } };
    credit = await platform.start(creditScoringService, evidence);
    process.env.CREDIT_SCORING_URL = credit.url;
    invoicing = await platform.start(invoicingService, evidence);
    collections = await platform.start(collectionsService, evidence);
    process.env.INVOICING_URL = invoicing.url;
    process.env.COLLECTIONS_URL = collections.url;
    contract = await platform.start(contractService, evidence);
  }, 120_000);
  afterAll(async () => {
    for (const [name, value] of [
      ['LETTER_SIGNING_KEY', saved.key],
      ['INVOICING_URL', saved.invoicing],
      ['COLLECTIONS_URL', saved.collections],
    ] as const)
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    delete process.env.CREDIT_SCORING_URL;
    await platform.stop();
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  });

  const moveTo = async (day: string) => {
    expect((await call(contract, 'PUT', '/admin/clock', { today: day })).status).toBe(200);
    await platform.caughtUp();
  };
  const all = () => [credit, contract, invoicing, collections];
  async function chainedAndCheckpointed() {
    await platform.caughtUp();
    for (const s of all()) await s.ctx.evidence!.caughtUp();
    for (const s of all()) await s.ctx.evidence!.checkpoint();
  }
  async function exportBundle(path: string, roles: ('legal' | 'finance' | 'management')[] = ['legal']) {
    const res = await contract.app.inject({
      method: 'GET',
      url: path,
      headers: await authHeaders(roles, 'legal-1'),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    return new Uint8Array(res.rawPayload);
  }
  const save = (name: string, zip: Uint8Array) => {
    const file = join(dir, name);
    writeFileSync(file, zip);
    return file;
  };

  it('a contract, its invoice, a payment and the dunning letter, exported and verified offline', async () => {
    expect(
      (
        await call(credit, 'POST', '/customers', {
          customerId: 'C-EV',
          name: 'Evidence Ltd',
          industry: 'MANUFACTURING',
          region: 'East China',
          headcount: 200,
          annualRevenue: 5_000_000_000,
          expectedAnnualValue: 100_000_000,
          registrationNumber: 'R-EV',
          registeredDate: '2015-06-01',
          salesOwner: 'sales-li',
        })
      ).status,
    ).toBe(201);
    // The customer's contact preferences (collections' contact-C-EV stream): the letters depend on them.
    await eventually(
      async () =>
        (
          await call(collections, 'PUT', '/customers/C-EV/contact-preferences', {
            contacts: [{ name: 'Li Wei', email: 'ap@evidence.example', role: 'accounts payable' }],
            channel: 'EMAIL',
            language: 'en',
            quietDays: [],
          })
        ).status === 200 || undefined,
      60_000,
      'the contact preferences of C-EV',
    );
    expect(
      (
        await call(contract, 'POST', '/contracts', {
          contractId: 'K-EV',
          customerId: 'C-EV',
          title: 'Filling line',
          value: 10_000_000,
          currency: 'CNY',
          milestones: [
            {
              milestoneId: 'ACCEPT',
              name: 'all on acceptance',
              percent: 100,
              trigger: 'ACCEPTANCE',
              term: { days: 3, basis: 'WORKING' },
            },
          ],
        })
      ).status,
    ).toBe(201);
    expect((await call(contract, 'POST', '/contracts/K-EV/sign', {})).body.status).toBe('SIGNED');
    expect((await call(contract, 'POST', '/contracts/K-EV/acceptances', { date: '2026-01-05' })).status).toBe(
      200,
    );
    invoiceId = await eventually(
      async () =>
        (await call(contract, 'GET', '/contracts/K-EV')).body.milestones?.find(
          (m: { invoiceId?: string }) => m.invoiceId,
        )?.invoiceId as string | undefined,
      90_000,
      'the acceptance invoice',
    );
    expect(
      (
        await call(invoicing, 'POST', '/payments', {
          paymentId: 'P-EV',
          customerId: 'C-EV',
          amount: 1_000_000,
          currency: 'CNY',
          channel: 'BANK_TRANSFER',
          remittance: [{ invoiceId }],
        })
      ).status,
    ).toBe(201);
    // Due 2026-01-08; day 20 overdue is 2026-01-28: the formal dunning letter went on day 16 or after.
    for (
      let day = new Date('2026-01-06');
      day <= new Date('2026-01-28');
      day.setUTCDate(day.getUTCDate() + 1)
    )
      await moveTo(day.toISOString().slice(0, 10));
    const letter = await eventually(
      async () => {
        const { body } = await call(collections, 'GET', `/cases/${invoiceId}`);
        return body.deliveries?.find((d: { letter?: string }) => d.letter === 'DUNNING_LETTER') as
          | { messageId: string }
          | undefined;
      },
      90_000,
      'the dunning letter',
    );
    letterMessageId = letter.messageId;
    await chainedAndCheckpointed();
    // Each checkpoint is published on the evidence topic (the relay's way, from the store).
    const published = await eventually(
      async () => {
        const m = platform.bus.retained.get(platform.topics.evidence) ?? [];
        return m.length >= 4 ? m : undefined;
      },
      60_000,
      'the checkpoints on the evidence topic',
    );
    expect(new Set(published.map((m) => m.headers.ce_type))).toEqual(
      new Set(
        ['credit-scoring', 'contract', 'invoicing', 'collections'].map(
          (s) => `ar.${s}.EvidenceCheckpointSigned.v1`,
        ),
      ),
    );

    const zip = await exportBundle('/evidence/contracts/K-EV');
    const files = unzipSync(zip);
    const names = Object.keys(files);
    const types = names
      .filter((n) => n.includes('/events/'))
      .map(
        (n) =>
          (JSON.parse(Buffer.from(files[n]!).toString('utf8')) as { event: { type: string } }).event.type,
      );
    expect(types).toEqual(
      expect.arrayContaining([
        'ContractDrafted',
        'ContractSigned',
        'MilestoneReached',
        'InvoiceIssued',
        'PaymentReceived',
        'MessageQueued',
      ]),
    );
    const pdf = `collections/documents/message-${letter.messageId}.v1.pdf`;
    expect(names).toEqual(
      expect.arrayContaining([
        pdf,
        `${pdf}.sig`,
        'contract/public-key.pem',
        'manifest.json',
        'collections/events/contact-C-EV/000001.json',
      ]),
    );
    expect(names.some((n) => n.startsWith('invoicing/checkpoints/'))).toBe(true);

    const intact = verifyEvidence(save('intact.zip', zip));
    expect(intact.out).toMatch(/^OK: \d+ records, \d+ signed checkpoints, 1 documents verified/);
    expect(intact.status).toBe(0);
    const trusted = join(dir, 'company.pem');
    writeFileSync(trusted, signer.publicKeyPem);
    expect(verifyEvidence(join(dir, 'intact.zip'), '--key', trusted).status).toBe(0);

    // One byte of the invoice's amount in its first event (10000000 -> 11000000).
    const eventFile = `invoicing/events/invoice-${invoiceId}/000001.json`;
    const event = verifyEvidence(save('event.zip', flipByte(zip, eventFile, '10000000', 1)));
    expect(event.status).toBe(1);
    expect(event.out).toContain(`ALTERED: ${eventFile} field event.data`);

    // One byte of the letter's PDF.
    const document = verifyEvidence(save('pdf.zip', flipByte(zip, pdf, Buffer.from('/Type'))));
    expect(document.status).toBe(1);
    expect(document.out).toContain(`ALTERED: ${pdf} field bytes`);

    // The invoice route of the same record: the invoice, its payment, its contract, its case and letter.
    const byInvoice = unzipSync(await exportBundle(`/evidence/invoices/${invoiceId}`, ['finance']));
    expect(Object.keys(byInvoice)).toEqual(
      expect.arrayContaining([
        eventFile,
        'contract/events/contract-K-EV/000001.json',
        pdf,
        'collections/events/contact-C-EV/000001.json',
      ]),
    );
    expect(verifyEvidence(save('invoice.zip', zipSync(byInvoice))).status).toBe(0);
  }, 400_000);

  it('a file that is not a zip cannot be read: exit 2, as for a file that is not there', () => {
    const file = join(dir, 'notazip.bin');
    writeFileSync(file, 'not a zip at all\n');
    const report = verifyEvidence(file);
    expect(report.out).toContain('not a readable zip');
    expect(report.out).not.toContain('ALTERED');
    expect(report.status).toBe(2);
  });

  it("the export time is the wall clock's: with the business day ahead of it, records after the last checkpoint are not yet anchored", async () => {
    // The business day moved past the real one (in steps: one move goes at most a year); events
    // appended since the last checkpoint, recorded by the wall clock, are then moments old.
    const ahead = Date.parse(new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10));
    for (let day = Date.parse('2026-01-28'); day < ahead; ) {
      day = Math.min(day + 300 * 86_400_000, ahead);
      await moveTo(new Date(day).toISOString().slice(0, 10));
    }
    expect(
      (
        await call(invoicing, 'POST', '/payments', {
          paymentId: 'P-EV2',
          customerId: 'C-EV',
          amount: 1_000,
          currency: 'CNY',
          channel: 'BANK_TRANSFER',
          remittance: [{ invoiceId }],
        })
      ).status,
    ).toBe(201);
    await platform.caughtUp();
    for (const s of all()) await s.ctx.evidence!.caughtUp();
    const zip = await exportBundle(`/evidence/invoices/${invoiceId}`);
    const manifest = JSON.parse(Buffer.from(unzipSync(zip)['manifest.json']!).toString('utf8')) as {
      generatedAt: string;
    };
    expect(Math.abs(Date.parse(manifest.generatedAt) - Date.now())).toBeLessThan(120_000);
    const report = verifyEvidence(save('ahead.zip', zip));
    expect(report.out).not.toContain('UNANCHORED');
    expect(report.out).toContain('not yet covered by a signed checkpoint');
    expect(report.status).toBe(0);
  }, 120_000);

  it('whole streams deleted in the database (the consent record, the signed letter) fail, named as missing', async () => {
    // Found by an independent probe: with both streams gone the bundle simply had no files for them
    // and verified OK, though collections' chain still held their rows.
    const schema = `${platform.run}_collections`;
    const letterStream = `message-${letterMessageId}`;
    const deleted = await pool.query(`delete from ${schema}.events where stream_id = any($1)`, [
      ['contact-C-EV', letterStream],
    ]);
    expect(deleted.rowCount).toBeGreaterThan(1);
    const zip = await exportBundle(`/evidence/invoices/${invoiceId}`);
    const names = Object.keys(unzipSync(zip));
    expect(names.some((n) => n.startsWith('collections/events/contact-C-EV/'))).toBe(false);
    const report = verifyEvidence(save('deleted-streams.zip', zip));
    expect(report.status).toBe(1);
    expect(report.out).toMatch(
      /MISSING: collections\/contact-C-EV versions? [\d-]+ chained but not in the store/,
    );
    expect(report.out).toMatch(
      new RegExp(`MISSING: collections/${letterStream} versions? [\\d-]+ chained but not in the store`),
    );
  });

  it('an event edited in the database after it was chained no longer matches its chain', async () => {
    const schema = `${platform.run}_invoicing`;
    await pool.query(
      `update ${schema}.events set data = jsonb_set(data, '{amount}', '1') where stream_id = $1 and stream_position = 1`,
      [`invoice-${invoiceId}`],
    );
    const report = verifyEvidence(
      save('edited.zip', await exportBundle('/evidence/contracts/K-EV', ['management'])),
    );
    expect(report.status).toBe(1);
    expect(report.out).toContain(
      `ALTERED: invoicing/events/invoice-${invoiceId}/000001.json field event.data`,
    );
  });

  it('only legal, finance and management export evidence', async () => {
    const res = await contract.app.inject({
      method: 'GET',
      url: '/evidence/contracts/K-EV',
      headers: await authHeaders(['sales'], 'sales-1'),
    });
    expect(res.statusCode).toBe(403);
  });
});
