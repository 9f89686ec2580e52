/**
 * A hand-written ctx.k8s get/list/patch for the parsing tests: objects by
 * apiVersion/kind/namespace/name, the versions "served" (an unserved one is
 * k8s_api_missing, as discovery says), 403s on demand, and patches recorded
 * (and merged, RFC 7386) so a test can read what would have been sent. The
 * real API server's behaviour is checked in test/real-kube/gitops.
 */
import { DroverError } from '../../../../src/errors.js';
import type { GenericListOptions, GenericPatchOptions, JsonPatchOperation, KubeObject, ObjectOptions, PlannedChange } from '../../../../src/k8s/types.js';

export interface Sent {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  body: Record<string, unknown>;
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export class K8sDouble {
  readonly dryRun = false;
  private readonly objects = new Map<string, KubeObject>();
  readonly sent: Sent[] = [];
  readonly reads: string[] = [];
  forbidden = new Set<string>();

  constructor(private readonly served: Set<string> = new Set(['kustomize.toolkit.fluxcd.io/v1', 'helm.toolkit.fluxcd.io/v2', 'source.toolkit.fluxcd.io/v1', 'argoproj.io/v1alpha1'])) {}

  private key(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
    return `${apiVersion}|${kind}|${namespace ?? ''}|${name}`;
  }

  add(...objects: KubeObject[]): this {
    for (const o of objects) this.objects.set(this.key(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name ?? ''), structuredClone({ ...o, metadata: { resourceVersion: '1', ...o.metadata } }));
    return this;
  }

  object(apiVersion: string, kind: string, namespace: string, name: string): KubeObject | undefined {
    return this.objects.get(this.key(apiVersion, kind, namespace, name));
  }

  /** Why the call fails before the object is looked at, if it does. */
  private refusal(apiVersion: string, kind: string): DroverError | undefined {
    if (!this.served.has(apiVersion)) return new DroverError('k8s_api_missing', `does not serve kind ${kind} in ${apiVersion}`);
    if (this.forbidden.has(kind)) return new DroverError('k8s_forbidden', `forbidden: ${kind}`);
    return undefined;
  }

  get = <T extends KubeObject = KubeObject>(apiVersion: string, kind: string, name: string, options: ObjectOptions = {}): Promise<T> => {
    this.reads.push(`${apiVersion} ${kind} ${options.namespace ?? ''}/${name}`);
    const refused = this.refusal(apiVersion, kind);
    if (refused) return Promise.reject(refused);
    const found = this.objects.get(this.key(apiVersion, kind, options.namespace, name));
    return found ? Promise.resolve(structuredClone(found) as T) : Promise.reject(new DroverError('k8s_not_found', `${kind} ${name} not found`));
  };

  list = <T extends KubeObject = KubeObject>(apiVersion: string, kind: string, options: GenericListOptions = {}): Promise<T[]> => {
    const refused = this.refusal(apiVersion, kind);
    if (refused) return Promise.reject(refused);
    const items = [...this.objects.values()].filter((o) => o.apiVersion === apiVersion && o.kind === kind && (!options.namespace || o.metadata.namespace === options.namespace));
    return Promise.resolve(items.map((o) => structuredClone(o) as T));
  };

  patch = <T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    name: string,
    body: Record<string, unknown> | JsonPatchOperation[],
    options: GenericPatchOptions = {},
  ): Promise<PlannedChange & { object: T }> => {
    const key = this.key(apiVersion, kind, options.namespace, name);
    const before = this.objects.get(key);
    if (!before || Array.isArray(body)) return Promise.reject(new DroverError('k8s_not_found', `${kind} ${name} not found`));
    this.sent.push({ apiVersion, kind, name, namespace: options.namespace, body: structuredClone(body) });
    const pinned = (body.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
    if (pinned !== undefined && pinned !== before.metadata.resourceVersion) return Promise.reject(new DroverError('k8s_conflict', 'the object has been modified', { retryable: true }));
    const after = mergePatch(before, body) as KubeObject;
    after.metadata.resourceVersion = String(Number(before.metadata.resourceVersion ?? '0') + 1);
    this.objects.set(key, after);
    const change: PlannedChange = { verb: 'patch', kind, namespace: options.namespace, name, dryRun: false, summary: `merge patch ${kind}`, diff: 'diff' };
    return Promise.resolve({ ...change, object: structuredClone(after) as T });
  };
}
