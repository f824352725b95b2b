import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * A service's password kept in `<dir>/<name>.password` (the provisioning of Kafka users and
 * PostgreSQL roles): the one there, or a new random one written there with mode 600, so running
 * the provisioning again changes nothing a running service uses.
 */
export function passwordInFile(dir: string, name: string): { file: string; password: string; made: boolean } {
  const file = resolve(dir, `${name}.password`);
  if (existsSync(file)) return { file, password: readFileSync(file, 'utf8').trim(), made: false };
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { file, password, made: true };
}
