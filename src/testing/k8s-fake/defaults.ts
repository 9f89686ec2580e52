/**
 * The defaults the API server fills in on write (a useful subset of
 * pkg/apis/.../defaults.go), so dry-run answers look like real ones.
 */
import { asObject, ensurePath, isObject, type JsonObject } from './json.js';
import type { ResourceDef } from './resources.js';
import type { KubeObject } from './types.js';

function setDefault(obj: JsonObject, key: string, value: unknown): void {
  if (obj[key] === undefined) obj[key] = value;
}

function pullPolicyFor(image: unknown): string {
  if (typeof image !== 'string') return 'IfNotPresent';
  const lastSegment = image.split('/').pop() ?? '';
  if (image.includes('@')) return 'IfNotPresent';
  const tag = lastSegment.includes(':') ? lastSegment.split(':').pop() : undefined;
  return tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainers(list: unknown): void {
  if (!Array.isArray(list)) return;
  for (const c of list) {
    if (!isObject(c)) continue;
    setDefault(c, 'terminationMessagePath', '/dev/termination-log');
    setDefault(c, 'terminationMessagePolicy', 'File');
    setDefault(c, 'imagePullPolicy', pullPolicyFor(c.image));
    if (Array.isArray(c.ports)) {
      for (const p of c.ports) if (isObject(p)) setDefault(p, 'protocol', 'TCP');
    }
  }
}

export function defaultPodSpec(spec: JsonObject): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
  defaultContainers(spec.containers);
  defaultContainers(spec.initContainers);
}

function defaultWorkload(obj: KubeObject, isDeployment: boolean): void {
  if (!isObject(obj.spec)) return;
  const spec = obj.spec;
  setDefault(spec, 'replicas', 1);
  if (isDeployment) {
    setDefault(spec, 'revisionHistoryLimit', 10);
    setDefault(spec, 'progressDeadlineSeconds', 600);
    const strategy = ensurePath(spec, 'strategy');
    setDefault(strategy, 'type', 'RollingUpdate');
    if (strategy.type === 'RollingUpdate') {
      const rolling = ensurePath(strategy, 'rollingUpdate');
      setDefault(rolling, 'maxUnavailable', '25%');
      setDefault(rolling, 'maxSurge', '25%');
    }
  }
  const template = asObject(spec.template);
  if (isObject(template.spec)) defaultPodSpec(template.spec);
}

/** Mutates `obj`, filling the server-side defaults for its resource. */
export function applyDefaults(def: ResourceDef, obj: KubeObject): void {
  switch (def.resource) {
    case 'deployments':
      defaultWorkload(obj, true);
      break;
    case 'replicasets':
      defaultWorkload(obj, false);
      break;
    case 'pods':
      if (isObject(obj.spec)) defaultPodSpec(obj.spec);
      break;
    case 'namespaces':
      setDefault(ensurePath(obj, 'spec'), 'finalizers', ['kubernetes']);
      setDefault(ensurePath(obj, 'status'), 'phase', 'Active');
      break;
    default:
      break;
  }
}

/** What a create resets status to (the status subresource owns it afterwards). */
export function initialStatus(def: ResourceDef, obj: KubeObject): unknown {
  switch (def.resource) {
    case 'deployments':
    case 'replicasets':
      return {};
    case 'pods':
      return { phase: 'Pending', qosClass: 'BestEffort' };
    case 'namespaces':
      return { phase: 'Active' };
    default:
      return obj.status;
  }
}
