/**
 * Which version of an API group a cluster serves, asked of the cluster
 * itself (GET /apis/{group}) and remembered for a while per kubeconfig, so a
 * runbook written for autoscaling/v2 also works on a cluster that serves only
 * v2beta2, and a cluster that serves neither gets an error naming the API
 * and the cluster instead of a bare 404.
 */
import { ApisApi, type KubeConfig, type V1APIGroup } from '@kubernetes/client-node';
import { DroverError } from '../errors.js';
import type { ApiCaller } from './api-caller.js';

const TTL_MS = 10 * 60_000;

interface Cached {
  at: number;
  groups: Promise<V1APIGroup[]>;
}

/** Per base kubeconfig: one discovery shared by every run on that cluster. */
const cache = new WeakMap<KubeConfig, Cached>();

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
