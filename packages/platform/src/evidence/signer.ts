import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The company's seal on its letters: a detached Ed25519 signature over the PDF's exact bytes.
 * The recipient verifies it with the public key the service publishes (`GET /letters/signing-key`);
 * one byte changed and it no longer verifies.
 */
export class LetterSigner {
  readonly publicKeyPem: string;
  /** The key's id: the SHA-256 of its DER public key, hex, first 16 characters. */
  readonly keyId: string;

  constructor(
    private readonly privateKey: KeyObject,
    /** True for a key generated for development: never a company's seal. */
    readonly development: boolean,
  ) {
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the letter signing key must be Ed25519');
    const publicKey = createPublicKey(privateKey);
    this.publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    this.keyId = createHash('sha256')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex')
      .slice(0, 16);
  }

  /** The detached signature of `document`, base64. */
  sign(document: Buffer): string {
    return sign(null, document, this.privateKey).toString('base64');
  }

  static generate(): LetterSigner {
    return new LetterSigner(generateKeyPairSync('ed25519').privateKey, true);
  }

  /**
   * The signing key from the environment: LETTER_SIGNING_KEY (a PKCS#8 PEM) or
   * LETTER_SIGNING_KEY_FILE (a file holding one). Without either, a DEVELOPMENT key kept in
   * `devKeyFile` (generated the first time, mode 600), so letters stay verifiable across restarts.
   */
  static fromEnv(env: NodeJS.ProcessEnv, devKeyFile: string): LetterSigner {
    const pem =
      env.LETTER_SIGNING_KEY ??
      (env.LETTER_SIGNING_KEY_FILE && readFileSync(env.LETTER_SIGNING_KEY_FILE, 'utf8'));
    if (pem) return new LetterSigner(createPrivateKey(pem), false);
    if (existsSync(devKeyFile))
      return new LetterSigner(createPrivateKey(readFileSync(devKeyFile, 'utf8')), true);
    const signer = LetterSigner.generate();
    mkdirSync(dirname(devKeyFile), { recursive: true });
    writeFileSync(devKeyFile, signer.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    chmodSync(devKeyFile, 0o600);
    return signer;
  }
}

/** What a recipient does: checks the detached signature of the PDF's bytes with the published key. */
export function verifyLetter(document: Buffer, signatureBase64: string, publicKeyPem: string): boolean {
  return verify(null, document, createPublicKey(publicKeyPem), Buffer.from(signatureBase64, 'base64'));
}
