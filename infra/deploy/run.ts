/**
 * The built programs' entry point (the Docker image's): `node dist/run.js <name> [args...]`, or
 * SERVICE=<name> with no name given, runs dist/<name>/main.js with the remaining arguments as
 * its own (`run.js topics --check`, `run.js dlq list`).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const programs = readdirSync(__dirname, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(__dirname, entry.name, 'main.js')))
  .map((entry) => entry.name)
  .sort();
const [given, ...rest] = process.argv.slice(2);
const name = given ?? process.env.SERVICE;
if (!name || !programs.includes(name)) {
  process.stderr.write(
    `${name ? `no program '${name}'` : 'which program?'} - usage: run.js <name> [args], or SERVICE=<name>; one of: ${programs.join(', ')}\n`,
  );
  process.exit(2);
}
const main = join(__dirname, name, 'main.js');
process.argv = [process.argv[0] ?? 'node', main, ...(given ? rest : [])];
require(main);
