// One copy, beside the build: the simulator's distributed mode runs the built services too.
export { ensureBuilt, spawnBuilt } from '../../infra/deploy/built';
