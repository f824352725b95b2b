import { chmodSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { AuthEnv, authFromEnv } from './auth-config';

/**
 * The development issuer's key folder is the process user's alone (#15 probe F5): as root it was
 * 0777 in a 0777 data folder, so any local user could put their own key there and mint admin tokens.
 */
describe("the development issuer's key folder", () => {
  const logger = pino({ level: 'silent' });
  const env = AuthEnv.parse({ DEV_ISSUER_PORT: '0' });
  const previousUmask = process.umask(0);
  afterAll(() => process.umask(previousUmask));

  it('is created 0700, whatever the umask', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dev-issuer-folder-'));
    const { devIssuer } = await authFromEnv({ development: true, dataDir, logger }, env);
    try {
      expect(statSync(join(dataDir, 'dev-issuer')).mode & 0o777).toBe(0o700);
      expect(statSync(join(dataDir, 'dev-issuer', 'signing-key.json')).mode & 0o777).toBe(0o600);
    } finally {
      await devIssuer?.stop();
    }
  });

  it('is refused when other users may write in it: the start fails naming it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dev-issuer-folder-'));
    mkdirSync(join(dataDir, 'dev-issuer'));
    chmodSync(join(dataDir, 'dev-issuer'), 0o777);
    await expect(authFromEnv({ development: true, dataDir, logger }, env)).rejects.toThrow(
      `the key folder ${join(dataDir, 'dev-issuer')} is writable by other users (mode 777)`,
    );
  });
});
