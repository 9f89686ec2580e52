/**
 * ctx.k8s.get/list/apply/patch: any kind the cluster serves, custom
 * resources included, found through discovery. Writes go the way every
 * K8sOps mutation goes (Mutations.run: audited through the hooks, dryRun=All
 * in a dry run, a PlannedChange with the diff between the object before and
 * the object as the server answered). Secrets show no values in any plan.
 */
import { PatchStrategy, type Configuration, type KubeConfig } from '@kubernetes/client-node';
import { DroverError } from '../errors.js';
import type { ApiCaller } from './api-caller.js';
import type { ApiDiscovery, ServedKind } from './api-discovery.js';
import type {
  ApplyOptions,
  GenericListOptions,
  GenericPatchOptions,
  JsonPatchOperation,
  KubeManifest,
  KubeObject,
  ObjectOptions,
  PatchType,
} from './kube-object.js';
import { ref, type MutationTarget, type Mutations } from './mutation.js';
import { objectDiff } from './plan-diff.js';
import { configurationOf, sendRaw, type RawRequest } from './raw-request.js';
import { maskSecret, maskSecretPair } from './secret-redaction.js';
import type { PlannedChange } from './types.js';

/** The field manager of every server-side apply Drover sends. */
export const FIELD_MANAGER = 'drover';

const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: PatchStrategy.MergePatch,
  json: PatchStrategy.JsonPatch,
  strategic: PatchStrategy.StrategicMergePatch,
};

/** `v1`, `apps/v1`, `example.com/v1beta1`: a DNS subdomain group and a version (a DNS label, as a CRD's versions are). */
const API_VERSION = /^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*\/)?[a-z](?:[-a-z0-9]*[a-z0-9])?$/;
const KIND = /^[A-Za-z][A-Za-z0-9]*$/;

function paramsInvalid(message: string): DroverError {
  return new DroverError('params_invalid', message);
}

