import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_ROLES, DEFAULT_ROLE_CLAIMS, DEV_AUDIENCE, serviceRoles } from '../../packages/platform/src';

type Mapper = { protocolMapper: string; config: Record<string, string> };
type Realm = {
  realm: string;
  roles: { realm: { name: string }[] };
  clients: {
    clientId: string;
    publicClient: boolean;
    serviceAccountsEnabled?: boolean;
    directAccessGrantsEnabled?: boolean;
    protocolMappers: Mapper[];
  }[];
  users: { username: string; serviceAccountClientId?: string; realmRoles: string[] }[];
};

const realm = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, `realm-${name}.json`), 'utf8')) as Realm;

/**
 * The Keycloak realm the tests and the README's worked example import follows the code's role table:
 * a role added there and not here would only show as a 403 against a real Keycloak.
 */
describe('infra/keycloak/realm-ar.json', () => {
  const ar = realm('ar');

  it("has every role of the role table as a realm role, and a user holding each person's role", () => {
    expect(ar.roles.realm.map((r) => r.name).sort()).toEqual([...ALL_ROLES].sort());
    for (const role of ALL_ROLES.filter((r) => !r.startsWith('service:')))
      expect(ar.users.find((u) => u.username === role)?.realmRoles).toEqual([role]);
  });

  it("puts the audience and the roles in every client's access tokens, where the services read them", () => {
    for (const client of ar.clients) {
      const mapper = (type: string) => client.protocolMappers.find((m) => m.protocolMapper === type)?.config;
      expect(mapper('oidc-audience-mapper')).toMatchObject({
        'included.custom.audience': DEV_AUDIENCE,
        'access.token.claim': 'true',
      });
      const roles = mapper('oidc-usermodel-realm-role-mapper');
      expect(DEFAULT_ROLE_CLAIMS).toContain(roles?.['claim.name']);
      expect(roles).toMatchObject({ multivalued: 'true', 'access.token.claim': 'true' });
    }
  });

  it("gives the contract service a confidential client whose service account holds the service's role", () => {
    const contract = ar.clients.find((c) => c.clientId === 'contract');
    expect(contract).toMatchObject({
      publicClient: false,
      serviceAccountsEnabled: true,
      directAccessGrantsEnabled: false,
    });
    const account = ar.users.find((u) => u.serviceAccountClientId === 'contract');
    expect(account?.realmRoles).toEqual(serviceRoles('contract'));
  });

  it('has another realm, an issuer the services do not trust, with the same roles', () => {
    const other = realm('other');
    expect(other.realm).not.toBe(ar.realm);
    expect(other.users.find((u) => u.username === 'finance')?.realmRoles).toEqual(['finance']);
  });
});
