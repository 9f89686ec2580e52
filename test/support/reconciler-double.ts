/**
 * A reconciler DOUBLE: plays Flux's kustomize-controller and Argo CD's
 * application controller against a real kube-apiserver, from a real bare git
 * repository. No real Flux or Argo CD can run here (no images, no network), so
 * this reproduces what Drover depends on, and only that:
 *
 * - it reads the owner object from the API server each tick (Flux
 *   Kustomization: spec.path, spec.suspend, spec.targetNamespace; Argo CD
 *   Application: spec.source.path, spec.source.directory.recurse,
 *   spec.destination.namespace, spec.syncPolicy.automated and its selfHeal);
 * - it renders the manifests under the path at the branch head (see
 *   renderPath for the kustomize subset) and server-side applies them with the
 *   tools' field managers and force, labelled/annotated as the tools do;
 * - so drift is reverted: Flux at every interval (unless suspended), Argo CD
 *   with self-heal; Argo CD auto-sync without self-heal applies only a new
 *   revision, and reports OutOfSync while the live objects differ;
 * - it writes the owner's status through the status subresource, in the
 *   shapes the tools use (Flux Ready condition and lastAppliedRevision
 *   `<branch>@sha1:<sha>`; Argo CD sync/health/resources/operationState).
 *
 * What it does NOT do: pruning (objects removed from git stay), health
 * checks and waiting (Argo CD health is always Healthy), dependsOn, the
 * GitRepository/repoURL and per-object intervals (it follows the repository
 * and branch it is given, at intervalMs), Helm (HelmRelease, Argo CD Helm
 * sources), sync waves and hooks, Argo CD manual syncs and retries, and most
 * of kustomize (see renderPath).
 */
import { execFile } from 'node:child_process';
import { posix } from 'node:path';
import { promisify } from 'node:util';
import { ApiException, CustomObjectsApi, KubernetesObjectApi, PatchStrategy, setHeaderOptions, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { parse, parseAllDocuments } from 'yaml';
import type { ObjectRef } from '../../src/gitops/types.js';
import { GIT_PATH } from './git-repo.js';

export type DoubleOwner = { tool: 'flux'; kustomization: { namespace: string; name: string } } | { tool: 'argocd'; application: { namespace: string; name: string } };

export interface AppliedRecord {
  owner: DoubleOwner;
  sha: string;
  objects: ObjectRef[];
}

export interface ReconcilerDouble {
  /** Stops the loop and waits (bounded) for the tick in flight. */
  stop(): Promise<void>;
  /** Runs one tick for every owner now (after the one in flight, if any). */
  reconcileNow(): Promise<void>;
  /** Every apply, oldest first (the last 1,000). */
  applied: AppliedRecord[];
  /** Failures of ticks (also written to the owner's status when it exists), oldest first (the last 1,000). */
  errors: Array<{ owner: DoubleOwner; message: string }>;
}

export interface ReconcilerDoubleOptions {
  kubeConfig: KubeConfig;
  repo: { bare: string; branch: string };
  owners: DoubleOwner[];
  /** Default 200. */
  intervalMs?: number;
  /** How Argo CD marks what it applied: the tracking-id annotation (default), the instance label, or both. */
  argocdTracking?: 'annotation' | 'label' | 'annotation+label';
  /**
   * Argo CD's own namespace (default `argocd`). An Application elsewhere
   * ("apps in any namespace") is named `<namespace>_<name>` in its tracking
   * id and instance label, as Argo CD does.
   */
  argocdNamespace?: string;
}

const FLUX = { group: 'kustomize.toolkit.fluxcd.io', version: 'v1', plural: 'kustomizations', manager: 'kustomize-controller' } as const;
const ARGO = { group: 'argoproj.io', version: 'v1alpha1', plural: 'applications', manager: 'argocd-controller' } as const;
const REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';
const ARGO_REFRESH = 'argocd.argoproj.io/refresh';
const KEEP = 1000;
const MAX_FILES = 1000;
const MAX_OBJECTS = 1000;
const MAX_DEPTH = 10;
const STOP_WAIT_MS = 10_000;
const DNS_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const KIND = /^[A-Za-z][A-Za-z0-9]{0,62}$/;
const API_VERSION = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?v[0-9][a-z0-9]*$/;
const SHA = /^[0-9a-f]{40,64}$/;

type Obj = Record<string, unknown>;
interface Manifest extends KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } & Obj;
  spec?: unknown;
}

