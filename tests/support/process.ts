export { repoRoot, spawnTypeScript, stopProcess } from '@ar/platform';
