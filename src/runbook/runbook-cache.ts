import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, readFile, readdir, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hostModules, type HostModules } from './host-modules.js';
import { compileRunbook, stopCompiler } from './runbook-compiler.js';

/** Imports a module; injectable so tests and bundlers can load runbooks their own way. */
export interface ModuleImporter {
  (path: string): Promise<Record<string, unknown>>;
  /** Called when a directory is loaded: frees what loading needed (the compiler's process). */
  done?(): Promise<void>;
  /**
   * The helpers (absolute paths and SHA-256 of their content) the last import of
   * `path` bundled with it, for the runbook's content hash; undefined when unknown.
   */
  helpers?(path: string): BundledHelper[] | undefined;
  /** The bytes of `path` the last import compiled, for the runbook's content hash; undefined when unknown. */
  source?(path: string): Buffer | undefined;
}

/** A file compiled into a runbook besides the runbook's own. */
export interface BundledHelper {
  path: string;
  sha256: string;
}

/** Bump when the compiled output changes for the same input (compiler options, import mapping, imports refused: 2; another copy of Drover's internals refused: 3). */
const FORMAT = 3;

/** Entries unused for this long are removed when a new one is written, so the cache does not grow for ever. */
export const MAX_IDLE_MS = 30 * 24 * 3600 * 1000;

export interface RunbookCacheOptions {
  /** Where compiled runbooks are kept; default: `node_modules/.cache/drover/runbooks` in Drover's package. */
  dir?: string;
  /** The fallback when `dir` cannot be written: a private directory under this one (default: the system's temp dir). */
  tmpDir?: string;
  /** Told once, when compiled runbooks cannot be kept where asked. */
  warn?: (message: string) => void;
  host?: HostModules;
  /** The compiler (esbuild); tests count its calls. */
  compile?: typeof compileRunbook;
}

/** Where one compiled runbook is: `<key>.json` names `<output>.mjs` and the helpers' digests it was built from. */
interface Manifest {
  format: number;
  output: string;
  helpers: BundledHelper[];
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function writeAtomically(path: string, data: string): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, data, { mode: 0o600 });
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

async function digestOf(path: string): Promise<string | undefined> {
  return readFile(path).then(sha256, () => undefined);
}

/** Marks an entry as used: pruning goes by modification time. */
async function touch(paths: string[]): Promise<void> {
  const now = new Date();
  await Promise.all(paths.map((path) => utimes(path, now, now).catch(() => undefined)));
}

/** Removes the entries (and leftovers of interrupted writes) nobody used for MAX_IDLE_MS. */
async function prune(dir: string, now: number): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((name) => /^[0-9a-f]{64}\.(mjs|json)(\.\d+\.[0-9a-f]+\.tmp)?$/.test(name))
      .map(async (name) => {
        const path = join(dir, name);
        const info = await stat(path).catch(() => undefined);
        if (info && now - info.mtimeMs > MAX_IDLE_MS) await unlink(path).catch(() => undefined);
      }),
  );
}

