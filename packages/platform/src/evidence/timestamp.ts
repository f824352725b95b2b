import { createHash, randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import {
  AlgorithmIdentifier,
  Certificate,
  ContentInfo,
  MessageImprint,
  SignedData,
  TimeStampReq,
  TimeStampResp,
  TSTInfo,
} from 'pkijs';
import { canonicalJson } from './chain';

/**
 * An RFC 3161 timestamp of a checkpoint (issue 18 item 4, optional: TSA_URL): a timestamp
 * authority's signed statement that the checkpoint's hash existed at its time. The hash is the
 * message imprint itself (a checkpoint's hash is the SHA-256 of its canonical body), so
 * `openssl ts -verify -digest <hash> -in token.tsr -token_in -CAfile tsa-ca.pem` checks it too.
 */
export interface CheckpointTimestamp {
  /** The authority asked. */
  tsa: string;
  /** The TimeStampToken (CMS ContentInfo), DER, base64. */
  token: string;
  /** The time the authority states (UTC, ISO 8601). */
  genTime: string;
}

const SHA256_OID = '2.16.840.1.101.3.4.2.1';
const toArrayBuffer = (bytes: Uint8Array): ArrayBuffer =>
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

/** Asks the authority at `tsaUrl` to timestamp a SHA-256 (hex); refuses an answer for another hash. */
export async function requestTimestamp(
  tsaUrl: string,
  sha256Hex: string,
  timeoutMs = 10_000,
): Promise<CheckpointTimestamp> {
  const request = new TimeStampReq({
    version: 1,
    messageImprint: new MessageImprint({
      hashAlgorithm: new AlgorithmIdentifier({ algorithmId: SHA256_OID, algorithmParams: new asn1js.Null() }),
      hashedMessage: new asn1js.OctetString({ valueHex: toArrayBuffer(Buffer.from(sha256Hex, 'hex')) }),
    }),
    nonce: new asn1js.Integer({ valueHex: toArrayBuffer(randomBytes(8)) }),
    certReq: true,
  });
  const response = await fetch(tsaUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/timestamp-query' },
    body: Buffer.from(request.toSchema().toBER()),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new Error(`the timestamp authority answered ${response.status}`);
  const reply = TimeStampResp.fromBER(await response.arrayBuffer());
  if (reply.status.status > 1 || !reply.timeStampToken)
    throw new Error(`the timestamp authority refused (status ${reply.status.status})`);
  const token = Buffer.from(reply.timeStampToken.toSchema().toBER());
  const info = tstInfoOf(token);
  if (Buffer.from(info.messageImprint.hashedMessage.valueBlock.valueHexView).toString('hex') !== sha256Hex)
    throw new Error('the timestamp authority answered for another hash');
  return { tsa: tsaUrl, token: token.toString('base64'), genTime: info.genTime.toISOString() };
}

function tstInfoOf(token: Uint8Array): TSTInfo {
  const signed = new SignedData({ schema: ContentInfo.fromBER(toArrayBuffer(token)).content });
  const content = signed.encapContentInfo.eContent;
  if (!content) throw new Error('no TSTInfo in the token');
  return TSTInfo.fromBER(content.getValue());
}

/** PEM certificates (a file may hold several) as pkijs certificates. */
function certificatesOf(pem: string): Certificate[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) =>
    Certificate.fromBER(toArrayBuffer(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'))),
  );
}

export interface TimestampCheck {
  ok: boolean;
  /** What failed: `imprint` (another hash), `signature` (the token's CMS signature, or its chain to the trusted CA). */
  failed?: 'imprint' | 'signature' | 'token';
  reason?: string;
  genTime?: string;
}

/**
 * Checks a timestamp offline: its imprint is the SHA-256 of `data` (a checkpoint's canonical body,
 * whose SHA-256 is the checkpoint's hash), and the authority's signature verifies - with the
 * certificate in the token, and with `trustedCaPem` given, up to that CA.
 */
export async function verifyTimestamp(
  timestamp: CheckpointTimestamp,
  data: Uint8Array,
  trustedCaPem?: string,
): Promise<TimestampCheck> {
  const sha256Hex = createHash('sha256').update(data).digest('hex');
  let info: TSTInfo;
  let signed: SignedData;
  try {
    const token = Buffer.from(timestamp.token, 'base64');
    info = tstInfoOf(token);
    signed = new SignedData({ schema: ContentInfo.fromBER(toArrayBuffer(token)).content });
  } catch (error) {
    return { ok: false, failed: 'token', reason: `not a timestamp token: ${(error as Error).message}` };
  }
  const genTime = info.genTime.toISOString();
  if (Buffer.from(info.messageImprint.hashedMessage.valueBlock.valueHexView).toString('hex') !== sha256Hex)
    return { ok: false, failed: 'imprint', reason: 'the token timestamps another hash', genTime };
  try {
    const trusted = trustedCaPem ? certificatesOf(trustedCaPem) : [];
    const verified = await signed.verify({
      signer: 0,
      trustedCerts: trusted,
      checkChain: trusted.length > 0,
      checkDate: info.genTime,
      data: toArrayBuffer(data),
    });
    if (!verified)
      return { ok: false, failed: 'signature', reason: 'the authority signature does not verify', genTime };
  } catch (error) {
    const e = error as { message?: string };
    return { ok: false, failed: 'signature', reason: e.message ?? String(error), genTime };
  }
  return { ok: true, genTime };
}

/**
 * The timestamps of a bundle's checkpoints (`<service>/checkpoints/*.json`), each checked as
 * verifyTimestamp does; a checkpoint without one is listed as such, not as a failure.
 */
export async function verifyBundleTimestamps(
  files: Record<string, Uint8Array>,
  trustedCaPem?: string,
): Promise<{
  failures: { file: string; field: string; message: string }[];
  timestamped: { file: string; tsa: string; genTime: string }[];
  without: string[];
}> {
  const failures: { file: string; field: string; message: string }[] = [];
  const timestamped: { file: string; tsa: string; genTime: string }[] = [];
  const without: string[] = [];
  for (const file of Object.keys(files)
    .filter((n) => /^[^/]+\/checkpoints\/[^/]+\.json$/.test(n))
    .sort()) {
    let checkpoint: { body?: unknown; timestamp?: CheckpointTimestamp };
    try {
      checkpoint = JSON.parse(Buffer.from(files[file]!).toString('utf8'));
    } catch {
      continue; // named by verifyBundle already
    }
    if (!checkpoint.timestamp) {
      without.push(file);
      continue;
    }
    const body = Buffer.from(canonicalJson(checkpoint.body ?? null));
    const check = await verifyTimestamp(checkpoint.timestamp, body, trustedCaPem);
    if (!check.ok)
      failures.push({
        file,
        field: check.failed === 'imprint' ? 'timestamp (imprint)' : 'timestamp.token',
        message: `${check.reason}${trustedCaPem ? '' : ' (with the certificate in the token)'}`,
      });
    else timestamped.push({ file, tsa: checkpoint.timestamp.tsa, genTime: check.genTime! });
  }
  return { failures, timestamped, without };
}
