/**
 * The defaults the API server fills in on write (a useful subset of
 * pkg/apis/.../defaults.go), so dry-run answers look like real ones.
 */
import { canonicalQuantity } from '../../k8s/quantity.js';
import { asObject, clone, ensurePath, getPath, isObject, stringMap, type JsonObject } from './json.js';
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

/** autoscaling/v2 defaults: the scaling rules the HPA controller always used. */
const SCALE_UP_RULES = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
};
/** No stabilizationWindowSeconds: the controller's command-line flag decides it. */
const SCALE_DOWN_RULES = { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };

function scalingRules(given: unknown, defaults: JsonObject): JsonObject {
  const rules = isObject(given) ? given : {};
  for (const [key, value] of Object.entries(defaults)) {
    if (rules[key] === undefined || rules[key] === null) rules[key] = clone(value);
  }
  return rules;
}

function defaultHpa(obj: KubeObject): void {
  if (!isObject(obj.spec)) return;
  const spec = obj.spec;
  setDefault(spec, 'minReplicas', 1);
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  }
  // Behavior is only filled in when given at all.
  if (isObject(spec.behavior)) {
    spec.behavior.scaleUp = scalingRules(spec.behavior.scaleUp, SCALE_UP_RULES);
    spec.behavior.scaleDown = scalingRules(spec.behavior.scaleDown, SCALE_DOWN_RULES);
  }
}

/** The server stores quantities in canonical form: `1024Mi` is read back as `1Gi`. */
function canonicalQuantities(map: unknown): void {
  if (!isObject(map)) return;
  for (const [key, value] of Object.entries(map)) {
    const canonical = typeof value === 'string' || typeof value === 'number' ? canonicalQuantity(String(value)) : undefined;
    if (canonical !== undefined) map[key] = canonical;
  }
}

function defaultPvc(obj: KubeObject): void {
  const spec = ensurePath(obj, 'spec');
  setDefault(spec, 'volumeMode', 'Filesystem');
  canonicalQuantities(getPath(spec, 'resources', 'requests'));
  canonicalQuantities(getPath(spec, 'resources', 'limits'));
  const status = ensurePath(obj, 'status');
  setDefault(status, 'phase', 'Pending');
  canonicalQuantities(status.capacity);
}

function defaultJob(obj: KubeObject): void {
  if (!isObject(obj.spec)) return;
  const spec = obj.spec;
  if (spec.completions === undefined && spec.parallelism === undefined) spec.completions = 1;
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'backoffLimit', spec.backoffLimitPerIndex === undefined ? 6 : 2147483647);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'podReplacementPolicy', spec.podFailurePolicy === undefined ? 'TerminatingOrFailed' : 'Failed');
  const template = asObject(spec.template);
  // Like SetDefaults_Job: a job without labels takes its template's.
  const labels = stringMap(getPath(template, 'metadata', 'labels'));
  if (Object.keys(labels).length > 0 && Object.keys(obj.metadata.labels ?? {}).length === 0) obj.metadata.labels = labels;
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
    case 'horizontalpodautoscalers':
      defaultHpa(obj);
      break;
    case 'persistentvolumeclaims':
      defaultPvc(obj);
      break;
    case 'storageclasses':
      setDefault(obj, 'reclaimPolicy', 'Delete');
      setDefault(obj, 'volumeBindingMode', 'Immediate');
      break;
    case 'jobs':
      defaultJob(obj);
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
