// Test aid, compiled by the test that uses it and loaded with `node --import`: appends every module
// the process loads to the file named by DROVER_RECORD_IMPORTS, one URL or path a line. ES modules
// are seen by a resolve hook (it runs on the loader thread); CommonJS ones (Bolt is required, not
// imported) are listed from the require cache when the process exits.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

// eslint-disable-next-line no-restricted-syntax -- a preload is an entry point of the process it runs in
const file = process.env.DROVER_RECORD_IMPORTS;
if (file) {
  const hooks = `
    import { appendFileSync } from 'node:fs';
    let file;
    export function initialize(data) { file = data.file; }
    export async function resolve(specifier, context, next) {
      const resolved = await next(specifier, context);
      appendFileSync(file, resolved.url + '\\n');
      return resolved;
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`, import.meta.url, { data: { file } });
  const cache = createRequire(import.meta.url).cache;
  process.on('exit', () => appendFileSync(file, Object.keys(cache).map((path) => `${path}\n`).join('')));
}
