import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadRunbooks } from '../../../src/runbook/registry.js';
import { MAX_IDLE_MS, cachedRunbookImporter } from '../../../src/runbook/runbook-cache.js';
import { compileRunbook } from '../../../src/runbook/runbook-compiler.js';
import { isDefinedRunbook } from '../../../src/runbook/define.js';
import type { Runbook } from '../../../src/runbook/types.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SDK = join(ROOT, 'src', 'sdk', 'index.js');

/** A runbook importing the SDK by absolute path (its directory is outside the repository) and, optionally, more. */
function runbook(id: string, options: { head?: string; summary?: string } = {}): string {
  return [
    `import { defineRunbook, z } from ${JSON.stringify(SDK)};`,
    options.head ?? '',
    `export default defineRunbook({ id: ${JSON.stringify(id)}, summary: ${options.summary ?? '"s"'}, params: z.object({}), run: () => Promise.resolve() });`,
    '',
  ].join('\n');
}

describe('cachedRunbookImporter', () => {
  let work: string;
  let runbooks: string;
  let cache: string;
  let compiles: string[];
  const counting: typeof compileRunbook = (path, source, host) => {
    compiles.push(path);
    return compileRunbook(path, source, host);
  };
  /** A new importer is what a new process has. */
  const importer = (options: { dir?: string; tmpDir?: string; warn?: (m: string) => void } = {}) =>
    cachedRunbookImporter({ dir: options.dir ?? cache, tmpDir: options.tmpDir ?? join(work, 'tmp'), compile: counting, ...(options.warn ? { warn: options.warn } : {}) });
  const cached = (dir = cache) => readdirSync(dir).filter((f) => f.endsWith('.mjs')).sort();
  const summaryOf = (mod: Record<string, unknown>) => (mod.default as Runbook).summary;

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'drover-cache-test-'));
    runbooks = join(work, 'runbooks');
    cache = join(work, 'cache');
    compiles = [];
    mkdirSync(runbooks);
  });

  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('compiles a file once: the same content is imported from the cache, not compiled again', async () => {
    const file = join(runbooks, 'hello.ts');
    writeFileSync(file, runbook('hello'));
    expect(isDefinedRunbook((await importer()(file)).default)).toBe(true);
    const [output] = cached();
    expect(output).toMatch(/^[0-9a-f]{64}\.mjs$/);
    // A rewrite would be a new file (written aside, then renamed): the inode tells.
    const written = statSync(join(cache, output!)).ino;

    expect(isDefinedRunbook((await importer()(file)).default)).toBe(true);
    expect(compiles).toEqual([file]);
    expect(cached()).toEqual([output]);
    expect(statSync(join(cache, output!)).ino).toBe(written);
  });

  it('compiles a changed file again, into a file of another name', async () => {
    const file = join(runbooks, 'hello.ts');
    writeFileSync(file, runbook('hello', { summary: '"first"' }));
    expect(summaryOf(await importer()(file))).toBe('first');
    writeFileSync(file, runbook('hello', { summary: '"second"' }));
    expect(summaryOf(await importer()(file))).toBe('second');
    expect(compiles).toEqual([file, file]);
    expect(cached()).toHaveLength(2);
    // Back to the first content: that compilation is still there.
    writeFileSync(file, runbook('hello', { summary: '"first"' }));
    expect(summaryOf(await importer()(file))).toBe('first');
    expect(compiles).toHaveLength(2);
  });

  it('compiles again when a helper the runbook imports changes', async () => {
    const file = join(runbooks, 'greet.ts');
    writeFileSync(join(runbooks, '_text.ts'), 'export const summary: string = "hello";\n');
    writeFileSync(file, runbook('greet', { head: "import { summary } from './_text.js';", summary: 'summary' }));
    expect(summaryOf(await importer()(file))).toBe('hello');
    expect(summaryOf(await importer()(file))).toBe('hello');
    expect(compiles).toHaveLength(1);
    writeFileSync(join(runbooks, '_text.ts'), 'export const summary: string = "hi";\n');
    expect(summaryOf(await importer()(file))).toBe('hi');
    expect(compiles).toHaveLength(2);
  });

  it('links the runbook to the running Drover: one SDK, and import.meta naming the source file', async () => {
    const file = join(runbooks, 'where.ts');
    writeFileSync(file, runbook('where', { head: 'export const url = import.meta.url; export const dir = import.meta.dirname;' }));
    const mod = await importer()(file);
    expect(mod.url).toBe(pathToFileURL(file).href);
    expect(mod.dir).toBe(runbooks);
    // Not a copy: the very module the host runs (from source under Jest; dist/src/sdk/index.js when compiled).
    const code = readFileSync(join(cache, cached()[0]!), 'utf8');
    expect(code).toContain(`from "${pathToFileURL(join(ROOT, 'src', 'sdk', 'index.ts')).href}"`);
  });

  it('maps `drover` and `drover/testing` to the running Drover, whatever node_modules/drover the runbook has', async () => {
    // A team's repository with its own (here: a decoy) installed copy: the runbook must still get the host's SDK.
    const decoy = join(work, 'node_modules', 'drover');
    mkdirSync(decoy, { recursive: true });
    writeFileSync(join(decoy, 'package.json'), JSON.stringify({ name: 'drover', type: 'module', exports: { '.': './decoy.js', './testing': './decoy.js' } }));
    writeFileSync(join(decoy, 'decoy.js'), 'throw new Error("the decoy copy was loaded");\n');
    const file = join(runbooks, 'named.ts');
    writeFileSync(
      file,
      [
        "import { defineRunbook, z } from 'drover';",
        "import { startK8sFake } from 'drover/testing';",
        'export const harness = typeof startK8sFake;',
        "export default defineRunbook({ id: 'named', summary: 's', params: z.object({}), run: () => Promise.resolve() });",
        '',
      ].join('\n'),
    );
    const mod = await importer()(file);
    expect(isDefinedRunbook(mod.default)).toBe(true);
    expect(mod.harness).toBe('function');
    const code = readFileSync(join(cache, cached()[0]!), 'utf8');
    expect(code).toContain(`from "${pathToFileURL(join(ROOT, 'src', 'sdk', 'index.ts')).href}"`);
    expect(code).toContain(`from "${pathToFileURL(join(ROOT, 'src', 'testing', 'index.ts')).href}"`);
  });

  it('reports a syntax error naming the file, line and column, through loadRunbooks', async () => {
    writeFileSync(join(runbooks, 'fine.ts'), runbook('fine'));
    writeFileSync(join(runbooks, 'broken.ts'), `${runbook('broken')}\nconst x = ;\n`);
    const { registry, problems } = await loadRunbooks(runbooks, importer(), work);
    expect(registry.list().map((r) => r.id)).toEqual(['fine']);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^runbooks\/broken\.ts: failed to load: broken\.ts:5:10: Unexpected ";"$/);
  });

  it('names a helper that does not compile, and an import that does not resolve', async () => {
    writeFileSync(join(runbooks, '_bad.ts'), 'export const = 1;\n');
    writeFileSync(join(runbooks, 'uses-bad.ts'), runbook('uses-bad', { head: "import './_bad.js';" }));
    writeFileSync(join(runbooks, 'missing.ts'), runbook('missing', { head: "import './_nowhere.js';" }));
    const { problems } = await loadRunbooks(runbooks, importer(), work);
    expect(problems).toEqual([
      expect.stringMatching(/^runbooks\/missing\.ts: failed to load: missing\.ts:2:7: Could not resolve "\.\/_nowhere\.js"$/),
      expect.stringMatching(/^runbooks\/uses-bad\.ts: failed to load: _bad\.ts:1:13: Expected identifier but found "="$/),
    ]);
  });

  it('still loads when the cache directory cannot be written: a private temp directory, else memory', async () => {
    const file = join(runbooks, 'hello.ts');
    writeFileSync(file, runbook('hello'));
    // A path under a regular file cannot be created, not even by root.
    writeFileSync(join(work, 'a-file'), '');
    const unwritable = join(work, 'a-file', 'cache');
    const warnings: string[] = [];

    const viaTemp = await importer({ dir: unwritable, warn: (m) => warnings.push(m) })(file);
    expect(isDefinedRunbook(viaTemp.default)).toBe(true);
    const fallback = join(work, 'tmp', `drover-${process.getuid?.() ?? 'user'}`, 'runbooks');
    expect(cached(fallback)).toHaveLength(1);
    expect(statSync(dirname(fallback)).mode & 0o077).toBe(0);
    expect(warnings).toEqual([`cannot write the runbook cache ${unwritable}; using ${fallback}`]);

    warnings.length = 0;
    writeFileSync(file, runbook('hello', { summary: '"from memory"' }));
    const fromMemory = await importer({ dir: unwritable, tmpDir: join(work, 'a-file'), warn: (m) => warnings.push(m) })(file);
    expect(summaryOf(fromMemory)).toBe('from memory');
    expect(warnings).toEqual([expect.stringMatching(/^cannot write the runbook cache .* nor .*: runbooks are compiled on every start$/)]);
  });

  it('keeps what is used and removes, when writing, what nobody used for a month', async () => {
    const used = join(runbooks, 'used.ts');
    const gone = join(runbooks, 'gone.ts');
    writeFileSync(used, runbook('used'));
    writeFileSync(gone, runbook('gone'));
    await importer()(used);
    await importer()(gone);
    const long = new Date(Date.now() - MAX_IDLE_MS - 60_000);
    for (const name of readdirSync(cache)) utimesSync(join(cache, name), long, long);
    // A hit marks its entry as used; writing a new entry removes the idle ones.
    await importer()(used);
    writeFileSync(join(runbooks, 'new.ts'), runbook('new'));
    await importer()(join(runbooks, 'new.ts'));
    expect(cached()).toHaveLength(2);
    expect(readdirSync(cache).filter((f) => f.endsWith('.json'))).toHaveLength(2);
    compiles.length = 0;
    await importer()(used);
    await importer()(gone);
    expect(compiles).toEqual([gone]);
  });

  it('compiles .js and .mjs runbooks too (their helpers are in the content hash, their imports checked)', async () => {
    const file = join(runbooks, 'plain.mjs');
    writeFileSync(file, `import { defineRunbook, z } from ${JSON.stringify(pathToFileURL(join(ROOT, 'src', 'sdk', 'index.ts')).href)};\nexport default defineRunbook({ id: 'plain', summary: 's', params: z.object({}), run: () => Promise.resolve() });\n`);
    expect(isDefinedRunbook((await importer()(file)).default)).toBe(true);
    expect(compiles).toEqual([file]);
  });
});