/** True when `dir` exists (created if need be) and can be written. */
async function writable(dir: string, mode?: number): Promise<boolean> {
  try {
    await mkdir(dir, { recursive: true, ...(mode ? { mode } : {}) });
    await access(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** A directory in a shared place (/tmp) is used only when it is this user's alone: nobody else can plant code in it. */
async function private_(dir: string): Promise<boolean> {
  if (!(await writable(dir, 0o700))) return false;
  if (typeof process.getuid !== 'function') return true;
  const info = await stat(dir).catch(() => undefined);
  return Boolean(info && info.uid === process.getuid() && (info.mode & 0o022) === 0);
}

/**
 * Loads TypeScript runbooks without a TypeScript loader: each file is compiled
 * once with esbuild into a cache directory, named by the digest of its content
 * (and of the helpers it imports), and imported from there. A changed file gets
 * a new name, so a process never runs stale code and never needs tsx.
 *
 * The cache directory falls back to a private one under the temp dir, and to
 * importing from memory (compiled on every start) when nothing can be written.
 * `.js`/`.mjs` runbooks are compiled the same way.
 */
export function cachedRunbookImporter(options: RunbookCacheOptions = {}): ModuleImporter {
  const host = options.host ?? hostModules();
  const compile = options.compile ?? compileRunbook;
  const preferred = options.dir ?? join(host.root, 'node_modules', '.cache', 'drover', 'runbooks');
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  const fallback = join(options.tmpDir ?? tmpdir(), `drover-${uid}`, 'runbooks');
  let where: Promise<string | undefined> | undefined;
  const bundled = new Map<string, BundledHelper[]>();
  const sources = new Map<string, Buffer>();

  const cacheDir = () =>
    (where ??= (async () => {
      if (await writable(preferred)) return preferred;
      if ((await private_(join(fallback, '..'))) && (await writable(fallback, 0o700))) {
        // The default place is read-only in images; a directory asked for by name is worth a word.
        if (options.dir) options.warn?.(`cannot write the runbook cache ${preferred}; using ${fallback}`);
        return fallback;
      }
      options.warn?.(`cannot write the runbook cache ${preferred} nor ${fallback}: runbooks are compiled on every start`);
      return undefined;
    })());

  async function lookup(dir: string, key: string): Promise<{ file: string; helpers: BundledHelper[] } | undefined> {
    let manifest: Manifest;
    try {
      manifest = JSON.parse(await readFile(join(dir, `${key}.json`), 'utf8')) as Manifest;
    } catch {
      return undefined;
    }
    if (manifest.format !== FORMAT || !/^[0-9a-f]{64}$/.test(manifest.output)) return undefined;
    for (const helper of manifest.helpers) {
      if ((await digestOf(helper.path)) !== helper.sha256) return undefined;
    }
    const file = join(dir, `${manifest.output}.mjs`);
    if (!(await access(file).then(() => true, () => false))) return undefined;
    await touch([file, join(dir, `${key}.json`)]);
    return { file, helpers: manifest.helpers };
  }

  /** Writes the compiled module and its manifest; undefined when that fails (disk full, read-only): it then runs from memory. */
  async function keep(dir: string, key: string, output: string, helpers: Manifest['helpers'], code: string): Promise<string | undefined> {
    try {
      const file = join(dir, `${output}.mjs`);
      await writeAtomically(file, code);
      await writeAtomically(join(dir, `${key}.json`), JSON.stringify({ format: FORMAT, output, helpers } satisfies Manifest));
      await prune(dir, Date.now());
      return file;
    } catch (err) {
      options.warn?.(`cannot write the runbook cache ${dir} (${(err as Error).message}): running a runbook compiled in memory`);
      return undefined;
    }
  }

  const importer: ModuleImporter = async (path) => {
    // JavaScript runbooks are compiled too: imported as they are, their helpers were in no content hash (a changed
    // helper kept an approval valid), forbidden imports went unchecked, and a reload found Node's cached module.
    if (!/\.([cm]?[jt]s|[jt]sx)$/.test(path)) {
      bundled.set(path, []);
      return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    }
    const bytes = await readFile(path);
    // The content hash is taken over these very bytes, not a second read that an edit could slip between.
    sources.set(path, bytes);
    const source = bytes.toString('utf8');
    // What the output depends on besides the helpers: the file and its content, and which Drover modules it is linked to.
    const key = sha256(JSON.stringify([FORMAT, host.root, host.compiled, path, sha256(source)]));
    const dir = await cacheDir();
    const hit = dir ? await lookup(dir, key) : undefined;
    if (hit) {
      bundled.set(path, hit.helpers);
      return (await import(pathToFileURL(hit.file).href)) as Record<string, unknown>;
    }

    const compiled = await compile(path, source, host);
    const helpers = await Promise.all(compiled.helpers.map(async (helper) => ({ path: helper, sha256: compiled.digests?.get(helper) ?? (await digestOf(helper)) ?? '' })));
    bundled.set(path, helpers);
    const output = sha256(JSON.stringify([key, helpers]));
    const file = dir ? await keep(dir, key, output, helpers, compiled.code) : undefined;
    const url = file ? pathToFileURL(file).href : `data:text/javascript;base64,${Buffer.from(compiled.code).toString('base64')}`;
    return (await import(url)) as Record<string, unknown>;
  };
  importer.done = stopCompiler;
  importer.helpers = (path) => bundled.get(path);
  importer.source = (path) => sources.get(path);
  return importer;
}
