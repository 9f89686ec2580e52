import { access } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * The directory of an installed npm package, found as Node finds it: in
 * `node_modules` of `from` or of any directory above. Its package.json is
 * what is looked for (a package's `exports` may hide it from require.resolve).
 */
export async function npmPackageDir(pkg: string, from: string): Promise<string | undefined> {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', ...pkg.split('/'));
    if (await access(join(candidate, 'package.json')).then(() => true, () => false)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}
