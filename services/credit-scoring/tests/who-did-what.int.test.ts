import { invoicingService } from '@ar/invoicing';
import { InProcessBus } from '@ar/messaging';
import { BusinessClock, type Role, type RunningService, startService } from '@ar/platform';
import { AppendNotifier } from '@ar/postgres';
import { authHeaders, testAuth } from '../../../tests/support/auth';
import { quietLogger, testInfra, unique } from '../../../tests/support/infra';
import { call } from '../../../tests/support/platform';
import { acmeProfile } from '../src/customer/fixtures';
import { creditScoringService } from '../src/service';

/**
 * Issue #15 items 2 and 3 with distinct people: each committee vote is cast by its own
 * authenticated person holding the member's role; overrides need risk; a write-off needs finance;
 * the audit trail names who did each thing from their token, never from a header they send.
 */
describe('who may do what, and who did it', () => {
  const { databaseUrl } = testInfra();
  const run = unique('who');
  const notifier = new AppendNotifier(databaseUrl);
  let credit: RunningService;
  let invoicing: RunningService;

  beforeAll(async () => {
    await notifier.start();
    const infra = {
      databaseUrl,
      bus: new InProcessBus(),
      notifier,
      logger: quietLogger,
      host: '127.0.0.1',
      port: 0,
      auth: testAuth,
      clock: new BusinessClock('2026-03-02'),
    };
    credit = await startService(creditScoringService, { ...infra, schema: `${run}_credit` });
    invoicing = await startService(invoicingService, { ...infra, schema: `${run}_invoicing` });
  });
  afterAll(async () => {
    await invoicing.stop();
    await credit.stop();
    await notifier.stop();
  });

  /** A request by one person: their subject, name and roles in a token of the test issuer. */
  const as =
    (subject: string, roles: Role[], name = subject) =>
    async (service: RunningService, method: 'GET' | 'POST', url: string, payload?: object, headers = {}) =>
      call(service, method, url, payload, { ...(await authHeaders(roles, subject, name)), ...headers });
  const sam = as('sam', ['sales'], 'Sam Sales');
  const fay = as('fay', ['finance'], 'Fay Finance');
  const lee = as('lee', ['legal'], 'Lee Legal');
  const rita = as('rita', ['risk'], 'Rita Risk');
  const bianca = as('bianca', ['bi']);
  const salesAndFinance = as('sam2', ['sales', 'finance']);
  const anonymous = (service: RunningService, method: 'GET' | 'POST', url: string, payload?: object) =>
    call(service, method, url, payload, { authorization: '' });

  const customerId = 'C-WHO';
  const vote = (member: string, approve = true) => ({
    member,
    approve,
    reason: `${member} agrees`,
    amount: 20_000_000,
  });
  const votesUrl = `/customers/${customerId}/committee-decisions/X-1/votes`;

  it('registers the customer as the salesperson who did it', async () => {
    expect((await anonymous(credit, 'POST', '/customers', { ...acmeProfile, customerId })).status).toBe(401);
    expect((await bianca(credit, 'POST', '/customers', { ...acmeProfile, customerId })).status).toBe(403);
    expect((await sam(credit, 'POST', '/customers', { ...acmeProfile, customerId })).status).toBe(201);
  });

  it('overrides need the risk role: an x-role header changes nothing, and the decider is the token', async () => {
    const forged = await sam(
      credit,
      'POST',
      `/customers/${customerId}/limit-override`,
      { limit: 900_000_000_000, reason: 'trust me', decidedBy: 'rita' },
      { 'x-role': 'risk', 'x-actor': 'rita' },
    );
    expect(forged.status).toBe(403);
    expect(forged.body.message).toContain('risk');
    const override = await rita(credit, 'POST', `/customers/${customerId}/limit-override`, {
      limit: 200_000_000,
      reason: 'audited accounts',
      decidedBy: 'someone-else',
    });
    expect(override.status).toBe(200);
    expect(override.body.limit).toBe(200_000_000);
  });

  it('each committee vote is cast by a distinct person holding that member role', async () => {
    // Finance cannot vote for legal; one person cannot be two members.
    const asLegal = await fay(credit, 'POST', votesUrl, vote('LEGAL'));
    expect(asLegal.status).toBe(403);
    expect(asLegal.body.message).toContain('legal');
    expect((await sam(credit, 'POST', votesUrl, vote('SALES'))).status).toBe(200);
    const twice = await salesAndFinance(credit, 'POST', votesUrl, vote('FINANCE'));
    expect(twice.status).toBe(200); // another person (sam2) holding finance: allowed
    const third = await salesAndFinance(credit, 'POST', votesUrl, vote('LEGAL'));
    expect(third.status).toBe(403); // sam2 holds no legal role
    const decided = await lee(credit, 'POST', votesUrl, vote('LEGAL'));
    expect(decided.status).toBe(200);
    // The approved exception raises what the check allows: 200,000,000 limit + 20,000,000.
    const check = await sam(credit, 'POST', `/customers/${customerId}/credit-checks`, {
      amount: 210_000_000,
      currency: 'CNY',
    });
    expect(check.body).toMatchObject({ approved: true, exceptionAllowance: 20_000_000 });
  });

  it("one person cannot cast two members' votes", async () => {
    const url = `/customers/${customerId}/committee-decisions/X-2/votes`;
    expect((await salesAndFinance(credit, 'POST', url, vote('SALES'))).status).toBe(200);
    const again = await salesAndFinance(credit, 'POST', url, vote('FINANCE'));
    expect(again.status).toBe(422);
    expect(again.body.error).toBe('ONE_VOTE_PER_PERSON');
  });

  it("the customer's audit trail names each person from their token", async () => {
    expect((await sam(credit, 'GET', `/customers/${customerId}/history`)).status).toBe(403);
    const history = await rita(credit, 'GET', `/customers/${customerId}/history`);
    expect(history.status).toBe(200);
    const who = history.body.events.map((e: { type: string; actor: { subject: string } }) => [
      e.type,
      e.actor.subject,
    ]);
    expect(who).toEqual(
      expect.arrayContaining([
        ['CustomerRegistered', 'sam'],
        ['CreditLimitChanged', 'rita'],
        ['CreditCommitteeVoteCast', 'sam'],
        ['CreditCommitteeVoteCast', 'sam2'],
        ['CreditCommitteeVoteCast', 'lee'],
        ['CreditCommitteeDecided', 'lee'],
      ]),
    );
    expect(who.map(([, subject]: string[]) => subject)).not.toContain('mallory');
    const override = history.body.events
      .filter((e: { type: string }) => e.type === 'CreditLimitChanged')
      .at(-1);
    expect(override.actor).toEqual({ subject: 'rita', name: 'Rita Risk', roles: ['risk'] });
    // The stored fact names the decider from the token too, not the body's "someone-else".
    const stored = await credit.ctx.store.readStream(`customer-${customerId}`);
    const changed = stored.events.filter((e) => e.type === 'CreditLimitChanged').at(-1);
    expect(changed?.data).toMatchObject({ decidedBy: 'rita' });
    const decided = stored.events.find((e) => e.type === 'CreditCommitteeDecided');
    expect((decided!.data as { votes: { voter: string }[] }).votes.map((v) => v.voter)).toEqual([
      'sam',
      'sam2',
      'lee',
    ]);
  });

  it('a write-off needs finance, and the invoice history says who wrote it off', async () => {
    const invoice = {
      invoiceId: 'INV-WHO',
      customerId,
      amount: 100_000,
      currency: 'CNY',
      issueDate: '2026-01-05',
      dueDate: '2026-02-04',
    };
    expect((await fay(invoicing, 'POST', '/invoices', invoice)).status).toBe(201);
    const writeOff = { reason: 'customer insolvent' };
    expect((await anonymous(invoicing, 'POST', '/invoices/INV-WHO/write-offs', writeOff)).status).toBe(401);
    const bySales = await sam(invoicing, 'POST', '/invoices/INV-WHO/write-offs', writeOff, {
      'x-role': 'finance',
    });
    expect(bySales.status).toBe(403);
    expect(bySales.body.message).toContain('finance');
    expect((await fay(invoicing, 'POST', '/invoices/INV-WHO/write-offs', writeOff)).status).toBe(200);
    const history = await as('mona', ['management'])(invoicing, 'GET', '/invoices/INV-WHO/history');
    expect(history.status).toBe(200);
    expect(
      history.body.events.map((e: { type: string; actor: { subject: string } }) => [e.type, e.actor.subject]),
    ).toEqual(
      expect.arrayContaining([
        ['InvoiceIssued', 'fay'],
        ['InvoiceWrittenOff', 'fay'],
      ]),
    );
  });
});
