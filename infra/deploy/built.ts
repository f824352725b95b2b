/**
 * Running the built JavaScript (`pnpm build`'s infra/deploy/dist/<name>/main.js) from tests and
 * tools - the distributed simulation, the outage and several-instances suites - as production
 * runs it: plain `node`, no tsx.
 */
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { join } from 'node:path';
import { type BuildResult, buildAll, builtProgram } from './build';

const repoRoot = join(__dirname, '..', '..');

let build: Promise<BuildResult> | undefined;

/**
 * `pnpm build`, once per process (it writes only what changed, so processes may build at once).
 * A failed build rejects with esbuild's or the dependency check's reason: nothing falls back to
 * running the TypeScript.
 */
export function ensureBuilt(): Promise<BuildResult> {
  build ??= buildAll();
  return build;
}

/**
 * Runs a built program (`infra/deploy/dist/<name>/main.js`) with plain Node: no tsx, Node's own
 * type stripping off and NODE_OPTIONS dropped, so no TypeScript can load. `ensureBuilt` first.
 */
export function spawnBuilt(
  program: string,
  env: Record<string, string>,
  stdio: StdioOptions = ['ignore', 'inherit', 'inherit'],
): ChildProcess {
  const { NODE_OPTIONS: _dropped, ...inherited } = process.env;
  return spawn(
    process.execPath,
    ['--no-experimental-strip-types', '--enable-source-maps', builtProgram(program)],
    { cwd: repoRoot, env: { ...inherited, ...env }, stdio },
  );
}
