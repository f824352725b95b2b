import { chmodSync, chownSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateDataFolder, privateKeyFolder } from './private-folder';

const modeOf = (path: string) => statSync(path).mode & 0o777;

/** The data folder and its key folders are the process user's alone (#15 probe F5). */
describe('private folders for keys', () => {
  const root = mkdtempSync(join(tmpdir(), 'private-folder-'));
  const previousUmask = process.umask(0); // as careless as it gets: mkdir's mode alone would give 0777

  afterAll(() => process.umask(previousUmask));

  it('creates the data folder and key folders private whatever the umask', () => {
    const data = join(root, 'fresh', 'data');
    privateDataFolder(data, 0o700);
    privateKeyFolder(join(data, 'dev-issuer'));
    expect(modeOf(data)).toBe(0o700);
    expect(modeOf(join(data, 'dev-issuer'))).toBe(0o700);
  });

  it('makes a data folder left 0777 (as root, before) private, 0711 when PostgreSQL must go through it', () => {
    const data = join(root, 'old');
    mkdirSync(data);
    chmodSync(data, 0o777);
    privateDataFolder(data, 0o711);
    expect(modeOf(data)).toBe(0o711);
  });

  it('refuses a key folder others may write in, naming it', () => {
    const keys = join(root, 'open', 'dev-issuer');
    mkdirSync(keys, { recursive: true });
    chmodSync(keys, 0o777);
    expect(() => privateKeyFolder(keys)).toThrow(
      `the key folder ${keys} is writable by other users (mode 777)`,
    );
    chmodSync(keys, 0o770);
    expect(() => privateKeyFolder(keys)).toThrow(/writable by other users \(mode 770\)/);
  });

  const asRoot = process.getuid?.() === 0 ? it : it.skip;
  asRoot(
    'refuses a key folder, or data folder, another user owns, naming it (as root: the folder given away)',
    () => {
      const keys = join(root, 'squatted', 'dev-issuer');
      mkdirSync(keys, { recursive: true, mode: 0o700 });
      chownSync(keys, 65534, 65534);
      expect(() => privateKeyFolder(keys)).toThrow(
        `the key folder ${keys} belongs to user 65534, not to this process's user 0: refusing to use it`,
      );
      chownSync(join(root, 'squatted'), 65534, 65534);
      expect(() => privateDataFolder(join(root, 'squatted'))).toThrow(
        /the data folder .*squatted belongs to user 65534/,
      );
    },
  );
});
