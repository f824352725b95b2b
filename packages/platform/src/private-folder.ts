import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Folders holding keys (the development issuer's, the development letter key) and the data folder
 * they are in. Created 0700 - whatever the umask, and an existing folder is set so - and refused
 * when another user owns it or others may write in it: whoever can replace a key folder can put
 * their own key there and mint tokens of any role (probe F5: DATA_DIR and its key folders were
 * 0777 when run as root).
 */

/** The data folder: ours, writable by us only. `mode` 0711 as root lets the embedded PostgreSQL (user postgres) reach its own folder inside. */
export function privateDataFolder(path: string, mode: number = defaultDataFolderMode()): void {
  mkdirSync(path, { recursive: true, mode });
  const folder = resolve(path);
  refuseForeign(folder, 'data folder');
  // A folder this platform made 0777 before (as root) is made private; nothing in it is trusted
  // for that: each key folder inside is checked on its own.
  chmodSync(folder, mode);
}

/** A folder holding a private key: created 0700; refused when another user owns it or others may write in it. */
export function privateKeyFolder(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  const folder = resolve(path);
  refuseForeign(folder, 'key folder');
  const { mode } = statSync(folder);
  if ((mode & 0o022) !== 0)
    throw new Error(
      `the key folder ${folder} is writable by other users (mode ${(mode & 0o777).toString(8)}): its key cannot be trusted - check it, then chmod 700 it (or remove it to make a new key)`,
    );
  chmodSync(folder, 0o700);
}

/** 0711 as root (the embedded PostgreSQL runs as user postgres and goes through it), else 0700. */
export function defaultDataFolderMode(): number {
  return process.getuid?.() === 0 ? 0o711 : 0o700;
}

function refuseForeign(folder: string, what: string): void {
  const uid = process.getuid?.();
  if (uid === undefined) return; // Windows: no owners to compare
  const owner = statSync(folder).uid;
  if (owner !== uid)
    throw new Error(
      `the ${what} ${folder} belongs to user ${owner}, not to this process's user ${uid}: refusing to use it (another user could have put their key there)`,
    );
}