const execFileP = promisify(execFile);

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Git, read-only, on the bare repository; bounded in time and size, killed on stop. */
async function gitRead(bare: string, args: string[], signal: AbortSignal): Promise<string> {
  const { stdout } = await execFileP('git', args, {
    cwd: bare,
    encoding: 'utf8',
    env: { PATH: GIT_PATH, HOME: bare, GIT_CONFIG_NOSYSTEM: '1' },
    maxBuffer: 4 * 1024 * 1024,
    timeout: 10_000,
    signal,
  });
  return stdout;
}

/** One commit's files: the list up front, contents on demand. */
interface Tree {
  files: Set<string>;
  read(path: string): Promise<string>;
}

async function treeAt(bare: string, sha: string, signal: AbortSignal): Promise<Tree> {
  const list = (await gitRead(bare, ['ls-tree', '-r', '-z', '--full-tree', '--name-only', sha], signal)).split('\0').filter(Boolean);
  return { files: new Set(list), read: (path) => gitRead(bare, ['cat-file', 'blob', `${sha}:${path}`], signal) };
}

/** A repository-relative directory or file, normalised; refused when it leaves the repository. */
function inRepo(path: string, what: string): string {
  const normal = posix.normalize(path.replace(/^\.\/+/, '')).replace(/\/+$/, '');
  if (path.startsWith('/') || normal === '..' || normal.startsWith('../') || path.includes('\0')) throw new Error(`${what} ${JSON.stringify(path)} leaves the repository`);
  return normal === '.' ? '' : normal;
}

