/**
 * `pnpm build`: every service (and the all-in-one, `pnpm topics`, `pnpm dlq`) bundled by esbuild
 * into plain JavaScript under infra/deploy/dist/<name>/main.js, run by `node` with no TypeScript
 * transpiler (`pnpm start:built <name>`, or `node infra/deploy/dist/run.js <name>`).
 *
 * The workspace packages (@ar/*) are bundled in; the npm packages they import stay `require`s,
 * resolved at run time from this package's node_modules: they must be this package's
 * dependencies, at the version the importing workspace package declares. The build checks that
 * (and names what is declared that no bundle requires), so `pnpm deploy` of this package -
 * what the Dockerfile does - holds what the bundles need.
 *
 * Files found at run time next to their source (`__dirname`, `import.meta`) are the other thing
 * bundling breaks: each source file that uses them is listed in RUN_TIME_FILES with what the
 * build copies beside the bundle, or why it needs nothing; an unlisted one fails the build.
 */
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { build, type Metafile } from 'esbuild';

export const deployDir = __dirname;
export const distDir = join(deployDir, 'dist');
const repoRoot = join(deployDir, '..', '..');

/** What is built: dist/<name>/main.js from each source entry point. */
export const PROGRAMS: Record<string, string> = {
  'credit-scoring': 'services/credit-scoring/src/main.ts',
  contract: 'services/contract/src/main.ts',
  invoicing: 'services/invoicing/src/main.ts',
  collections: 'services/collections/src/main.ts',
  reporting: 'services/reporting/src/main.ts',
  'all-in-one': 'services/all-in-one/src/main.ts',
  topics: 'infra/kafka/provision-topics.ts',
  dlq: 'infra/ops/dlq.ts',
};

/** Beside the programs: dist/run.js (the image's entry point) and dist/probe.js (its health probe). */
const TOOLS: Record<string, string> = {
  run: 'infra/deploy/run.ts',
  probe: 'infra/deploy/probe.ts',
};

interface RunTimeFile {
  /** Folders copied next to the bundle (to `dist/<name>/<to>`), where `__dirname` finds them. */
  assets?: { from: string; to: string }[];
  /** npm packages the file resolves at run time without importing them (createRequire). */
  packages?: string[];
  /** Why the file needs nothing beside the bundle. */
  needsNothing?: string;
}

export const RUN_TIME_FILES: Record<string, RunTimeFile> = {
  'services/reporting/src/dashboard/routes.ts': {
    assets: [{ from: 'services/reporting/src/dashboard/public', to: 'public' }],
    packages: ['chart.js'],
  },
  'packages/platform/src/child-process.ts': {
    needsNothing:
      'repoRoot serves tests and tools that spawn TypeScript or the infra/ scripts; no service uses it',
  },
  'infra/deploy/run.ts': { needsNothing: 'the launcher finds the programs beside itself in dist/' },
};

const USES_OWN_LOCATION = /\b__dirname\b|\b__filename\b|\bimport\.meta\b/;

export interface BuildResult {
  ms: number;
  /** Dependencies of infra/deploy/package.json no bundle requires: the image carries them for nothing. */
  unused: string[];
  programs: { name: string; bytes: number }[];
}

/**
 * Builds every program into dist/. Files are written through a rename and only when they
 * changed, so builds running at once (test workers) never leave a half-written file.
 */
export async function buildAll(): Promise<BuildResult> {
  const started = Date.now();
  const entryPoints: Record<string, string> = {};
  for (const [name, entry] of Object.entries(PROGRAMS)) entryPoints[`${name}/main`] = entry;
  Object.assign(entryPoints, TOOLS);
  const result = await build({
    absWorkingDir: repoRoot,
    entryPoints,
    outdir: relative(repoRoot, distDir),
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    keepNames: true, // error and class names are recorded (dead letters' error type)
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'npm-packages-external',
        setup(b) {
          // Bare specifiers other than the workspace's own @ar/* stay require()s.
          b.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith('@ar/') ? undefined : { path: args.path, external: true },
          );
        },
      },
    ],
  });
  const { problems, unused } = check(result.metafile);
  if (problems.length > 0) throw new Error(`pnpm build:\n${problems.map((p) => `  - ${p}`).join('\n')}`);

  for (const file of result.outputFiles) writeIfChanged(file.path, Buffer.from(file.contents));
  for (const [output, meta] of Object.entries(result.metafile.outputs)) {
    if (!output.endsWith('/main.js')) continue;
    for (const input of Object.keys(meta.inputs)) {
      for (const asset of RUN_TIME_FILES[input]?.assets ?? []) {
        copyTree(join(repoRoot, asset.from), join(repoRoot, dirname(output), asset.to));
      }
    }
  }
  return {
    ms: Date.now() - started,
    unused,
    programs: Object.keys(PROGRAMS).map((name) => ({
      name,
      bytes: result.metafile.outputs[relative(repoRoot, join(distDir, name, 'main.js'))]?.bytes ?? 0,
    })),
  };
}

