import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allServices } from '@ar/all-in-one';
import { AuthEnv, authFromEnv, type RunningService } from '@ar/platform';
import { quietLogger } from '../support/infra';
import { CONTRACT_CLIENT_SECRET, KEYCLOAK_AUDIENCE, type Keycloak, keycloak } from '../support/keycloak';
import { inProcessPlatform } from '../support/platform';

const service = (name: string) => allServices.find((s) => s.name === name)!;

/**
 * Issue #15 item 5: the services against a real OpenID provider, Keycloak (infra/keycloak: the
 * server from Maven Central, realm `ar` of infra/keycloak/realm-ar.json). Each service is configured
 * as a deployment would be - OIDC_ISSUER the realm, OIDC_AUDIENCE, contract's OIDC_CLIENT_SECRET -
 * and called over HTTP with tokens Keycloak issued: people by the password grant (one user per
 * role), the contract service by client credentials. No Keycloak: this test fails, it never skips.
 */
describe('Keycloak: tokens of a real OpenID provider', () => {
  const platform = inProcessPlatform('kc', '2026-03-02');
  let kc: Keycloak;
  let credit: RunningService;
  let contract: RunningService;
  let invoicing: RunningService;

  /** A service's authentication exactly as `pnpm start:service` makes it from its environment. */
  const authOf = async (service: string, env: Record<string, string> = {}) =>
    (
      await authFromEnv(
        { development: false, dataDir: mkdtempSync(join(tmpdir(), 'ar-kc-')), logger: quietLogger, service },
        AuthEnv.parse({ OIDC_ISSUER: kc.issuer('ar'), OIDC_AUDIENCE: KEYCLOAK_AUDIENCE, ...env }),
      )
    ).auth;

  beforeAll(async () => {
    kc = await keycloak();
    credit = await platform.start(service('credit-scoring'), { auth: await authOf('credit-scoring') });
    process.env.CREDIT_SCORING_URL = credit.url;
    contract = await platform.start(service('contract'), {
      // CONTRACT_OIDC_CLIENT_SECRET of docker-compose; the client id is the service's name.
      auth: await authOf('contract', { OIDC_CLIENT_SECRET: CONTRACT_CLIENT_SECRET }),
    });
    invoicing = await platform.start(service('invoicing'), { auth: await authOf('invoicing') });
  }, 360_000);
  afterAll(async () => {
    delete process.env.CREDIT_SCORING_URL;
    await platform.stop();
  });

  /** Over HTTP, as a caller outside would. */
  const send = async (
    to: RunningService,
    method: 'GET' | 'POST',
    path: string,
    token?: string,
    body?: object,
  ) => {
    const res = await fetch(`${to.url}${path}`, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return {
      status: res.status,
      // biome-ignore lint/suspicious/noExplicitAny: JSON read field by field
      body: (await res.json()) as any,
      challenge: res.headers.get('www-authenticate'),
    };
  };
  const invoice = (invoiceId: string) => ({
    invoiceId,
    customerId: 'C-KC-INV',
    amount: 250_000,
    currency: 'CNY',
    issueDate: '2026-03-02',
    dueDate: '2026-04-01',
  });

  it('a finance user issues an invoice, recorded as that person; a BI user is refused with the role needed', async () => {
    const finance = await kc.userToken('finance');
    const issued = await send(invoicing, 'POST', '/invoices', finance, invoice('INV-KC-1'));
    expect(issued.status).toBe(201);

    const bi = await send(invoicing, 'POST', '/invoices', await kc.userToken('bi'), invoice('INV-KC-2'));
    expect(bi.status).toBe(403);
    expect(bi.body.message).toContain('finance');
    // BI reads, though.
    expect((await send(invoicing, 'GET', '/invoices/INV-KC-1', await kc.userToken('bi'))).status).toBe(200);

    // The audit trail names the Keycloak user: its subject, name and roles from the token.
    const history = await send(
      invoicing,
      'GET',
      '/invoices/INV-KC-1/history',
      await kc.userToken('management'),
    );
    expect(history.status).toBe(200);
    const subject = JSON.parse(Buffer.from(finance.split('.')[1]!, 'base64url').toString()).sub;
    expect(history.body.events[0].actor).toEqual({ subject, name: 'Finance Zhang', roles: ['finance'] });
  });

  it("the contract service's client-credentials token is a service client: credit checks yes, invoices no", async () => {
    const token = await kc.clientToken('contract', CONTRACT_CLIENT_SECRET);
    expect(
      (await send(credit, 'POST', '/customers', await kc.userToken('sales'), acme('C-KC-CHK'))).status,
    ).toBe(201);
    const check = await send(credit, 'POST', '/customers/C-KC-CHK/credit-checks', token, {
      amount: 10_000_000,
      currency: 'CNY',
    });
    expect(check.status).toBe(200);
    expect(check.body.approved).toBe(true);
    const refused = await send(invoicing, 'POST', '/invoices', token, invoice('INV-KC-3'));
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('finance');
    // A wrong secret gets no token at all.
    await expect(kc.clientToken('contract', 'not-the-secret')).rejects.toThrow(/401/);
  });

  it("contract signs against credit-scoring with its own Keycloak client's token, never the salesperson's", async () => {
    const sales = await kc.userToken('sales');
    expect((await send(credit, 'POST', '/customers', sales, acme('C-KC-SIGN'))).status).toBe(201);
    const drafted = await send(contract, 'POST', '/contracts', sales, {
      contractId: 'K-KC-1',
      customerId: 'C-KC-SIGN',
      title: 'Press line',
      value: 20_000_000,
      currency: 'CNY',
      milestones: [
        {
          milestoneId: 'ACCEPT',
          name: '100% on acceptance',
          percent: 100,
          trigger: 'ACCEPTANCE',
          term: { days: 10, basis: 'WORKING' },
        },
      ],
    });
    expect(drafted.status).toBe(201);
    const signed = await send(contract, 'POST', '/contracts/K-KC-1/sign', sales, {});
    expect({ status: signed.status, contract: signed.body.status }).toEqual({
      status: 200,
      contract: 'SIGNED',
    });

    // Credit-scoring reserved the value: only a service:contract token may (the route's one role),
    // and credit-scoring trusts only Keycloak's realm, so contract got it there by client credentials.
    const { body: file } = await send(
      credit,
      'GET',
      '/customers/C-KC-SIGN/credit',
      await kc.userToken('risk'),
    );
    expect(file.exposure.total).toBe(20_000_000);
    // The signing itself is the salesperson's, by name.
    const history = await send(contract, 'GET', '/contracts/K-KC-1/history', await kc.userToken('legal'));
    expect(history.body.events.map((e: { actor: { name?: string } }) => e.actor.name)).toContain('Sales Li');
    // The same signing by the salesperson's own token straight at credit-scoring is refused.
    const direct = await send(credit, 'POST', '/customers/C-KC-SIGN/credit-reservations', sales, {
      reservationId: 'K-KC-X',
      amount: 1,
      currency: 'CNY',
    });
    expect(direct.status).toBe(403);
  });

  it('a token of another realm (another issuer, another key) is a 401, even with the role', async () => {
    const foreign = await kc.userToken('finance', 'other');
    const res = await send(invoicing, 'POST', '/invoices', foreign, invoice('INV-KC-4'));
    expect(res.status).toBe(401);
    expect(res.challenge).toMatch(/^Bearer .*error="invalid_token"/);
    const none = await send(invoicing, 'GET', '/invoices/INV-KC-1');
    expect(none.status).toBe(401);
  });
});

function acme(customerId: string) {
  return {
    customerId,
    name: `${customerId} Ltd`,
    industry: 'MANUFACTURING',
    region: 'East China',
    headcount: 200,
    annualRevenue: 5_000_000_000,
    expectedAnnualValue: 100_000_000,
    registrationNumber: `R-${customerId}`,
    registeredDate: '2015-06-01',
    salesOwner: 'sales-li',
  };
}
