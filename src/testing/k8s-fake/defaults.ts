/**
 * The defaults the API server fills in on write (a useful subset of
 * pkg/apis/.../defaults.go), so dry-run answers look like real ones.
 */
import { canonicalQuantity } from '../../k8s/quantity.js';
import { asObject, clone, ensurePath, getPath, isObject, stringMap, type JsonObject } from './json.js';
import type { ResourceDef } from './resources.js';
import type { KubeObject } from './types.js';
import { versionProfile, type VersionProfile } from './versions.js';

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
    // Not omitempty in the Go struct: always on the wire.
    setDefault(c, 'resources', {});
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

function defaultWorkload(obj: KubeObject, isDeployment: boolean, profile: VersionProfile): void {
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
  defaultTemplate(spec.template, profile);
}

/** A pod template's spec defaults; 1.20 also writes the zero creationTimestamp of its metadata as null. */
function defaultTemplate(value: unknown, profile: VersionProfile): void {
  if (!isObject(value)) return;
  if (profile.nullTemplateTimestamp) setDefault(ensurePath(value, 'metadata'), 'creationTimestamp', null);
  if (isObject(value.spec)) defaultPodSpec(value.spec);
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

/** A node's status structs that are never omitted, zero-valued until a kubelet fills them. */
function defaultNodeStatus(obj: KubeObject): void {
  const status = ensurePath(obj, 'status');
  setDefault(ensurePath(status, 'daemonEndpoints', 'kubeletEndpoint'), 'Port', 0);
  const info = ensurePath(status, 'nodeInfo');
  for (const key of [
    'machineID',
    'systemUUID',
    'bootID',
    'kernelVersion',
    'osImage',
    'containerRuntimeVersion',
    'kubeletVersion',
    'kubeProxyVersion',
    'operatingSystem',
    'architecture',
  ]) {
    setDefault(info, key, '');
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

function defaultJob(obj: KubeObject, profile: VersionProfile): void {
  if (!isObject(obj.spec)) return;
  const spec = obj.spec;
  if (spec.completions === undefined && spec.parallelism === undefined) spec.completions = 1;
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'backoffLimit', spec.backoffLimitPerIndex === undefined ? 6 : 2147483647);
  if (profile.modernJobs) {
    setDefault(spec, 'completionMode', 'NonIndexed');
    setDefault(spec, 'suspend', false);
    setDefault(spec, 'podReplacementPolicy', spec.podFailurePolicy === undefined ? 'TerminatingOrFailed' : 'Failed');
  }
  const template = asObject(spec.template);
  // Like SetDefaults_Job: a job without labels takes its template's.
  const labels = stringMap(getPath(template, 'metadata', 'labels'));
  if (Object.keys(labels).length > 0 && Object.keys(obj.metadata.labels ?? {}).length === 0) obj.metadata.labels = labels;
  defaultTemplate(spec.template, profile);
}

/** Mutates `obj`, filling the server-side defaults for its resource. */
export function applyDefaults(def: ResourceDef, obj: KubeObject, profile: VersionProfile = versionProfile(undefined)): void {
  switch (def.resource) {
    case 'deployments':
      defaultWorkload(obj, true, profile);
      break;
    case 'replicasets':
      defaultWorkload(obj, false, profile);
      break;
    case 'pods':
      if (isObject(obj.spec)) {
        defaultPodSpec(obj.spec);
        setDefault(obj.spec, 'enableServiceLinks', true);
      }
      break;
    case 'nodes':
      defaultNodeStatus(obj);
      break;
    case 'events':
      // Not omitempty in the Go struct: zero times are null, strings empty.
      for (const key of ['firstTimestamp', 'lastTimestamp', 'eventTime']) setDefault(obj, key, null);
      for (const key of ['reportingComponent', 'reportingInstance']) setDefault(obj, key, '');
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
      defaultJob(obj, profile);
      break;
    case 'secrets':
      defaultSecret(obj);
      break;
    default:
      break;
  }
}

/**
 * As the Secret strategy does: `stringData` is written into `data` (base64),
 * over what `data` had for the same keys, and is never stored; `type`
 * defaults to Opaque.
 */
function defaultSecret(obj: KubeObject): void {
  setDefault(obj, 'type', 'Opaque');
  if (isObject(obj.stringData)) {
    const data = isObject(obj.data) ? obj.data : {};
    for (const [key, value] of Object.entries(obj.stringData)) data[key] = Buffer.from(String(value), 'utf8').toString('base64');
    obj.data = data;
  }
  delete obj.stringData;
}

/**
 * What the Job strategy does on create unless spec.manualSelector: a
 * selector on the job's own uid, and the labels it selects on in the pod
 * template (`controller-uid`, `job-name`; 1.27+ also their
 * batch.kubernetes.io/ forms).
 */
export function generateJobSelector(obj: KubeObject, profile: VersionProfile): void {
  if (!isObject(obj.spec) || obj.spec.manualSelector === true) return;
  const uid = obj.metadata.uid ?? '';
  const name = obj.metadata.name ?? '';
  const selects: Record<string, string> = profile.modernJobs ? { 'batch.kubernetes.io/controller-uid': uid } : { 'controller-uid': uid };
  const labels: Record<string, string> = profile.modernJobs
    ? { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name }
    : { 'controller-uid': uid, 'job-name': name };
  const template = ensurePath(obj.spec, 'template');
  const meta = ensurePath(template, 'metadata');
  meta.labels = { ...stringMap(meta.labels), ...labels };
  obj.spec.selector = { matchLabels: selects };
}

/** What a create resets status to (the status subresource owns it afterwards). */
export function initialStatus(def: ResourceDef, obj: KubeObject, profile: VersionProfile): unknown {
  switch (def.resource) {
    case 'horizontalpodautoscalers':
      // v2beta2's status fields are not omitempty: a new HPA shows them zero.
      return profile.hpaVersion === 'v2beta2' ? { currentReplicas: 0, desiredReplicas: 0, currentMetrics: null, conditions: null } : obj.status;
    case 'deployments':
    case 'replicasets':
    case 'jobs':
      return {};
    case 'pods':
      return { phase: 'Pending', qosClass: 'BestEffort' };
    case 'namespaces':
      return { phase: 'Active' };
    case 'customresourcedefinitions': {
      // Accepted and established at once (no apiextensions controller to wait for).
      const spec = isObject(obj.spec) ? obj.spec : {};
      const conditions = ['NamesAccepted', 'Established'].map((type) => ({ type, status: 'True', reason: type === 'Established' ? 'InitialNamesAccepted' : 'NoConflicts', message: '' }));
      const versions = Array.isArray(spec.versions) ? spec.versions.filter(isObject) : [];
      return { acceptedNames: isObject(spec.names) ? spec.names : {}, conditions, storedVersions: versions.filter((v) => v.storage === true).map((v) => v.name) };
    }
    case 'poddisruptionbudgets':
      // Reset on create (the disruption controller fills it in); these fields are not omitempty.
      return { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
    default:
      return obj.status;
  }
}
