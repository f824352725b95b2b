import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
  sign,
  verify,
} from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, EvidenceEnv, loadConfig } from '../config';

/**
 * The company's seal: a detached Ed25519 signature over exact bytes - a letter's PDF (collections),
 * an evidence checkpoint (every service). The recipient verifies it with the public key the services
 * publish (`GET /letters/signing-key`, and in every evidence bundle); one byte changed and it no
 * longer verifies. One key for both: LETTER_SIGNING_KEY(_FILE).
 */
export class CompanySigner {
  readonly publicKeyPem: string;
  /** The key's id: the SHA-256 of its DER public key, hex, first 16 characters. */
  readonly keyId: string;

  constructor(
    private readonly privateKey: KeyObject,
    /** True for a key generated for development: never a company's seal. */
    readonly development: boolean,
    /**
     * The company's retired public keys by key id (LETTER_SIGNING_RETIRED_KEYS_FILE): what signed
     * checkpoints and letters before the last rotations, carried in bundles so they still verify.
     */
    readonly retiredKeys: ReadonlyMap<string, string> = new Map(),
  ) {
    if (privateKey.asymmetricKeyType !== 'ed25519')
      throw new Error('the company signing key must be Ed25519');
    const publicKey = createPublicKey(privateKey);
    this.publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    this.keyId = createHash('sha256')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex')
      .slice(0, 16);
  }

  /** The development key's file, for a development key (`fromEnv`); undefined for the company's key. */
  devKeyFile: string | undefined;

  /** The public key (PEM) of this key id: the current key's or a retired one's; undefined when not kept. */
  publicKeyOf(keyId: string): string | undefined {
    return keyId === this.keyId ? this.publicKeyPem : this.retiredKeys.get(keyId);
  }

  /** The detached signature of `document`, base64. */
  sign(document: Buffer): string {
    return sign(null, document, this.privateKey).toString('base64');
  }

  private static fromDevKeyFile(file: string, retired: Map<string, string>): CompanySigner {
    const signer = new CompanySigner(createPrivateKey(readFileSync(file, 'utf8')), true, retired);
    signer.devKeyFile = file;
    return signer;
  }

  static generate(): CompanySigner {
    return new CompanySigner(generateKeyPairSync('ed25519').privateKey, true);
  }

  /**
   * The signing key from the environment: LETTER_SIGNING_KEY (a PKCS#8 PEM) or
   * LETTER_SIGNING_KEY_FILE (a file holding one). Without either, a DEVELOPMENT key kept in
   * `devKeyFile` (generated the first time, mode 600), so letters stay verifiable across restarts.
   */
  static fromEnv(env: NodeJS.ProcessEnv, devKeyFile: string): CompanySigner {
    const retired = retiredKeysFrom(loadConfig(EvidenceEnv, env).LETTER_SIGNING_RETIRED_KEYS_FILE);
    const pem =
      env.LETTER_SIGNING_KEY ??
      (env.LETTER_SIGNING_KEY_FILE && readFileSync(env.LETTER_SIGNING_KEY_FILE, 'utf8'));
    if (pem) return new CompanySigner(createPrivateKey(pem), false, retired);
    if (existsSync(devKeyFile)) return CompanySigner.fromDevKeyFile(devKeyFile, retired);
    const signer = new CompanySigner(generateKeyPairSync('ed25519').privateKey, true, retired);
    signer.devKeyFile = devKeyFile;
    mkdirSync(dirname(devKeyFile), { recursive: true });
    // Written whole under a name of its own, then linked into place (link fails if the file exists):
    // processes starting at once (two instances on one folder) never read a half-written key - seen
    // as ERR_OSSL_UNSUPPORTED - and all sign with the one key linked first.
    const draft = `${devKeyFile}.${process.pid}.${randomUUID()}`;
    writeFileSync(draft, signer.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    chmodSync(draft, 0o600);
    try {
      linkSync(draft, devKeyFile);
      return signer;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return CompanySigner.fromDevKeyFile(devKeyFile, retired);
    } finally {
      unlinkSync(draft);
    }
  }
}

/**
 * The company's key as a service's start reads it (CompanySigner.fromEnv), the development key kept in
 * the service's data folder (`<dataDir>/letters/dev-signing-key.pem`, or LETTER_DEV_KEY_FILE) - and
 * then said once, as a warning: such a key is no company's seal.
 */
export function companySignerFromEnv(
  env: NodeJS.ProcessEnv,
  options: { dataDir: string; logger: Logger },
): CompanySigner {
  const signer = CompanySigner.fromEnv(
    env,
    env.LETTER_DEV_KEY_FILE || join(options.dataDir, 'letters', 'dev-signing-key.pem'),
  );
  if (signer.development)
    options.logger.warn(
      { keyFile: signer.devKeyFile, keyId: signer.keyId },
      `development signing key ${signer.devKeyFile} (keyId ${signer.keyId}): letters and checkpoints are NOT sealed with a company key; set LETTER_SIGNING_KEY_FILE`,
    );
  return signer;
}

/**
 * The retired public keys in `file` (PEM blocks one after another), by key id. A file that cannot be
 * read, holds no public key or something else stops the start, naming the variable.
 */
function retiredKeysFrom(file: string | undefined): Map<string, string> {
  const keys = new Map<string, string>();
  if (!file) return keys;
  const problem = (what: string) =>
    new ConfigError(`invalid configuration:\n  LETTER_SIGNING_RETIRED_KEYS_FILE: ${file}: ${what}`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw problem(`cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const blocks = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g) ?? [];
  if (blocks.length === 0) throw problem('holds no PEM public key (-----BEGIN PUBLIC KEY-----)');
  for (const block of blocks) {
    let key: KeyObject;
    try {
      key = createPublicKey(block);
    } catch (error) {
      throw problem(`a block is not a public key (${(error as Error).message})`);
    }
    if (key.asymmetricKeyType !== 'ed25519')
      throw problem(`a ${key.asymmetricKeyType} key: the company's keys are Ed25519`);
    const pem = key.export({ type: 'spki', format: 'pem' }).toString();
    keys.set(keyIdOf(pem), pem);
  }
  return keys;
}

/** What a recipient does: checks the detached signature of the bytes with the published key. */
export function verifyDetached(document: Uint8Array, signatureBase64: string, publicKeyPem: string): boolean {
  try {
    return verify(null, document, createPublicKey(publicKeyPem), Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false; // not a key, not a signature: not verified
  }
}

/** The id of a public key: the SHA-256 of its DER form, hex, first 16 characters (as CompanySigner.keyId). */
export function keyIdOf(publicKeyPem: string): string {
  return createHash('sha256')
    .update(createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}
