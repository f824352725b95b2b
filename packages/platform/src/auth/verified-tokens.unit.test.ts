import { Unauthenticated } from './authenticator';
import { DevIssuer } from './dev-issuer';

/**
 * A client sends the same bearer token with every request (#17: the command path over HTTP); its
 * signature is checked once, then the token is known until it expires or the issuer's keys no
 * longer give the key it was checked with.
 */
describe('verified tokens', () => {
  let issuer: DevIssuer;
  beforeAll(async () => {
    issuer = await DevIssuer.create();
  });
  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  it('checks the signature of a token once, and still each new token', async () => {
    const auth = issuer.authenticator();
    const token = await issuer.token({ roles: ['finance'], subject: 'fay', name: 'Fay' });
    const verify = jest.spyOn(crypto.subtle, 'verify');
    const first = await auth.authenticate(token);
    expect(first).toEqual({ subject: 'fay', name: 'Fay', roles: ['finance'] });
    first.roles.push('admin'); // what a caller does with its copy changes nothing kept
    for (let i = 0; i < 5; i++)
      expect(await auth.authenticate(token)).toEqual({ subject: 'fay', name: 'Fay', roles: ['finance'] });
    expect(verify).toHaveBeenCalledTimes(1);
    // Another token (another caller, or the same claims signed again) is checked in full.
    await auth.authenticate(await issuer.token({ roles: ['bi'], subject: 'bo' }));
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it('refuses a known token once it has expired, as a full check would', async () => {
    const auth = issuer.authenticator();
    const token = await issuer.token({ roles: ['finance'], expiresInSeconds: 60 });
    await auth.authenticate(token);
    // Only the clock moves: 60 s of validity and 30 s of tolerance later.
    jest.useFakeTimers({
      doNotFake: [
        'nextTick',
        'setImmediate',
        'setTimeout',
        'setInterval',
        'clearTimeout',
        'clearInterval',
        'queueMicrotask',
      ],
      now: Date.now() + 91_000,
    });
    await expect(auth.authenticate(token)).rejects.toThrow(Unauthenticated);
    await expect(auth.authenticate(token)).rejects.toThrow('the token has expired');
  });

  it('does not keep a token that was refused', async () => {
    const auth = issuer.authenticator();
    const token = await issuer.token({ roles: ['finance'], subject: '' });
    await expect(auth.authenticate(token)).rejects.toThrow(Unauthenticated);
    await expect(auth.authenticate(token)).rejects.toThrow(Unauthenticated);
  });
});
