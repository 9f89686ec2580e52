import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, extname, isAbsolute, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BuildFailure, Loader, Message, Plugin } from 'esbuild';
import { isOwnModule, isUnder, packageEntryUrl, type HostModules } from './host-modules.js';
import { forbiddenDroverModule, forbiddenPackage } from './forbidden-imports.js';

/** A runbook compiled to one ES module. */
export interface CompiledRunbook {
  code: string;
  /** Other files compiled into `code` (absolute paths): the helpers the runbook imports from its own directory or project. */
  helpers: string[];
  /** SHA-256 of each helper as the compiler read it (a file edited during the compilation keeps the digest of what was compiled). */
  digests?: Map<string, string>;
}

/** A runbook (or a helper it imports) that does not compile; the message names the file, line and column. */
export class RunbookCompileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RunbookCompileError';
  }
}

const SKIP = Symbol('resolving');
const LOADERS: Record<string, Loader> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js' };

/**
 * Bundles what belongs to the runbook (its file and local helpers) and leaves
 * everything else to Node, as absolute URLs so the cached file can live anywhere:
 * Drover's own modules (mapped to the ones this process runs, see HostModules;
 * `drover` and `drover/testing` by name, see packageEntryUrl),
 * packages (resolved from the runbook's directory, as Node would), builtins.
 */
function importsPlugin(host: HostModules, digests: Map<string, string>): Plugin {
  return {
    name: 'drover-runbook-imports',
    setup(build) {
      // Helpers are read here, so their digests are of the very bytes compiled.
      build.onLoad({ filter: /\.(ts|mts|cts|tsx|js|mjs)$/ }, async (args) => {
        const bytes = await readFile(args.path);
        digests.set(args.path, createHash('sha256').update(bytes).digest('hex'));
        return { contents: bytes, loader: LOADERS[extname(args.path)] ?? 'ts', resolveDir: dirname(args.path) };
      });
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === 'entry-point' || args.pluginData === SKIP) return undefined;
        // A file: URL (as a JavaScript runbook may import) is its path, held to the same rules.
        if (args.path.startsWith('file:')) {
          const path = fileURLToPath(args.path);
          return build.resolve(path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer });
        }
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        // `drover` and `drover/testing` are this Drover, wherever the runbook lives.
        const entry = packageEntryUrl(host, args.path);
        if (entry) return { path: entry, external: true };
        // Past ctx there is no dry run, audit or cancellation: refused here, named in the load problem.
        const refused = forbiddenPackage(args.path);
        if (refused) return { errors: [{ text: refused }] };
        const relativeOrAbsolute = args.path.startsWith('.') || isAbsolute(args.path);
        // Compiled Drover may ship without src/: map by path, without looking for the file.
        if (host.compiled && relativeOrAbsolute) {
          const target = resolve(args.resolveDir, args.path);
          const internal = forbiddenDroverModule(host, args.path, target);
          if (internal) return { errors: [{ text: internal }] };
          if (isUnder(target, host.sourceDir)) return { path: host.moduleUrl(target), external: true };
        }
        const found = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: SKIP });
        if (found.errors.length) return { errors: found.errors };
        if (found.external) return { path: found.path, external: true };
        const internal = forbiddenDroverModule(host, args.path, found.path);
        if (internal) return { errors: [{ text: internal }] };
        if (isUnder(found.path, host.sourceDir)) return { path: host.moduleUrl(found.path), external: true };
        const typeScript = /\.[cm]?tsx?$/.test(found.path);
        if (isOwnModule(host, found.path) || (found.path.includes(`${sep}node_modules${sep}`) && !typeScript)) {
          return { path: pathToFileURL(found.path).href, external: true };
        }
        return { path: found.path };
      });
    },
  };
}

function describe(message: Message): string {
  const at = message.location ? `${message.location.file}:${message.location.line}:${message.location.column}: ` : '';
  return `${at}${message.text}`;
}

function isBuildFailure(err: unknown): err is BuildFailure {
  return err instanceof Error && Array.isArray((err as Partial<BuildFailure>).errors);
}

// esbuild answers from a child process, started on the first compilation.
let active = 0;
let started: { stop(): Promise<void> } | undefined;

/** Stops esbuild's child process once no compilation is under way (a later one starts it again). */
export async function stopCompiler(): Promise<void> {
  const esbuild = started;
  if (!esbuild || active > 0) return;
  started = undefined;
  await esbuild.stop();
}

/**
 * Compiles a runbook file (TypeScript) to one ES module with esbuild. `source` is
 * the file's content as read by the caller, so the cache key and the code agree.
 */
export async function compileRunbook(path: string, source: string, host: HostModules): Promise<CompiledRunbook> {
  const esbuild = await import('esbuild');
  started = esbuild;
  active++;
  const digests = new Map<string, string>();
  try {
    const dir = dirname(path);
    const result = await esbuild.build({
      stdin: { contents: source, loader: LOADERS[extname(path)] ?? 'ts', resolveDir: dir, sourcefile: path },
      absWorkingDir: dir,
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
      // Stack traces name the TypeScript source when source maps are enabled (--enable-source-maps).
      sourcemap: 'inline',
      sourcesContent: false,
      sourceRoot: `${pathToFileURL(dir).href}/`,
      // The runbook sees its own location, not the cache's.
      define: {
        'import.meta.url': JSON.stringify(pathToFileURL(path).href),
        'import.meta.filename': JSON.stringify(path),
        'import.meta.dirname': JSON.stringify(dir),
      },
      plugins: [importsPlugin(host, digests)],
    });
    const code = result.outputFiles[0]?.text ?? '';
    // The entry is named by its sourcefile (or <stdin>); the rest are the helpers bundled with it.
    const helpers = Object.keys(result.metafile.inputs)
      .filter((input) => input !== '<stdin>')
      .map((input) => resolve(dir, input))
      .filter((input) => input !== path);
    return { code, helpers, digests };
  } catch (err) {
    if (!isBuildFailure(err)) throw err;
    const [first] = err.errors;
    const more = err.errors.length > 1 ? ` (and ${err.errors.length - 1} more error${err.errors.length > 2 ? 's' : ''})` : '';
    throw new RunbookCompileError(`${first ? describe(first) : err.message}${more}`, { cause: err });
  } finally {
    active--;
  }
}