const join = (dir: string, name: string) => (dir === '' ? name : `${dir}/${name}`);
const isYaml = (file: string) => /\.ya?ml$/.test(file);
const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Every document of a YAML file as a checked manifest; empty documents skipped. */
function manifestsOf(file: string, text: string): Manifest[] {
  const out: Manifest[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`${file}: invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    out.push(checkManifest(file, value));
  }
  return out;
}

function checkManifest(file: string, value: unknown): Manifest {
  if (!isObj(value)) throw new Error(`${file}: a document is not a Kubernetes object (a mapping)`);
  const { apiVersion, kind, metadata } = value;
  const name = isObj(metadata) ? metadata.name : undefined;
  const namespace = isObj(metadata) ? metadata.namespace : undefined;
  if (typeof apiVersion !== 'string' || !API_VERSION.test(apiVersion)) throw new Error(`${file}: apiVersion ${JSON.stringify(apiVersion)} is missing or invalid`);
  if (typeof kind !== 'string' || !KIND.test(kind)) throw new Error(`${file}: kind ${JSON.stringify(kind)} is missing or invalid`);
  if (typeof name !== 'string' || !DNS_NAME.test(name)) throw new Error(`${file}: ${kind} metadata.name ${JSON.stringify(name)} is missing or invalid`);
  if (namespace !== undefined && (typeof namespace !== 'string' || !DNS_NAME.test(namespace))) throw new Error(`${file}: ${kind}/${name} metadata.namespace is invalid`);
  return value as unknown as Manifest;
}

/** RFC 7386 JSON merge patch: objects merge key by key, null removes, anything else (lists included) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return patch;
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '__proto__') throw new Error('a patch may not set __proto__');
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

const SCALABLE = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController']);
const KUSTOMIZATION_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'patches', 'patchesStrategicMerge', 'namespace', 'replicas']);

/**
 * Renders the manifests under `dir` at one commit. A directory with a
 * kustomization.yaml is built from it; one without is every YAML file in it
 * (recursively when `recurse`; a subdirectory with its own kustomization.yaml
 * is built from that), as Flux's generated kustomization and Argo CD's
 * directory source do.
 *
 * The kustomize subset: `resources` (local files and directories only),
 * `patches` with `path:` or inline `patch:` and `patchesStrategicMerge`, each
 * applied as an RFC 7386 JSON merge onto the objects with the patch's kind and
 * name (and namespace, when it names one), `namespace`, and `replicas`. What
 * real kustomize does and this does NOT: strategic merge of lists by key
 * (containers by name; here a patched list replaces the whole list), `$patch`
 * directives, JSON 6902 patches and `target:` selectors, remote resources,
 * generators (configMapGenerator…), components, images, name prefixes and
 * suffixes, common labels and annotations, Helm charts. Any of those fields
 * is refused with an error rather than ignored.
 */
export async function renderPath(tree: Tree, dir: string, recurse: boolean, depth = 0): Promise<Manifest[]> {
  if (depth > MAX_DEPTH) throw new Error(`kustomizations nested deeper than ${MAX_DEPTH} (a cycle?) at ${dir || '.'}`);
  const kfile = KUSTOMIZATION_FILES.map((f) => join(dir, f)).find((f) => tree.files.has(f));
  if (kfile) return build(tree, dir, kfile, depth);
  const prefix = dir === '' ? '' : `${dir}/`;
  const under = [...tree.files].filter((f) => f.startsWith(prefix));
  if (under.length === 0) throw new Error(`path ${JSON.stringify(dir || '.')} not found in the repository`);
  // A subdirectory with its own kustomization is built from it, once, from its topmost such directory.
  const kdirs = under.filter((f) => KUSTOMIZATION_FILES.includes(posix.basename(f))).map((f) => posix.dirname(f));
  const topOf = (file: string) => kdirs.filter((d) => file.startsWith(`${d}/`)).sort((a, b) => a.length - b.length)[0];
  const built = new Set<string>();
  const out: Manifest[] = [];
  for (const file of under.sort()) {
    if (!recurse && file.slice(prefix.length).includes('/')) continue;
    const top = topOf(file);
    if (top !== undefined) {
      if (!built.has(top)) {
        built.add(top);
        out.push(...(await renderPath(tree, top, recurse, depth + 1)));
      }
    } else if (isYaml(file)) out.push(...manifestsOf(file, await tree.read(file)));
    if (out.length > MAX_OBJECTS) throw new Error(`more than ${MAX_OBJECTS} objects under ${dir || '.'}`);
  }
  return out;
}

async function build(tree: Tree, dir: string, kfile: string, depth: number): Promise<Manifest[]> {
  const k: unknown = parse(await tree.read(kfile), { maxAliasCount: 100 });
  if (!isObj(k)) throw new Error(`${kfile}: not a kustomization (a mapping)`);
  const unsupported = Object.keys(k).filter((key) => !KUSTOMIZATION_FIELDS.has(key));
  if (unsupported.length) throw new Error(`${kfile}: ${unsupported.join(', ')} not supported by the reconciler double`);
  const list = (key: string): unknown[] => {
    const v = k[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw new Error(`${kfile}: ${key} must be a list`);
    return v;
  };

  let objects: Manifest[] = [];
  for (const entry of list('resources')) {
    if (typeof entry !== 'string' || entry === '') throw new Error(`${kfile}: a resources entry is not a path`);
    if (/^[a-z]+:\/\/|^github\.com\//i.test(entry)) throw new Error(`${kfile}: remote resource ${entry} not supported by the reconciler double`);
    const target = inRepo(join(dir, entry), `${kfile}: resource`);
    if (tree.files.has(target)) objects.push(...manifestsOf(target, await tree.read(target)));
    else if ([...tree.files].some((f) => f.startsWith(`${target}/`))) {
      if (!KUSTOMIZATION_FILES.some((f) => tree.files.has(join(target, f)))) throw new Error(`${kfile}: resource directory ${entry} has no kustomization.yaml`);
      objects.push(...(await renderPath(tree, target, false, depth + 1)));
    } else throw new Error(`${kfile}: resource ${entry} not found`);
  }

  const patchTexts: Array<{ from: string; text: string }> = [];
  for (const p of list('patches')) {
    if (!isObj(p)) throw new Error(`${kfile}: a patches entry is not a mapping`);
    if (p.target !== undefined) throw new Error(`${kfile}: patches with target: not supported by the reconciler double`);
    if (typeof p.path === 'string') {
      const file = inRepo(join(dir, p.path), `${kfile}: patch`);
      if (!tree.files.has(file)) throw new Error(`${kfile}: patch file ${p.path} not found`);
      patchTexts.push({ from: file, text: await tree.read(file) });
    } else if (typeof p.patch === 'string') patchTexts.push({ from: `${kfile} (inline patch)`, text: p.patch });
    else throw new Error(`${kfile}: a patches entry has neither path nor patch`);
  }
  for (const p of list('patchesStrategicMerge')) {
    if (typeof p !== 'string') throw new Error(`${kfile}: a patchesStrategicMerge entry is not a path`);
    const file = inRepo(join(dir, p), `${kfile}: patch`);
    if (!tree.files.has(file)) throw new Error(`${kfile}: patch file ${p} not found`);
    patchTexts.push({ from: file, text: await tree.read(file) });
  }
  for (const { from, text } of patchTexts) {
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length) throw new Error(`${from}: invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
      const patch: unknown = doc.toJS({ maxAliasCount: 100 });
      if (patch === null || patch === undefined) continue;
      if (Array.isArray(patch)) throw new Error(`${from}: JSON 6902 patches not supported by the reconciler double`);
      const p = checkManifest(from, patch);
      let hits = 0;
      objects = objects.map((o) => {
        if (o.kind !== p.kind || o.metadata.name !== p.metadata.name || (p.metadata.namespace !== undefined && o.metadata.namespace !== p.metadata.namespace)) return o;
        hits += 1;
        return mergePatch(o, p) as Manifest;
      });
      if (hits === 0) throw new Error(`${from}: the patch of ${p.kind}/${p.metadata.name} matches no resource`);
    }
  }

  if (k.namespace !== undefined) {
    if (typeof k.namespace !== 'string' || !DNS_NAME.test(k.namespace)) throw new Error(`${kfile}: namespace is invalid`);
    const ns = k.namespace;
    objects = objects.map((o) => ({ ...o, metadata: { ...o.metadata, namespace: ns } }));
  }
  for (const r of list('replicas')) {
    if (!isObj(r) || typeof r.name !== 'string' || typeof r.count !== 'number' || !Number.isInteger(r.count) || r.count < 0) {
      throw new Error(`${kfile}: a replicas entry needs a name and a whole count`);
    }
    const { name, count } = r;
    objects = objects.map((o) => (SCALABLE.has(o.kind) && o.metadata.name === name ? { ...o, spec: { ...(isObj(o.spec) ? o.spec : {}), replicas: count } } : o));
  }
  if (objects.length > MAX_OBJECTS) throw new Error(`more than ${MAX_OBJECTS} objects from ${kfile}`);
  return objects;
}