/** The bundle of one program; `buildAll` first. */
export function builtProgram(name: string): string {
  if (!PROGRAMS[name]) throw new Error(`no program '${name}'; known: ${Object.keys(PROGRAMS).join(', ')}`);
  return join(distDir, name, 'main.js');
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const manifests = new Map<string, { dir: string; manifest: Manifest }>();

/** The workspace package a source file belongs to (the nearest package.json above it). */
function owningPackage(file: string): { dir: string; manifest: Manifest } {
  let dir = dirname(join(repoRoot, file));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  let found = manifests.get(dir);
  if (!found) {
    found = { dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest };
    manifests.set(dir, found);
  }
  return found;
}

function declared(manifest: Manifest, pkg: string): string | undefined {
  return (
    manifest.dependencies?.[pkg] ?? manifest.optionalDependencies?.[pkg] ?? manifest.peerDependencies?.[pkg]
  );
}

function check(metafile: Metafile): { problems: string[]; unused: string[] } {
  const problems: string[] = [];
  const required = new Map<string, Map<string, string>>(); // package -> version -> who declares it
  const need = (pkg: string, file: string) => {
    const owner = owningPackage(file);
    const version = declared(owner.manifest, pkg);
    if (!version) {
      problems.push(
        `${file} requires ${pkg} at run time: add it to the dependencies of ${owner.manifest.name}`,
      );
      return;
    }
    const versions = required.get(pkg) ?? new Map<string, string>();
    versions.set(version, owner.manifest.name);
    required.set(pkg, versions);
  };
  for (const [file, input] of Object.entries(metafile.inputs)) {
    if (file.includes('node_modules/')) continue;
    for (const imported of input.imports) {
      // <runtime> is esbuild's own helpers (keepNames), not a package
      if (!imported.external || isBuiltin(imported.path) || imported.path.startsWith('<')) continue;
      need(packageName(imported.path), file);
    }
    const runTime = RUN_TIME_FILES[file];
    for (const pkg of runTime?.packages ?? []) need(pkg, file);
    if (!runTime && USES_OWN_LOCATION.test(readFileSync(join(repoRoot, file), 'utf8'))) {
      problems.push(
        `${file} uses __dirname, __filename or import.meta, which point into dist/ once bundled: ` +
          'list it in RUN_TIME_FILES (infra/deploy/build.ts) with what to copy beside the bundle',
      );
    }
  }
  const deploy = owningPackage('infra/deploy/build.ts').manifest;
  for (const [pkg, versions] of required) {
    const mine = deploy.dependencies?.[pkg];
    if (versions.size > 1) {
      const who = [...versions].map(([v, by]) => `${by} ${v}`).join(', ');
      problems.push(`${pkg} is declared at different versions (${who}): the bundle can hold one`);
    } else if (mine !== [...versions.keys()][0]) {
      const [[version, by]] = [...versions] as [[string, string]];
      problems.push(
        `${pkg} ${version} (of ${by}) is required at run time: infra/deploy/package.json has ${mine ?? 'nothing'}` +
          ` - set "${pkg}": "${version}" in its dependencies and pnpm install`,
      );
    }
  }
  const unused = Object.keys(deploy.dependencies ?? {}).filter((pkg) => !required.has(pkg));
  return { problems, unused };
}

function writeIfChanged(path: string, contents: Buffer): void {
  if (existsSync(path) && readFileSync(path).equals(contents)) return;
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

function copyTree(from: string, to: string): void {
  for (const entry of readdirSync(from)) {
    const source = join(from, entry);
    if (statSync(source).isDirectory()) copyTree(source, join(to, entry));
    else writeIfChanged(join(to, entry), readFileSync(source));
  }
}

if (require.main === module) {
  buildAll().then(
    ({ ms, programs, unused }) => {
      const lines = programs.map(
        (p) => `  ${p.name.padEnd(15)} ${(p.bytes / 1024).toFixed(0).padStart(5)} KiB`,
      );
      process.stdout.write(
        `built ${relative(process.cwd(), distDir)}/<name>/main.js in ${ms} ms\n${lines.join('\n')}\n`,
      );
      if (unused.length > 0) {
        process.stdout.write(
          `infra/deploy/package.json depends on what no bundle requires: ${unused.join(', ')}\n`,
        );
      }
    },
    (error: Error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    },
  );
}
