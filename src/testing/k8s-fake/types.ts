import type { KubeConfig } from '@kubernetes/client-node';
import type { JsonObject } from './json.js';
import type { FakeKubernetesVersion } from './versions.js';

/** Object metadata as it travels on the wire. */
export interface WireMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: WireOwnerReference[];
  [key: string]: unknown;
}

export interface WireOwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** A Kubernetes object in its JSON form. Typed client models are accepted too (seeding converts them). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: WireMeta;
  [key: string]: unknown;
}

/** Anything `seed()` accepts: a wire object or a typed `V1Deployment`/`V1Pod`... (Dates become strings). */
export type SeedObject = KubeObject | { kind?: string; apiVersion?: string; metadata?: object };

/** One request the fake received, for assertions. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/apis/apps/v1/namespaces/demo/deployments/web/scale`. */
  path: string;
  /** Query parameters; a repeated parameter keeps its last value (see `rawQuery`). */
  query: Record<string, string>;
  rawQuery: string;
  /** Lower-cased header names (authorization, content-type, impersonate-user...). */
  headers: Record<string, string>;
  contentType?: string;
  /** The body parsed as JSON (or YAML for apply patches), else the raw text; undefined when empty. */
  body?: unknown;
  /** HTTP status the fake answered with (0 when the socket was dropped). */
  status: number;
  /** The Impersonate-User header, when sent. */
  impersonateUser?: string;
  /** Each Impersonate-Group header line, in order (a comma-joined value stays one group, as on the real server). */
  impersonateGroups: string[];
}

/** Who a request acts as, after impersonation, as the API server's authorizer sees it. */
export interface FakeIdentity {
  /** Impersonate-User, else the fake's `user` option, else DEFAULT_USER. */
  user: string;
  /** Impersonate-Group lines, plus `system:authenticated` as the real server adds it; `['system:authenticated']` without impersonation. */
  groups: string[];
  /** True when the request carried Impersonate-User. */
  impersonated: boolean;
}

