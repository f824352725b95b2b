import { Unauthenticated } from './authenticator';
import { DevIssuer } from './dev-issuer';

/**
 * What a token from the trusted issuer may say about its caller (#15 probe F7): the subject is
 * recorded as the actor of every command, so it must name someone, in text PostgreSQL can store.
 */
describe('the caller a token names', () => {
  let issuer: DevIssuer;
  beforeAll(async () => {
    issuer = await DevIssuer.create();
  });

  it('refuses a token whose subject is empty: 401 invalid_token saying why', async () => {
    const auth = issuer.authenticator();
    const token = await issuer.token({ roles: ['finance'], subject: '', name: 'Nobody' });
    const refused = auth.authenticate(token);
    await expect(refused).rejects.toThrow(Unauthenticated);
    await expect(refused).rejects.toMatchObject({
      oauthError: 'invalid_token',
      message: "the token's sub claim is empty: it must name the caller",
    });
  });

  it('refuses a token whose subject holds a control character (a NUL was a 500 on every command)', async () => {
    const auth = issuer.authenticator();
    for (const subject of ['fay\u0000', 'fay\nadmin', '\u007f']) {
      const token = await issuer.token({ roles: ['finance'], subject });
      await expect(auth.authenticate(token)).rejects.toMatchObject({
        name: 'Unauthenticated',
        oauthError: 'invalid_token',
        message: "the token's sub claim holds a control character (U+0000 to U+001F or U+007F to U+009F)",
      });
    }
  });

  it('removes control characters from the name, keeping the rest', async () => {
    const auth = issuer.authenticator();
    const token = await issuer.token({
      roles: ['finance'],
      subject: 'fay',
      name: 'Fay\u0000 Fin\u001bance\r\n',
    });
    expect(await auth.authenticate(token)).toEqual({
      subject: 'fay',
      name: 'Fay Finance',
      roles: ['finance'],
    });
    // A name that is nothing but control characters is no name.
    const blank = await issuer.token({ roles: ['finance'], subject: 'fay', name: '\u0000\u0001' });
    expect(await auth.authenticate(blank)).toEqual({ subject: 'fay', roles: ['finance'] });
  });
});
