/**
 * Reading what the real Helm rendered: the shapes the chart tests assert on,
 * lookups by kind and name, the environment and files a container would see,
 * Drover's own loaders fed those, and each object validated against the
 * Kubernetes OpenAPI schemas (kubernetes-models, newest Kubernetes; the
 * Prometheus Operator and KEDA CRDs from their @kubernetes-models packages).
 */
import { posix } from 'node:path';
import * as kubernetesClient from '@kubernetes/client-node';
import * as keda from '@kubernetes-models/keda';
import * as prometheusOperator from '@kubernetes-models/prometheus-operator';
import * as kubernetes from 'kubernetes-models';
import { loadConfig } from '../../../src/config/load-config.js';
import { loadPolicyFile } from '../../../src/policy/index.js';
import { helmTemplate, type RenderedObject, type RenderOptions } from '../../support/helm.js';

export type K8sObject = RenderedObject;

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: Array<{ name: string; containerPort: number }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; runAsNonRoot?: boolean; capabilities?: { drop?: string[]; add?: string[] } };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  restartPolicy?: string;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  containers: Container[];
  volumes?: Array<{ name: string; configMap?: { name: string }; secret?: { secretName: string }; emptyDir?: object }>;
  topologySpreadConstraints?: Array<{ topologyKey: string; whenUnsatisfiable: string; maxSkew: number; labelSelector: { matchLabels: Record<string, string> } }>;
}
export interface Workload extends K8sObject {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec };
    volumeClaimTemplates?: Array<{ metadata: { name: string }; spec: { resources: { requests: { storage: string } } } }>;
  };
}
export interface Pod extends K8sObject {
  spec: PodSpec;
}
export interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
export interface Role extends K8sObject {
  rules: Rule[];
}
export interface Binding extends K8sObject {
  roleRef: { kind: string; name: string };
  subjects: Array<{ kind: string; name: string; namespace: string }>;
}
export interface ConfigMap extends K8sObject {
  data: Record<string, string>;
}
export interface Secret extends K8sObject {
  data?: Record<string, string>;
}
export interface Service extends K8sObject {
  spec: { selector: Record<string, string>; clusterIP?: string; ports: Array<{ name: string; port: number; targetPort: string | number }> };
}
export interface Ingress extends K8sObject {
  spec: { rules: Array<{ host: string; http: { paths: Array<{ path: string; pathType: string; backend: { service: { name: string; port: { number: number } } } }> } }> };
}
export interface ServiceMonitor extends K8sObject {
  spec: {
    selector: { matchLabels: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values: string[] }> };
    endpoints: Array<{ port: string; path: string }>;
  };
}
export interface Pdb extends K8sObject {
  spec: { selector: { matchLabels: Record<string, string> } };
}

export interface Rendered {
  objects: K8sObject[];
}

/** `helm template ops helm/drover -n drover -f <each values object>` with the real Helm. */
export async function render(...values: object[]): Promise<Rendered> {
  return { objects: await helmTemplate({ values }) };
}

export async function renderWith(options: RenderOptions): Promise<Rendered> {
  return { objects: await helmTemplate(options) };
}

export function all<T extends K8sObject = K8sObject>(r: Rendered, kind: string): T[] {
  return r.objects.filter((o) => o.kind === kind) as T[];
}

export function one<T extends K8sObject = K8sObject>(r: Rendered, kind: string, name: string): T {
  const found = r.objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one ${kind} ${name}, found ${found.length} among: ${r.objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  }
  return found[0] as T;
}

export function droverContainer(w: Workload): Container {
  const c = w.spec.template.spec.containers.find((x) => x.name === 'drover');
  if (!c) throw new Error(`${w.metadata.name} has no drover container`);
  return c;
}

/** Drover's own Deployments (server and worker), not Redis. */
export function droverWorkloads(r: Rendered): Workload[] {
  return all<Workload>(r, 'Deployment').filter((d) => d.spec.template.spec.containers.some((c) => c.name === 'drover'));
}

