import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { join } from 'node:path';

/** The repository's root, where the services' entry points are. */
export const repoRoot = join(__dirname, '..', '..', '..');

/**
 * Runs a TypeScript entry point (relative to the repository root) as its own Node process.
 * Node itself loads tsx (`--import tsx`) rather than the tsx CLI, which would sit between us and
 * the program: a signal sent to the wrapper (SIGKILL above all) would not reach the program.
 */
export function spawnTypeScript(
  entry: string,
  env: Record<string, string>,
  stdio: StdioOptions = ['ignore', 'inherit', 'inherit'],
): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(repoRoot, entry)], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio,
  });
}

/** Sends the signal and resolves with the exit code (null when killed by the signal). */
export function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}
