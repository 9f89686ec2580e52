// Where things are, from the compiled benchmark (dist/bench/support/paths.js).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

if (!import.meta.url.endsWith('.js')) {
  throw new Error('The benchmark runs compiled: use `npm run bench`, which builds it first.');
}

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const mainJs = join(repoRoot, 'dist', 'src', 'main.js');
export const droverBin = join(repoRoot, 'bin', 'drover.js');
/** A compiled benchmark module, e.g. `processes/raw-worker.js`. */
export const benchJs = (path: string): string => join(repoRoot, 'dist', 'bench', path);
export const shippedRunbooks = join(repoRoot, 'runbooks');
export const benchRunbooks = join(repoRoot, 'bench', 'runbooks');