export function selects(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

export const decode = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');

/**
 * The container's environment as the kubelet builds it: secretKeyRefs read
 * from the rendered Secrets, `$(VAR)` substituted. A reference to a Secret
 * the chart does not render (existingSecret) is listed in `external`.
 */
export function resolveEnv(r: Rendered, w: Workload): { env: Record<string, string>; external: Array<{ name: string; key: string }> } {
  const env: Record<string, string> = {};
  const external: Array<{ name: string; key: string }> = [];
  for (const v of droverContainer(w).env ?? []) {
    const ref = v.valueFrom?.secretKeyRef;
    if (ref) {
      const secret = r.objects.find((o): o is Secret => o.kind === 'Secret' && o.metadata.name === ref.name);
      if (!secret) {
        external.push({ name: ref.name, key: ref.key });
        continue;
      }
      const data = secret.data?.[ref.key];
      if (data === undefined) throw new Error(`${v.name} refers to key ${ref.key}, which Secret ${ref.name} lacks`);
      env[v.name] = decode(data);
    } else {
      env[v.name] = (v.value ?? '').replace(/\$\((\w+)\)/g, (_, name: string) => env[name] ?? `$(${name})`);
    }
  }
  return { env, external };
}

/** The content of a file the container sees, from the ConfigMap volume mounted over its directory. */
export function mountedFile(r: Rendered, w: Workload, path: string): string {
  const mount = droverContainer(w).volumeMounts?.find((m) => posix.dirname(path) === m.mountPath);
  if (!mount) throw new Error(`nothing is mounted at ${posix.dirname(path)}`);
  const volume = w.spec.template.spec.volumes?.find((v) => v.name === mount.name);
  if (!volume?.configMap) throw new Error(`volume ${mount.name} is not a ConfigMap`);
  const content = one<ConfigMap>(r, 'ConfigMap', volume.configMap.name).data[posix.basename(path)];
  if (content === undefined) throw new Error(`ConfigMap ${volume.configMap.name} has no key ${posix.basename(path)}`);
  return content;
}

/** Drover's own configuration and policy loaders, fed the pod's environment and mounted files. */
export function droverConfigOf(r: Rendered, w: Workload) {
  const { env } = resolveEnv(r, w);
  const readFile = (path: string) => mountedFile(r, w, path);
  return { env, config: loadConfig({ env, readFile }), policy: loadPolicyFile(env.DROVER_POLICY!, readFile) };
}

/** Every rule of every Role and ClusterRole, as apiGroup/resource/verb triples. */
export function grants(roles: Role[]): string[] {
  return roles.flatMap((role) => role.rules.flatMap((rule) => rule.apiGroups.flatMap((g) => rule.resources.flatMap((res) => rule.verbs.map((verb) => `${g}/${res}:${verb}`))))).sort();
}

// ---- Schema validation

type Model = new (data: object) => { validate(): void };
type Namespace = Record<string, Record<string, Record<string, unknown>>>;
const GROUPS: Namespace[] = [kubernetes as unknown as Namespace, prometheusOperator, keda];

/** `rbac.authorization.k8s.io` → `rbacAuthorizationK8sIo`, as kubernetes-models names its modules; the core group is `v1`. */
const moduleName = (group: string) => group.split(/[.-]/).map((part, i) => (i === 0 ? part : part.charAt(0).toUpperCase() + part.slice(1))).join('');

/** The kubernetes-models class of an apiVersion and kind, or undefined when none knows it. */
export function modelOf(apiVersion: string, kind: string): Model | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  for (const root of GROUPS) {
    const versions = group === '' ? { [version!]: root[version!] } : root[moduleName(group!)];
    const model = (versions?.[version!])?.[kind];
    if (typeof model === 'function') return model as Model;
  }
  return undefined;
}

/** Problems of each object against its OpenAPI schema: `Kind/name: message`; empty when all are valid. */
export function schemaProblems(objects: K8sObject[]): string[] {
  return objects.flatMap((o) => {
    const Model = modelOf(o.apiVersion, o.kind);
    if (!Model) return [`${o.kind}/${o.metadata.name}: no schema for ${o.apiVersion} ${o.kind}`];
    try {
      new Model(o).validate();
      return [];
    } catch (err) {
      return [`${o.kind}/${o.metadata.name}: ${(err as Error).message}`];
    }
  });
}

// ---- Unknown fields

interface Attribute {
  baseName: string;
  type: string;
}
type ClientModel = { getAttributeTypeMap(): Attribute[] };
const CLIENT_MODELS = kubernetesClient as unknown as Record<string, ClientModel | undefined>;

/** The @kubernetes/client-node class of a built-in kind (`apps/v1` Deployment → V1Deployment), or undefined for CRDs. */
function clientModelName(apiVersion: string, kind: string): string | undefined {
  const version = apiVersion.split('/').at(-1)!;
  const name = `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
  return typeof CLIENT_MODELS[name]?.getAttributeTypeMap === 'function' ? name : undefined;
}

function unknownIn(value: unknown, type: string, path: string): string[] {
  if (value === null || value === undefined) return [];
  const list = /^Array<(.+)>$/.exec(type);
  if (list) return Array.isArray(value) ? value.flatMap((v, i) => unknownIn(v, list[1]!, `${path}[${i}]`)) : [];
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return typeof value === 'object' ? Object.entries(value).flatMap(([k, v]) => unknownIn(v, map[1]!, `${path}.${k}`)) : [];
  const model = CLIENT_MODELS[type];
  if (typeof model?.getAttributeTypeMap !== 'function' || typeof value !== 'object') return [];
  const attributes = model.getAttributeTypeMap();
  return Object.entries(value).flatMap(([key, v]) => {
    const attribute = attributes.find((a) => a.baseName === key);
    return attribute ? unknownIn(v, attribute.type, `${path}.${key}`) : [`${path}.${key}`];
  });
}

/**
 * Fields the Kubernetes API does not define, per object (`Kind/name.spec.x`):
 * the OpenAPI schemas above accept them, and an API server drops them
 * silently (or refuses them, with strict field validation). Read from the
 * client's generated models; CRD kinds are left to their schemas.
 */
export function unknownFields(objects: K8sObject[]): string[] {
  return objects.flatMap((o) => {
    const model = clientModelName(o.apiVersion, o.kind);
    return model ? unknownIn(o, model, `${o.kind}/${o.metadata.name}`) : [];
  });
}
