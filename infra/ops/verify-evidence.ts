/**
 * `pnpm verify-evidence bundle.zip [--key company-public-key.pem] [--tsa-ca tsa-ca.pem] [--allow-unanchored] [--json]`: checks an evidence
 * bundle (GET /evidence/contracts/:id, /evidence/invoices/:id) offline - nothing is asked of any
 * service. Every record's field digests, hash and link to the previous one; every checkpoint's
 * hash, its signature with the key its keyId names (the part's current key or a retired one the
 * bundle carries; with --key, the key you trust must have signed the manifest that lists them) and
 * each inclusion proof of a head against its signed Merkle root; every document's bytes against the
 * hash its event names, and its detached signature; each checkpoint's
 * RFC 3161 timestamp, when it has one (its imprint is the checkpoint's hash; its signature with the
 * certificate in the token and, with --tsa-ca, up to the authority's CA you trust); the manifest's
 * signature (the company's key) and that every file it lists is there with that hash, none added;
 * a record no checkpoint covers, recorded more than two checkpoint intervals before the export,
 * fails unless --allow-unanchored.
 *
 * Exit 0: intact. Exit 1: altered - the first altered record is named (file and field), then
 * every other failure. Exit 2: the command was used wrongly or the files cannot be read (a bundle
 * that is not a zip included).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { unzipBundle, verifyBundleZip } from '../../packages/platform/src/evidence/bundle';
import { verifyBundleTimestamps } from '../../packages/platform/src/evidence/timestamp';

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    process.stderr.write(
      `${(error as Error).message}\nusage: pnpm verify-evidence bundle.zip [--key public-key.pem] [--tsa-ca tsa-ca.pem] [--allow-unanchored] [--json]\n`,
    );
    return 2;
  }
  const [file] = parsed.positionals;
  if (!file || parsed.positionals.length > 1) {
    process.stderr.write(
      'usage: pnpm verify-evidence bundle.zip [--key public-key.pem] [--tsa-ca tsa-ca.pem] [--allow-unanchored] [--json]\n',
    );
    return 2;
  }
  let zip: Uint8Array;
  let trustedKeyPem: string | undefined;
  let tsaCaPem: string | undefined;
  try {
    zip = readFileSync(file);
    trustedKeyPem = parsed.values.key ? readFileSync(parsed.values.key, 'utf8') : undefined;
    tsaCaPem = parsed.values['tsa-ca'] ? readFileSync(parsed.values['tsa-ca'], 'utf8') : undefined;
  } catch (error) {
    process.stderr.write(`cannot read: ${(error as Error).message}\n`);
    return 2;
  }
  const report = verifyBundleZip(zip, {
    trustedKeyPem,
    allowUnanchored: parsed.values['allow-unanchored'] ?? false,
  });
  // A file that is not a zip is input it cannot read (exit 2), not a bundle found altered.
  const unreadable = report.failures.find((f) => f.file === '(bundle)' && f.field === 'zip');
  if (unreadable) {
    process.stderr.write(`cannot read ${file}: ${unreadable.message}\n`);
    return 2;
  }
  const timestamps = await verifyBundleTimestamps(unzipBundle(zip), tsaCaPem);
  report.failures.push(...timestamps.failures);
  report.ok = report.failures.length === 0;
  if (parsed.values.json) {
    process.stdout.write(`${JSON.stringify({ ...report, timestamps }, null, 2)}\n`);
    return report.ok ? 0 : 1;
  }
  if (!report.ok) {
    const [first, ...rest] = report.failures;
    process.stdout.write(`ALTERED: ${first!.file} field ${first!.field}: ${first!.message}\n`);
    for (const f of rest) process.stdout.write(`  also: ${f.file} field ${f.field}: ${f.message}\n`);
    return 1;
  }
  process.stdout.write(
    `OK: ${report.records} records, ${report.checkpoints} signed checkpoints, ${report.documents} documents verified` +
      ` (key ${report.keyIds.join(', ')}${trustedKeyPem ? ', the trusted key' : ' - the key in the bundle; give --key to check it is the company key'})\n`,
  );
  for (const t of timestamps.timestamped)
    process.stdout.write(
      `timestamped: ${t.file} at ${t.genTime} by ${t.tsa}${tsaCaPem ? '' : ' (authority not checked against a CA: give --tsa-ca)'}\n`,
    );
  if (report.uncovered.length > 0)
    process.stdout.write(
      `note: ${report.uncovered.length} record(s) chained but not yet covered by a signed checkpoint in the bundle:\n${report.uncovered.map((f) => `  ${f}`).join('\n')}\n`,
    );
  return 0;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      key: { type: 'string' },
      'tsa-ca': { type: 'string' },
      'allow-unanchored': { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`${(error as Error).stack ?? error}\n`);
    process.exitCode = 2;
  },
);