/** What a request does, as RBAC sees it. */
export interface AccessAttributes {
  /** `impersonate` only for identities from the `tokens` option (see K8sFakeOptions.tokens). */
  verb: 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete' | 'impersonate';
  /** API group, '' for the core group. */
  group: string;
  /** Plural resource, without the subresource: `deployments`. */
  resource: string;
  /** `scale`, `log`... */
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** An RBAC stand-in: false answers 403 Forbidden worded like the RBAC authorizer. */
export type FakeAuthorizer = (identity: FakeIdentity, attributes: AccessAttributes) => boolean;

/** A fault to inject into the next matching request(s). */
export interface FaultRule {
  method?: string;
  /** Matches when the path plus query string contains this text. */
  pathIncludes?: string;
  pathRegex?: RegExp;
  /** HTTP status to answer with, as a Status object (default 500 unless only delayMs is set). */
  status?: number;
  reason?: string;
  message?: string;
  /** How many matching requests to affect (default 1). */
  times?: number;
  /** Adds a Retry-After header and details.retryAfterSeconds. */
  retryAfterSeconds?: number;
  /** Destroy the socket without answering (the client sees a network error). */
  drop?: boolean;
  /** Wait this long first; with no status/drop the request then proceeds normally (use it to simulate a hung server). */
  delayMs?: number;
}

/** An authorization denial, matched like an RBAC rule (exact values or '*'). */
export interface ForbidRule {
  verb?: string | string[];
  /** Resource, with subresource when relevant: `deployments`, `deployments/scale`, `pods/log`. */
  resource?: string | string[];
  namespace?: string;
  name?: string;
  /** Only for this user (after impersonation). */
  user?: string;
}

export interface K8sFakeOptions {
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  /** When set, every request needs `Authorization: Bearer <token>`, else 401. */
  token?: string;
  /** User named in 403 messages when no Impersonate-User header is sent. */
  user?: string;
  /** Deployment writes roll out instantly: status replicas follow spec (default true). */
  instantRollout?: boolean;
  /** Run a minimal ReplicaSet controller that creates/deletes pods to match replicas (default false). */
  managePods?: boolean;
  /** Keep gracefully deleted pods, marked with deletionTimestamp, instead of removing them at once (default false). */
  keepTerminatingPods?: boolean;
  /** Clock for timestamps (default: the real clock). */
  now?: () => Date;
  /** Oldest recorded requests are dropped beyond this many (default 10 000), so a long-lived sandbox does not grow. */
  maxRecordedRequests?: number;
  /** Objects to seed before the server starts answering. */
  seed?: SeedObject[];
  /** Decides every resource request after the `forbid` rules (default: allow); see FakeAuthorizer. */
  authorize?: FakeAuthorizer;
  /**
   * The Kubernetes release to answer as (default '1.31', what the sandbox and
   * the fake-based tests expect). '1.20' serves HorizontalPodAutoscalers at
   * autoscaling/v2beta2 (no v2), lists autoscaling v1, v2beta1, v2beta2 in
   * discovery, and words and defaults objects as kube-apiserver 1.20 does.
   */
  kubernetesVersion?: FakeKubernetesVersion;
  /**
   * Run the built-in Deployment controller (default true). False answers as
   * an API server with no kube-controller-manager: a Deployment gets no
   * ReplicaSet, no revision annotation and no status until someone writes one.
   */
  controllers?: boolean;
  /**
   * More bearer tokens, each its own identity, as kube-apiserver's
   * --token-auth-file gives them. A member of `system:masters` is allowed
   * everything (RBAC bypassed, impersonation included); any other identity is
   * decided by `authorize`, which is also asked whether it may impersonate
   * (verb `impersonate` on `users`/`groups`), as the real server does.
   */
  tokens?: Record<string, FakeTokenIdentity>;
}

export interface FakeTokenIdentity {
  user: string;
  groups?: string[];
}

export type FakeBehaviour = Partial<Pick<K8sFakeOptions, 'instantRollout' | 'managePods' | 'keepTerminatingPods'>>;

export interface FakeKubeConfigOptions {
  contextName?: string;
  clusterName?: string;
  userName?: string;
  /** Token to put in the kubeconfig (default: the fake's token, if any). */
  token?: string;
  namespace?: string;
}

export interface SeedPodsOptions {
  /** Nodes to spread the pods over, round robin (default: the seeded nodes, else unscheduled). */
  nodeNames?: string[];
  phase?: string;
  ready?: boolean;
  restartCount?: number;
}

export interface K8sFake {
  readonly url: string;
  /** Every request received so far (oldest first). */
  readonly requests: readonly RecordedRequest[];
  stop(): Promise<void>;
  /** Stores objects as they are (status kept), filling uid/resourceVersion/timestamps, then lets the controller reconcile. */
  seed(...objects: SeedObject[]): void;
  get(kindOrResource: string, namespace: string | undefined, name: string): KubeObject | undefined;
  list(kindOrResource: string, namespace?: string, options?: { labelSelector?: string; fieldSelector?: string }): KubeObject[];
  /** Removes an object without going through the API (no ownership cascade). */
  remove(kindOrResource: string, namespace: string | undefined, name: string): boolean;
  clearRequests(): void;
  failNext(rule: FaultRule): void;
  clearFaults(): void;
  /** Denies matching requests with 403; returns a function that lifts the rule. */
  forbid(rule: ForbidRule): () => void;
  clearForbidden(): void;
  /** Replaces the `authorize` option; undefined allows everything again. */
  setAuthorizer(authorize: FakeAuthorizer | undefined): void;
  /** Log text served by `pods/log` (a string or lines). */
  setPodLogs(namespace: string, pod: string, logs: string | string[], options?: { container?: string; previous?: boolean }): void;
  /** Seeds `count` running pods owned by the deployment's current ReplicaSet. */
  seedPodsFor(namespace: string, deployment: string, count: number, options?: SeedPodsOptions): KubeObject[];
  /** Changes behaviour options of a running fake (e.g. turn the pod controller on for a sandbox). */
  setBehaviour(behaviour: FakeBehaviour): void;
  /** The current (last issued) resourceVersion. */
  resourceVersion(): string;
  kubeConfig(options?: FakeKubeConfigOptions): KubeConfig;
  kubeConfigYaml(options?: FakeKubeConfigOptions): string;
}

export type { JsonObject, FakeKubernetesVersion };
