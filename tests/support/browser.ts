import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The headless browser the dashboard is tested in: Debian's chromium (`apt-get install chromium`),
 * or the one CHROMIUM_PATH names. Missing means the run is broken: the test fails, never skips.
 */
export function chromiumExecutable(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((path): path is string => !!path && existsSync(path));
  if (!found) {
    throw new Error('the dashboard test needs Chromium: apt-get install chromium, or set CHROMIUM_PATH');
  }
  return found;
}

/** Where tests leave files for people to look at (CI keeps `artifacts/`). */
export function artifactPath(name: string): string {
  const dir = join(__dirname, '..', '..', 'artifacts');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
