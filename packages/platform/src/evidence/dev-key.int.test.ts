import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { companySignerFromEnv } from './signer';

/**
 * The development signing key (#18 probe F11): without LETTER_SIGNING_KEY(_FILE) letters and
 * checkpoints are sealed with a key generated on this machine, which is no company's seal. The start
 * says so in one warn line naming the file and key id, and the file lives in the service's data
 * folder (DATA_DIR for the embedded platform), not at a fixed path.
 */
describe('the development signing key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dev-key-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function capture() {
    const lines: { level: number; msg: string; keyFile?: string; keyId?: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    return { logger, lines };
  }

  it('is kept in the data folder and announced by one warn line naming its file and key id', () => {
    const { logger, lines } = capture();
    const dataDir = join(dir, 'embedded');
    const signer = companySignerFromEnv({}, { dataDir, logger });
    const keyFile = join(dataDir, 'letters', 'dev-signing-key.pem');
    expect(signer.development).toBe(true);
    expect(existsSync(keyFile)).toBe(true);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toBe(
      `development signing key ${keyFile} (keyId ${signer.keyId}): letters and checkpoints are NOT sealed with a company key; set LETTER_SIGNING_KEY_FILE`,
    );
    // The same folder again: the same key.
    expect(companySignerFromEnv({}, { dataDir, logger }).keyId).toBe(signer.keyId);
  });

  it('LETTER_DEV_KEY_FILE names another file; a company key (LETTER_SIGNING_KEY) is not warned about', () => {
    const { logger, lines } = capture();
    const file = join(dir, 'elsewhere', 'dev.pem');
    companySignerFromEnv({ LETTER_DEV_KEY_FILE: file }, { dataDir: join(dir, 'unused'), logger });
    expect(existsSync(file)).toBe(true);
    expect(existsSync(join(dir, 'unused'))).toBe(false);
    const key = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    lines.length = 0;
    const company = companySignerFromEnv(
      { LETTER_SIGNING_KEY: key },
      { dataDir: join(dir, 'unused'), logger },
    );
    expect(company.development).toBe(false);
    expect(lines.filter((l) => l.level === 40)).toEqual([]);
  });
});
