/**
 * Renders helm/drover without helm: test/chart/render is a small Go stand-in
 * for `helm template` (Go, sprig and yaml.v2 from Debian, built offline by its
 * build.sh). The binary is built once per version of its sources and kept in
 * the temporary directory, so later runs skip the build.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CHART = join(ROOT, 'helm', 'drover');
const RENDERER_SOURCES = join(ROOT, 'test', 'chart', 'render');

/** What every rendered object has; the rest is read through narrower types in the tests. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface Rendered {
  objects: K8sObject[];
  notes: string;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      // A number is the exit code; anything else (ENOENT) means the program did not run.
      if (err === null) resolve({ code: 0, stdout, stderr });
      else if (typeof err.code === 'number') resolve({ code: err.code, stdout, stderr });
      else reject(new Error(`${file}: ${err.message}`, { cause: err }));
    });
  });
}

/** True when `go` is on PATH. The chart test is skipped without it; CI installs it (.ci/run). */
export async function haveGo(): Promise<boolean> {
  return run('go', ['version']).then(
    (r) => r.code === 0,
    () => false,
  );
}

/** Builds the renderer, or reuses the binary built from the same sources. */
export async function buildRenderer(): Promise<string> {
  const files = (await readdir(RENDERER_SOURCES)).filter((f) => /\.go$|^go\.mod$|^build\.sh$/.test(f)).sort();
  const hash = createHash('sha256');
  for (const file of files) hash.update(file).update(await readFile(join(RENDERER_SOURCES, file)));
  const dir = join(tmpdir(), 'drover-chart-render');
  const binary = join(dir, `render-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(binary)) return binary;
  await mkdir(dir, { recursive: true });
  // Built beside its final name, then renamed: a concurrent run never sees half a binary.
  const partial = `${binary}-${process.pid}.tmp`;
  const build = await run('bash', [join(RENDERER_SOURCES, 'build.sh'), partial]);
  if (build.code !== 0) throw new Error(`Building the chart renderer failed:\n${build.stderr}${build.stdout}`);
  await rename(partial, binary);
  return binary;
}

export interface RenderOptions {
  release?: string;
  namespace?: string;
  /** A chart directory other than helm/drover (tests of the renderer itself). */
  chart?: string;
}

/**
 * `helm template RELEASE helm/drover -f <each values object>`: resolves to the
 * objects and NOTES.txt, or rejects with the renderer's error ("Error: ...").
 */
export async function renderChart(renderer: string, values: object[] = [], options: RenderOptions = {}): Promise<Rendered> {
  const dir = await mkdtemp(join(tmpdir(), 'drover-chart-values-'));
  try {
    const args = ['--notes', '--namespace', options.namespace ?? 'drover'];
    for (const [i, v] of values.entries()) {
      const file = join(dir, `values-${i}.yaml`);
      await writeFile(file, stringify(v));
      args.push('-f', file);
    }
    args.push(options.release ?? 'ops', options.chart ?? CHART);
    const r = await run(renderer, args);
    if (r.code !== 0) throw new Error(r.stderr.trim() || `the renderer exited with ${r.code}`);
    const at = r.stdout.indexOf('\nNOTES:\n');
    const manifests = at === -1 ? r.stdout : r.stdout.slice(0, at);
    const objects = parseAllDocuments(manifests).map((doc) => {
      if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors.map((e) => e.message).join('; ')}`);
      return doc.toJS() as K8sObject;
    });
    return { objects, notes: at === -1 ? '' : r.stdout.slice(at + '\nNOTES:\n'.length) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
