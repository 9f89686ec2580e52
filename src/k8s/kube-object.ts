/**
 * The types of ctx.k8s's generic calls (get, list, apply, patch): any kind,
 * CustomResourceDefinitions' included, as plain JSON objects. A runbook that
 * knows the shape of its kind passes it as a type parameter.
 */

/** Metadata every Kubernetes object has (the fields a runbook usually reads). */
export interface KubeObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }>;
  finalizers?: string[];
  [field: string]: unknown;
}

/**
 * Any Kubernetes object as the API server sends it. Describe a kind's own
 * fields by extending it:
 *
 * @example
 * ```ts
 * interface Certificate extends KubeObject {
 *   spec: { secretName: string; dnsNames: string[] };
 *   status?: { notAfter?: string; conditions?: Array<{ type: string; status: string }> };
 * }
 * const cert = await ctx.k8s.get<Certificate>('cert-manager.io/v1', 'Certificate', 'web-tls', { namespace: 'shop' });
 * ```
 */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeObjectMeta;
  [field: string]: unknown;
}

/** What `apply` takes: a manifest as you would give `kubectl apply --server-side`. */
export interface KubeManifest {
  apiVersion: string;
  kind: string;
  metadata: KubeObjectMeta & { name: string };
  [field: string]: unknown;
}

/** Where to find an object: its namespace, for namespaced kinds (ignored for cluster-scoped ones). */
export interface ObjectOptions {
  namespace?: string;
}

/** Which objects a generic `list` returns. */
export interface GenericListOptions {
  /** Omit for every namespace (namespaced kinds) or for cluster-scoped kinds. */
  namespace?: string;
  /** `app=web,tier!=cache` */
  labelSelector?: string;
  /** `status.phase=Running`: only the fields the API server supports for that kind. */
  fieldSelector?: string;
  /** At most this many objects (one page). */
  limit?: number;
}

export interface ApplyOptions {
  /** Namespace of a namespaced object whose manifest names none. */
  namespace?: string;
  /**
   * Take over fields another field manager owns (`kubectl apply --server-side
   * --force-conflicts`). Without it such a conflict fails as k8s_conflict.
   */
  force?: boolean;
}

/** `merge`: JSON merge patch (RFC 7386); `json`: JSON patch (RFC 6902); `strategic`: Kubernetes strategic merge patch (built-in kinds only). */
export type PatchType = 'merge' | 'json' | 'strategic';

export interface GenericPatchOptions {
  namespace?: string;
  /** Default `merge`. */
  type?: PatchType;
}

/** One operation of a JSON patch (RFC 6902). */
export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}
