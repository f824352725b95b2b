import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { repoRoot } from '@ar/platform';
import { type BuildResult, buildAll, builtProgram } from '../../infra/deploy/build';

let build: Promise<BuildResult> | undefined;

/** `pnpm build`, once per test process (it writes only what changed, so workers may build at once). */
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