/** An API server error's own message (not the whole response with its headers), or the error's. */
function describe(err: unknown): string {
  let message = err instanceof Error ? err.message : String(err);
  if (err instanceof ApiException) {
    let body: unknown = err.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body) as unknown;
      } catch {
        // not JSON: keep the code only
      }
    }
    message = isObj(body) && typeof body.message === 'string' ? `${err.code}: ${body.message}` : `HTTP ${err.code}`;
  }
  return message.length > 500 ? `${message.slice(0, 500)}…` : message;
}

/** KubernetesObjectApi with its discovery exposed: whether a kind is namespaced. */
class ObjectApi extends KubernetesObjectApi {
  async namespaced(apiVersion: string, kind: string): Promise<boolean> {
    const r = await this.resource(apiVersion, kind);
    if (!r) throw new Error(`the API server does not serve ${kind} in ${apiVersion}`);
    return r.namespaced;
  }
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');
const versionOf = (apiVersion: string) => apiVersion.split('/').pop()!;
const refOf = (o: Manifest): ObjectRef => ({ apiVersion: o.apiVersion, kind: o.kind, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}), name: o.metadata.name });

/** What a live object says, without what the server keeps for itself (for drift comparison). */
function comparable(o: KubernetesObject | undefined): string {
  if (!o) return '';
  const { status: _status, ...rest } = o as Obj;
  const meta = isObj(rest.metadata) ? rest.metadata : {};
  const { managedFields: _m, resourceVersion: _r, generation: _g, ...keptMeta } = meta;
  return stableJson({ ...rest, metadata: keptMeta });
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (isObj(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

export function startReconcilerDouble(options: ReconcilerDoubleOptions): ReconcilerDouble {
  const { kubeConfig, repo } = options;
  const intervalMs = options.intervalMs ?? 200;
  const tracking = options.argocdTracking ?? 'annotation';
  const argocdNamespace = options.argocdNamespace ?? 'argocd';
  const objectsApi = kubeConfig.makeApiClient(ObjectApi);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const abort = new AbortController();
  const applied: AppliedRecord[] = [];
  const errors: ReconcilerDouble['errors'] = [];
  // A commit's rendering never changes: cached by sha, path and recursion.
  const rendered = new Map<string, Manifest[]>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();

  const keep = <T>(list: T[], item: T) => {
    list.push(item);
    if (list.length > KEEP) list.splice(0, list.length - KEEP);
  };

  async function head(): Promise<string> {
    const sha = (await gitRead(repo.bare, ['rev-parse', '--verify', '-q', `refs/heads/${repo.branch}^{commit}`], abort.signal)).trim();
    if (!SHA.test(sha)) throw new Error(`branch ${repo.branch} not found in ${repo.bare}`);
    return sha;
  }

  async function render(sha: string, path: string, recurse: boolean): Promise<Manifest[]> {
    const key = `${sha}\0${path}\0${recurse}`;
    const hit = rendered.get(key);
    if (hit) return hit;
    const tree = await treeAt(repo.bare, sha, abort.signal);
    if (tree.files.size > MAX_FILES * 10) throw new Error(`the commit has more than ${MAX_FILES * 10} files`);
    const out = await renderPath(tree, inRepo(path, 'path'), recurse);
    if (rendered.size > 100) rendered.clear();
    rendered.set(key, out);
    return out;
  }

  /** The manifests as this owner applies them: namespace settled, the tool's marks added. */
  async function prepare(owner: DoubleOwner, objects: Manifest[], namespace: { override?: string; fallback?: string }): Promise<Manifest[]> {
    const out: Manifest[] = [];
    for (const o of objects) {
      const namespaced = await objectsApi.namespaced(o.apiVersion, o.kind);
      const metadata = { ...o.metadata };
      if (!namespaced) delete metadata.namespace;
      else {
        const ns = namespace.override ?? metadata.namespace ?? namespace.fallback;
        if (!ns) throw new Error(`${o.kind}/${o.metadata.name} namespace not specified`);
        metadata.namespace = ns;
      }
      if (owner.tool === 'flux') {
        metadata.labels = { ...metadata.labels, 'kustomize.toolkit.fluxcd.io/name': owner.kustomization.name, 'kustomize.toolkit.fluxcd.io/namespace': owner.kustomization.namespace };
      } else {
        const { namespace: appNamespace, name: appName } = owner.application;
        const app = appNamespace === argocdNamespace ? appName : `${appNamespace}_${appName}`;
        if (tracking !== 'label') {
          const id = `${app}:${groupOf(o.apiVersion)}/${o.kind}:${metadata.namespace ?? ''}/${o.metadata.name}`;
          metadata.annotations = { ...metadata.annotations, 'argocd.argoproj.io/tracking-id': id };
        }
        if (tracking !== 'annotation') metadata.labels = { ...metadata.labels, 'app.kubernetes.io/instance': app };
      }
      out.push({ ...o, metadata });
    }
    return out;
  }

  const apply = (o: Manifest, manager: string, dryRun = false) =>
    objectsApi.patch(structuredClone(o), undefined, dryRun ? 'All' : undefined, manager, true, PatchStrategy.ServerSideApply);

  /** Whether any live object differs from what applying `objects` would make of it. */
  async function drifted(objects: Manifest[], manager: string): Promise<boolean> {
    for (const o of objects) {
      const header = { apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) } };
      const live = await objectsApi.read(header).catch((err: unknown) => {
        if (err instanceof ApiException && err.code === 404) return undefined;
        throw err;
      });
      if (comparable(live) !== comparable(await apply(o, manager, true))) return true;
    }
    return false;
  }

  async function writeStatus(crd: typeof FLUX | typeof ARGO, namespace: string, name: string, current: unknown, status: Obj): Promise<void> {
    // Only a change is written: a status rewritten every tick would churn resourceVersions for nothing.
    if (stableJson(mergePatch(current ?? {}, status)) === stableJson(current ?? {})) return;
    await custom.patchNamespacedCustomObjectStatus(
      { group: crd.group, version: crd.version, namespace, plural: crd.plural, name, body: { status }, fieldManager: crd.manager },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

  /** A condition, keeping its lastTransitionTime while its status does not change. */
  function condition(previous: unknown, type: string, status: 'True' | 'False', reason: string, message: string): Obj {
    const old = Array.isArray(previous) ? previous.find((c): c is Obj => isObj(c) && c.type === type) : undefined;
    const lastTransitionTime = old && old.status === status && typeof old.lastTransitionTime === 'string' ? old.lastTransitionTime : now();
    return { type, status, reason, message, lastTransitionTime };
  }

  async function reconcileFlux(owner: Extract<DoubleOwner, { tool: 'flux' }>): Promise<void> {
    const { namespace, name } = owner.kustomization;
    const ks = (await custom.getNamespacedCustomObject({ group: FLUX.group, version: FLUX.version, namespace, plural: FLUX.plural, name })) as Obj;
    const spec = isObj(ks.spec) ? ks.spec : {};
    const status = isObj(ks.status) ? ks.status : {};
    if (spec.suspend === true) return;
    const generation = isObj(ks.metadata) ? ks.metadata.generation : undefined;
    const annotations = isObj(ks.metadata) && isObj(ks.metadata.annotations) ? ks.metadata.annotations : {};
    const requestedAt = typeof annotations[REQUESTED_AT] === 'string' ? annotations[REQUESTED_AT] : undefined;
    let revision: string | undefined;
    // Flux says BuildFailed when kustomize cannot build the path, ReconciliationFailed when applying fails.
    let reason = 'BuildFailed';
    try {
      const sha = await head();
      revision = `${repo.branch}@sha1:${sha}`;
      const targetNamespace = typeof spec.targetNamespace === 'string' ? spec.targetNamespace : undefined;
      const manifests = await render(sha, typeof spec.path === 'string' ? spec.path : '', true);
      reason = 'ReconciliationFailed';
      const objects = await prepare(owner, manifests, { override: targetNamespace });
      for (const o of objects) await apply(o, FLUX.manager);
      keep(applied, { owner, sha, objects: objects.map(refOf) });
      await writeStatus(FLUX, namespace, name, ks.status, {
        observedGeneration: generation,
        lastAppliedRevision: revision,
        // `flux reconcile` (and Drover's resume) ask for a reconciliation by this annotation; Flux says it handled it.
        ...(requestedAt ? { lastHandledReconcileAt: requestedAt } : {}),
        lastAttemptedRevision: revision,
        inventory: { entries: objects.map((o) => ({ id: `${o.metadata.namespace ?? ''}_${o.metadata.name}_${groupOf(o.apiVersion)}_${o.kind}`, v: versionOf(o.apiVersion) })) },
        conditions: [condition(status.conditions, 'Ready', 'True', 'ReconciliationSucceeded', `Applied revision: ${revision}`)],
      });
    } catch (err) {
      if (abort.signal.aborted) return;
      const message = describe(err);
      keep(errors, { owner, message });
      await writeStatus(FLUX, namespace, name, ks.status, {
        observedGeneration: generation,
        ...(revision ? { lastAttemptedRevision: revision } : {}),
        conditions: [condition(status.conditions, 'Ready', 'False', reason, message)],
      });
    }
  }

  async function reconcileArgo(owner: Extract<DoubleOwner, { tool: 'argocd' }>): Promise<void> {
    const { namespace, name } = owner.application;
    const app = (await custom.getNamespacedCustomObject({ group: ARGO.group, version: ARGO.version, namespace, plural: ARGO.plural, name })) as Obj;
    const spec = isObj(app.spec) ? app.spec : {};
    const status = isObj(app.status) ? app.status : {};
    const source = isObj(spec.source) ? spec.source : {};
    const destination = isObj(spec.destination) ? spec.destination : {};
    // Auto-sync is on with an automated block, unless it says enabled: false (Argo CD 3).
    const automated = isObj(spec.syncPolicy) && isObj(spec.syncPolicy.automated) && spec.syncPolicy.automated.enabled !== false ? spec.syncPolicy.automated : undefined;
    const lastSynced = isObj(status.operationState) && isObj(status.operationState.syncResult) ? status.operationState.syncResult.revision : undefined;
    let sha: string | undefined;
    let attempted = false;
    try {
      if (spec.sources !== undefined) throw new Error('multi-source Applications (spec.sources) not supported by the reconciler double');
      sha = await head();
      const recurse = isObj(source.directory) && source.directory.recurse === true;
      const fallback = typeof destination.namespace === 'string' ? destination.namespace : undefined;
      const objects = await prepare(owner, await render(sha, typeof source.path === 'string' ? source.path : '', recurse), { fallback });
      let synced: boolean;
      let operationState = status.operationState;
      if (automated && (sha !== lastSynced || automated.selfHeal === true)) {
        attempted = true;
        for (const o of objects) await apply(o, ARGO.manager);
        keep(applied, { owner, sha, objects: objects.map(refOf) });
        synced = true;
        const old = isObj(status.operationState) ? status.operationState : {};
        const same = old.phase === 'Succeeded' && lastSynced === sha;
        operationState = same
          ? old
          : { phase: 'Succeeded', message: 'successfully synced (all tasks run)', startedAt: now(), finishedAt: now(), syncResult: { revision: sha } };
      } else {
        synced = sha === lastSynced && !(await drifted(objects, ARGO.manager));
      }
      await writeStatus(ARGO, namespace, name, app.status, {
        sync: { status: synced ? 'Synced' : 'OutOfSync', revision: sha },
        health: { status: 'Healthy' },
        resources: objects.map((o) => ({
          ...(groupOf(o.apiVersion) ? { group: groupOf(o.apiVersion) } : {}),
          version: versionOf(o.apiVersion),
          kind: o.kind,
          ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
          name: o.metadata.name,
          status: synced ? 'Synced' : 'OutOfSync',
        })),
        operationState: operationState ?? null,
        conditions: null,
      });
      // Argo CD refreshes on this annotation and then takes it away.
      const annotations = isObj(app.metadata) && isObj(app.metadata.annotations) ? app.metadata.annotations : {};
      if (annotations[ARGO_REFRESH] !== undefined) {
        await custom.patchNamespacedCustomObject(
          { group: ARGO.group, version: ARGO.version, namespace, plural: ARGO.plural, name, body: { metadata: { annotations: { [ARGO_REFRESH]: null } } }, fieldManager: ARGO.manager },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      }
    } catch (err) {
      if (abort.signal.aborted) return;
      const message = describe(err);
      keep(errors, { owner, message });
      await writeStatus(ARGO, namespace, name, app.status, {
        sync: { status: 'OutOfSync', ...(sha ? { revision: sha } : {}) },
        conditions: [{ type: attempted ? 'SyncError' : 'ComparisonError', message, lastTransitionTime: now() }],
        ...(attempted ? { operationState: { phase: 'Failed', message, startedAt: now(), finishedAt: now(), syncResult: { revision: sha } } } : {}),
      });
    }
  }

  async function tick(): Promise<void> {
    for (const owner of options.owners) {
      if (stopped) return;
      try {
        if (owner.tool === 'flux') await reconcileFlux(owner);
        else await reconcileArgo(owner);
      } catch (err) {
        // The owner could not be read or its status not written (absent, API server gone): noted, the loop goes on.
        if (!abort.signal.aborted) keep(errors, { owner, message: describe(err) });
      }
    }
  }

  const run = (): Promise<void> => (chain = chain.then(tick, tick));

  const loop = async () => {
    await run();
    if (!stopped) timer = setTimeout(() => void loop(), intervalMs);
  };
  timer = setTimeout(() => void loop(), 0);

  return {
    applied,
    errors,
    reconcileNow: () => (stopped ? Promise.reject(new Error('the reconciler double is stopped')) : run()),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      abort.abort();
      let giveUp: NodeJS.Timeout | undefined;
      await Promise.race([chain, new Promise((r) => (giveUp = setTimeout(r, STOP_WAIT_MS)))]);
      clearTimeout(giveUp);
    },
  };
}