/** `/apis/example.com/v1/namespaces/shop/widgets[/w1]` or `/api/v1/nodes[/n1]`. */
export function resourcePath(served: ServedKind, namespace: string | undefined, name?: string): string {
  const base = served.apiVersion.includes('/') ? `/apis/${served.apiVersion}` : `/api/${served.apiVersion}`;
  const ns = served.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${served.resource}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

export class GenericOps {
  private readonly configuration: Configuration;

  constructor(
    kubeConfig: KubeConfig,
    private readonly caller: ApiCaller,
    private readonly mutations: Mutations,
    private readonly discovery: ApiDiscovery,
  ) {
    this.configuration = configurationOf(kubeConfig);
  }

  private async served(apiVersion: string, kind: string, namespace: string | undefined, forName: boolean): Promise<ServedKind> {
    if (!apiVersion || !kind) throw paramsInvalid('an object needs an apiVersion (such as apps/v1) and a kind (such as Deployment)');
    // Both go into URL paths (discovery's, then the object's): nothing but a group/version and a kind's name.
    if (typeof apiVersion !== 'string' || !API_VERSION.test(apiVersion)) {
      throw paramsInvalid(`${JSON.stringify(String(apiVersion).slice(0, 80))} is not an apiVersion: a version (v1) or group/version (apps/v1, example.com/v1beta1)`);
    }
    if (typeof kind !== 'string' || !KIND.test(kind)) throw paramsInvalid(`${JSON.stringify(String(kind).slice(0, 80))} is not a kind: letters and digits, such as ConfigMap`);
    const served = await this.discovery.resource(apiVersion, kind);
    if (served.namespaced && forName && !namespace) {
      throw paramsInvalid(`${kind} is a namespaced kind: say which namespace (options.namespace or metadata.namespace)`);
    }
    return served;
  }

  private send(served: ServedKind, verb: string, request: RawRequest, namespace?: string, name?: string, contentType?: string): Promise<{ data: unknown; status: number }> {
    const target = {
      verb,
      resource: served.resource,
      kind: served.kind,
      ...(served.namespaced && namespace ? { namespace } : {}),
      ...(name === undefined ? {} : { name }),
    };
    return this.caller.call(target, (o) => sendRaw(this.configuration, request, o), contentType);
  }

  async get<T extends KubeObject = KubeObject>(apiVersion: string, kind: string, name: string, options: ObjectOptions = {}): Promise<T> {
    const served = await this.served(apiVersion, kind, options.namespace, true);
    const { data } = await this.send(served, 'get', { method: 'GET', path: resourcePath(served, options.namespace, name) }, options.namespace, name);
    return data as T;
  }

  /** The object, or undefined when there is none (404). */
  private async find(served: ServedKind, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    try {
      return (await this.send(served, 'get', { method: 'GET', path: resourcePath(served, namespace, name) }, namespace, name)).data as KubeObject;
    } catch (err) {
      if (err instanceof DroverError && err.code === 'k8s_not_found') return undefined;
      throw err;
    }
  }

  async list<T extends KubeObject = KubeObject>(apiVersion: string, kind: string, options: GenericListOptions = {}): Promise<T[]> {
    const served = await this.served(apiVersion, kind, options.namespace, false);
    const query = { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector, limit: options.limit };
    const { data } = await this.send(served, 'list', { method: 'GET', path: resourcePath(served, options.namespace), query }, options.namespace);
    const items = (data as { items?: KubeObject[] } | undefined)?.items ?? [];
    // Items of a list come without kind and apiVersion; put them back, so each reads (and is redacted) as what it is.
    return items.map((item) => ({ ...item, apiVersion, kind }) as T);
  }

  apply<T extends KubeObject = KubeObject>(manifest: KubeManifest, options: ApplyOptions = {}): Promise<PlannedChange & { object: T }> {
    const { apiVersion, kind } = manifest;
    const name = manifest.metadata?.name;
    if (!name) return Promise.reject(paramsInvalid(`the ${kind || 'object'} to apply has no metadata.name`));
    const wanted = manifest.metadata.namespace ?? options.namespace;
    if (manifest.metadata.namespace && options.namespace && manifest.metadata.namespace !== options.namespace) {
      return Promise.reject(paramsInvalid(`the manifest says namespace ${manifest.metadata.namespace} but options.namespace says ${options.namespace}`));
    }
    return this.write<T>(apiVersion, kind, name, wanted, (served, namespace) => {
      const body = served.namespaced ? { ...manifest, metadata: { ...manifest.metadata, namespace } } : manifest;
      const query = { fieldManager: FIELD_MANAGER, force: options.force ? true : undefined, dryRun: this.mutations.dryRunParam };
      const request: RawRequest = { method: 'PATCH', path: resourcePath(served, namespace, name), query, body };
      return Promise.resolve({ request, contentType: PatchStrategy.ServerSideApply, how: 'apply' });
    });
  }

  patch<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    name: string,
    patch: Record<string, unknown> | JsonPatchOperation[],
    options: GenericPatchOptions = {},
  ): Promise<PlannedChange & { object: T }> {
    const type = options.type ?? 'merge';
    if (!(type in PATCH_CONTENT_TYPE)) return Promise.reject(paramsInvalid(`patch type must be merge, json or strategic, not ${String(type)}`));
    if ((type === 'json') !== Array.isArray(patch)) {
      return Promise.reject(paramsInvalid(type === 'json' ? 'a json patch is a list of operations ({ op, path, value })' : `a ${type} patch is an object, not a list`));
    }
    return this.write<T>(apiVersion, kind, name, options.namespace, (served, namespace) => {
      const request: RawRequest = { method: 'PATCH', path: resourcePath(served, namespace, name), query: { dryRun: this.mutations.dryRunParam }, body: patch };
      return Promise.resolve({ request, contentType: PATCH_CONTENT_TYPE[type], how: `${type} patch` });
    });
  }

  /**
   * One write: finds the kind, reads the object (absent is fine for an
   * apply), sends the request through Mutations.run and diffs before against
   * what the server answered (masked for Secrets).
   */
  private async write<T extends KubeObject>(
    apiVersion: string,
    kind: string,
    name: string,
    namespace: string | undefined,
    build: (served: ServedKind, namespace: string | undefined) => Promise<{ request: RawRequest; contentType: string; how: string }>,
  ): Promise<PlannedChange & { object: T }> {
    const served = await this.served(apiVersion, kind, namespace, true);
    const ns = served.namespaced ? namespace : undefined;
    const { request, contentType, how } = await build(served, ns);
    const isApply = how === 'apply';
    // A patch needs the object (the server's own 404 otherwise); an apply may create it.
    const before = isApply
      ? await this.find(served, ns, name)
      : ((await this.send(served, 'get', { method: 'GET', path: resourcePath(served, ns, name) }, ns, name)).data as KubeObject);
    const target: MutationTarget = { verb: before ? 'patch' : 'create', kind, ...(ns ? { namespace: ns } : {}), name };
    const label = `${kind} ${ref(ns, name)}`;
    const result = await this.mutations.run(target, async () => {
      const { data, status } = await this.send(served, 'patch', request, ns, name, contentType);
      const after = data as T;
      const masked = maskSecretPair(before, after);
      const diff = objectDiff(label, masked.before, masked.after, this.mutations.dryRun);
      const what = isApply ? (before ? 'apply' : 'apply (create)') : how;
      const summary = `${what} ${label}${diff === '' ? ' (no change)' : ''}`;
      return { change: this.mutations.change(target, summary, diff), object: after, status };
    });
    // The object stays out of the change (plans and the audit log hold changes); a Secret's comes back masked too.
    return { ...result.change, object: maskSecret(result.object) as T };
  }
}
