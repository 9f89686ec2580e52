/**
 * Which version of an API group a cluster serves, asked of the cluster
 * itself (GET /apis/{group}) and remembered for a while per kubeconfig, so a
 * runbook written for autoscaling/v2 also works on a cluster that serves only
 * v2beta2, and a cluster that serves neither gets an error naming the API
 * and the cluster instead of a bare 404.
 */
import { ApisApi, type KubeConfig, type V1APIGroup, type V1APIResourceList } from '@kubernetes/client-node';
import { DroverError } from '../errors.js';
import type { ApiCaller } from './api-caller.js';
import { configurationOf, sendRaw } from './raw-request.js';

const TTL_MS = 10 * 60_000;

interface Cached {
  at: number;
  groups: Promise<V1APIGroup[]>;
}

/** Per base kubeconfig: one discovery shared by every run on that cluster. */
const cache = new WeakMap<KubeConfig, Cached>();

/** Per base kubeconfig, per group version (`v1`, `apps/v1`): the resources it serves. */
const resourceCache = new WeakMap<KubeConfig, Map<string, { at: number; list: Promise<V1APIResourceList> }>>();

/** Where a kind is served: its resource (plural) and whether its objects live in namespaces. */
export interface ServedKind {
  apiVersion: string;
  kind: string;
  resource: string;
  namespaced: boolean;
  verbs: string[];
}

export class ApiDiscovery {
  /**
   * @param cacheKey the cluster's own kubeconfig: runs on one cluster share what was found
   * @param kubeConfig what the request is sent with (impersonating, when the run does)
   */
  constructor(
    private readonly cacheKey: KubeConfig,
    private readonly kubeConfig: KubeConfig,
    private readonly caller: ApiCaller,
    private readonly now: () => number = Date.now,
  ) {}

  /** Every API group the cluster serves (not the core group), cached for ten minutes. */
  private groups(): Promise<V1APIGroup[]> {
    const hit = cache.get(this.cacheKey);
    if (hit && this.now() - hit.at < TTL_MS) return hit.groups;
    const api = this.kubeConfig.makeApiClient(ApisApi);
    const groups = this.caller
      .call({ verb: 'get', resource: 'apis', kind: 'APIGroupList' }, (o) => api.getAPIVersionsWithHttpInfo(o))
      .then((r) => r.data.groups);
    cache.set(this.cacheKey, { at: this.now(), groups });
    // A failed discovery is not remembered: the next call asks again.
    groups.catch(() => cache.delete(this.cacheKey));
    return groups;
  }

  /** The versions of `group` the cluster serves, e.g. ['v2', 'v1'] for autoscaling on 1.26. */
  async versions(group: string): Promise<string[]> {
    const found = (await this.groups()).find((g) => g.name === group);
    return found ? found.versions.map((v) => v.version) : [];
  }

  /** The resources of one group version, cached like the groups; `fresh` asks again (a CRD may just have been created). */
  private resourceList(apiVersion: string, fresh: boolean): Promise<V1APIResourceList> {
    let byVersion = resourceCache.get(this.cacheKey);
    if (!byVersion) {
      byVersion = new Map<string, { at: number; list: Promise<V1APIResourceList> }>();
      resourceCache.set(this.cacheKey, byVersion);
    }
    const versions = byVersion;
    const hit = byVersion.get(apiVersion);
    if (hit && !fresh && this.now() - hit.at < TTL_MS) return hit.list;
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const configuration = configurationOf(this.kubeConfig);
    const list = this.caller
      .call({ verb: 'get', resource: 'apiresources', kind: 'APIResourceList' }, (o) => sendRaw(configuration, { method: 'GET', path }, o))
      .then((r) => r.data as V1APIResourceList);
    versions.set(apiVersion, { at: this.now(), list });
    list.catch(() => versions.delete(apiVersion));
    return list;
  }

  /**
   * The resource serving `kind` in `apiVersion` (CustomResourceDefinitions'
   * kinds too), found in the cluster's discovery; a kind not in the cached
   * list is asked again once before k8s_api_missing.
   */
  async resource(apiVersion: string, kind: string): Promise<ServedKind> {
    for (const fresh of [false, true]) {
      let list: V1APIResourceList;
      try {
        list = await this.resourceList(apiVersion, fresh);
      } catch (err) {
        if (err instanceof DroverError && (err.code === 'k8s_not_found' || err.code === 'k8s_api_missing')) break;
        throw err;
      }
      const found = list.resources.find((r) => r.kind === kind && !r.name.includes('/'));
      if (found) return { apiVersion, kind, resource: found.name, namespaced: found.namespaced, verbs: found.verbs };
    }
    throw new DroverError(
      'k8s_api_missing',
      `cluster "${this.caller.cluster}" does not serve kind ${kind} in ${apiVersion}; \`kubectl api-resources\` lists what it serves (a CustomResourceDefinition must be installed first)`,
      { details: { cluster: this.caller.cluster, apiVersion, kind } },
    );
  }

  /**
   * The first of `wanted` (most preferred first) that the cluster serves;
   * k8s_api_missing, naming what it does serve, when none is.
   */
  async pick<V extends string>(group: string, wanted: readonly V[], what: string): Promise<V> {
    const served = await this.versions(group);
    const match = wanted.find((v) => served.includes(v));
    if (match) return match;
    const servedText = served.length ? `it serves ${served.map((v) => `${group}/${v}`).join(', ')}` : `it serves no ${group} API at all`;
    throw new DroverError(
      'k8s_api_missing',
      `cluster "${this.caller.cluster}" does not serve ${what} in a version Drover supports (${wanted.map((v) => `${group}/${v}`).join(' or ')}); ${servedText}`,
      { details: { cluster: this.caller.cluster, group, wanted: [...wanted], served } },
    );
  }
}
