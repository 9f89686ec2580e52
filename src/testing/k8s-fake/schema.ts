/**
 * The fields each served kind has, for dropping the ones it has not: before
 * `fieldValidation` (1.25+ warns or refuses), the API server decodes a body
 * into its Go struct and unknown fields are silently lost, so a typo like
 * `spec.replica` is "accepted" and changes nothing. Structures not described
 * here (status, probes, volumes...) are kept as sent.
 */
import { isObject, type JsonObject } from './json.js';

/** Known keys; a nested Shape describes an object (or each item of a list) below that key; `true` keeps it as sent. */
type Shape = { [key: string]: Shape | true };

function keys(...names: string[]): Shape {
  return Object.fromEntries(names.map((n) => [n, true as const]));
}

const META = keys(
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp',
  'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'clusterName', 'managedFields',
);

const CONTAINER = keys(
  'name', 'image', 'command', 'args', 'workingDir', 'ports', 'envFrom', 'env', 'resources', 'resizePolicy', 'restartPolicy', 'volumeMounts',
  'volumeDevices', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'terminationMessagePath', 'terminationMessagePolicy',
  'imagePullPolicy', 'securityContext', 'stdin', 'stdinOnce', 'tty', 'targetContainerName',
);

const POD_SPEC: Shape = {
  ...keys(
    'volumes', 'ephemeralContainers', 'restartPolicy', 'terminationGracePeriodSeconds', 'activeDeadlineSeconds', 'dnsPolicy', 'nodeSelector',
    'serviceAccountName', 'serviceAccount', 'automountServiceAccountToken', 'nodeName', 'hostNetwork', 'hostPID', 'hostIPC',
    'shareProcessNamespace', 'securityContext', 'imagePullSecrets', 'hostname', 'subdomain', 'affinity', 'schedulerName', 'tolerations',
    'hostAliases', 'priorityClassName', 'priority', 'dnsConfig', 'readinessGates', 'runtimeClassName', 'enableServiceLinks',
    'preemptionPolicy', 'overhead', 'topologySpreadConstraints', 'setHostnameAsFQDN', 'os', 'hostUsers', 'schedulingGates', 'resourceClaims',
    'resources',
  ),
  containers: CONTAINER,
  initContainers: CONTAINER,
};

const TEMPLATE: Shape = { metadata: META, spec: POD_SPEC };

function object(spec: Shape, ...extra: string[]): Shape {
  return { ...keys('apiVersion', 'kind', 'status', ...extra), metadata: META, spec };
}

const SHAPES: Record<string, Shape> = {
  deployments: object({
    ...keys('replicas', 'selector', 'minReadySeconds', 'revisionHistoryLimit', 'paused', 'progressDeadlineSeconds'),
    strategy: { type: true, rollingUpdate: keys('maxUnavailable', 'maxSurge') },
    template: TEMPLATE,
  }),
  replicasets: object({ ...keys('replicas', 'minReadySeconds', 'selector'), template: TEMPLATE }),
  pods: object(POD_SPEC),
  nodes: object(keys('podCIDR', 'podCIDRs', 'providerID', 'unschedulable', 'taints', 'configSource', 'externalID')),
  namespaces: object(keys('finalizers')),
  horizontalpodautoscalers: object(keys('scaleTargetRef', 'minReplicas', 'maxReplicas', 'metrics', 'behavior')),
  persistentvolumeclaims: object(
    keys('accessModes', 'selector', 'resources', 'volumeName', 'storageClassName', 'volumeMode', 'dataSource', 'dataSourceRef', 'volumeAttributesClassName'),
  ),
  jobs: object({
    ...keys(
      'parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'selector', 'manualSelector', 'ttlSecondsAfterFinished',
      'completionMode', 'suspend', 'podFailurePolicy', 'backoffLimitPerIndex', 'maxFailedIndexes', 'podReplacementPolicy', 'managedBy', 'successPolicy',
    ),
    template: TEMPLATE,
  }),
  events: {
    ...keys(
      'apiVersion', 'kind', 'involvedObject', 'reason', 'message', 'source', 'firstTimestamp', 'lastTimestamp', 'count', 'type', 'eventTime',
      'series', 'action', 'related', 'reportingComponent', 'reportingInstance',
    ),
    metadata: META,
  },
  storageclasses: {
    ...keys('apiVersion', 'kind', 'provisioner', 'parameters', 'reclaimPolicy', 'mountOptions', 'allowVolumeExpansion', 'volumeBindingMode', 'allowedTopologies'),
    metadata: META,
  },
};

function prune(value: unknown, shape: Shape): unknown {
  if (Array.isArray(value)) return value.map((item) => prune(item, shape));
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, inner] of Object.entries(value)) {
    const known = shape[key];
    if (known === undefined) continue;
    out[key] = known === true ? inner : prune(inner, known);
  }
  return out;
}

/** The object as the server would have decoded it: fields its kind does not have are gone. */
export function dropUnknownFields<T extends JsonObject>(resource: string, obj: T): T {
  const shape = SHAPES[resource];
  return shape ? (prune(obj, shape) as T) : obj;
}
