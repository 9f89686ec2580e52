/**
 * The resources the fake serves, with what the API server knows about each:
 * group, kind, scope, verbs, subresources and selectable fields.
 */
import { getPath, isObject } from './json.js';
import type { KubeObject } from './types.js';
import type { VersionProfile } from './versions.js';

export type Verb = 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete';

export interface ResourceDef {
  resource: string;
  singular: string;
  kind: string;
  group: string;
  version: string;
  namespaced: boolean;
  shortNames: string[];
  verbs: readonly Verb[];
  subresources: readonly string[];
  /** Field selectors supported beyond metadata.name/metadata.namespace. */
  extraFields: Record<string, (obj: KubeObject) => unknown>;
  /** Whether a write bumps metadata.generation when spec changes. */
  hasGeneration: boolean;
  /** Pods answer a delete with the object; others with a Success Status. */
  returnsDeletedObject: boolean;
  /** How the server words an unsupported field selector for this resource. */
  unsupportedField(field: string): string;
  /** Served because a CustomResourceDefinition says so. */
  custom?: boolean;
}

const ALL_VERBS: readonly Verb[] = ['get', 'list', 'create', 'update', 'patch', 'delete'];

/** Core types register their own field-label conversion; apps/v1 Deployments use the default one. */
const conversionMessage = (field: string): string => `field label not supported: ${field}`;
const defaultMessage = (field: string): string =>
  `"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`;
/** batch/v1 registers its own conversion for Job, worded differently. */
const jobMessage = (field: string): string => `field label ${JSON.stringify(field)} not supported for batchv1.Job`;


function str(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export const RESOURCES: readonly ResourceDef[] = [
  {
    resource: 'deployments',
    singular: 'deployment',
    kind: 'Deployment',
    group: 'apps',
    version: 'v1',
    namespaced: true,
    shortNames: ['deploy'],
    verbs: ALL_VERBS,
    subresources: ['scale', 'status'],
    extraFields: {},
    hasGeneration: true,
    returnsDeletedObject: false,
    unsupportedField: defaultMessage,
  },
  {
    resource: 'replicasets',
    singular: 'replicaset',
    kind: 'ReplicaSet',
    group: 'apps',
    version: 'v1',
    namespaced: true,
    shortNames: ['rs'],
    verbs: ALL_VERBS,
    subresources: ['status'],
    extraFields: { 'status.replicas': (o) => getPath(o, 'status', 'replicas') ?? 0 },
    hasGeneration: true,
    returnsDeletedObject: false,
    unsupportedField: conversionMessage,
  },
  {
    resource: 'pods',
    singular: 'pod',
    kind: 'Pod',
    group: '',
    version: 'v1',
    namespaced: true,
    shortNames: ['po'],
    verbs: ALL_VERBS,
    subresources: ['log', 'status', 'eviction'],
    extraFields: {
      'spec.nodeName': (o) => getPath(o, 'spec', 'nodeName'),
      'spec.restartPolicy': (o) => getPath(o, 'spec', 'restartPolicy'),
      'spec.schedulerName': (o) => getPath(o, 'spec', 'schedulerName'),
      'spec.serviceAccountName': (o) => getPath(o, 'spec', 'serviceAccountName'),
      'spec.hostNetwork': (o) => String(getPath(o, 'spec', 'hostNetwork') === true),
      'status.phase': (o) => getPath(o, 'status', 'phase'),
      'status.podIP': (o) => getPath(o, 'status', 'podIP'),
      'status.nominatedNodeName': (o) => getPath(o, 'status', 'nominatedNodeName'),
    },
    hasGeneration: false,
    returnsDeletedObject: true,
    unsupportedField: conversionMessage,
  },
  {
    resource: 'nodes',
    singular: 'node',
    kind: 'Node',
    group: '',
    version: 'v1',
    namespaced: false,
    shortNames: ['no'],
    verbs: ALL_VERBS,
    subresources: ['status'],
    extraFields: { 'spec.unschedulable': (o) => String(getPath(o, 'spec', 'unschedulable') === true) },
    hasGeneration: false,
    returnsDeletedObject: false,
    unsupportedField: conversionMessage,
  },
  {
    resource: 'events',
    singular: 'event',
    kind: 'Event',
    group: '',
    version: 'v1',
    namespaced: true,
    shortNames: ['ev'],
    verbs: ALL_VERBS,
    subresources: [],
    extraFields: {
      'involvedObject.kind': (o) => getPath(o, 'involvedObject', 'kind'),
      'involvedObject.namespace': (o) => getPath(o, 'involvedObject', 'namespace'),
      'involvedObject.name': (o) => getPath(o, 'involvedObject', 'name'),
      'involvedObject.uid': (o) => getPath(o, 'involvedObject', 'uid'),
      'involvedObject.apiVersion': (o) => getPath(o, 'involvedObject', 'apiVersion'),
      'involvedObject.resourceVersion': (o) => getPath(o, 'involvedObject', 'resourceVersion'),
      'involvedObject.fieldPath': (o) => getPath(o, 'involvedObject', 'fieldPath'),
      reason: (o) => getPath(o, 'reason'),
      reportingComponent: (o) => getPath(o, 'reportingComponent'),
      source: (o) => getPath(o, 'source', 'component'),
      type: (o) => getPath(o, 'type'),
    },
    hasGeneration: false,
    returnsDeletedObject: false,
    unsupportedField: conversionMessage,
  },
  {
    resource: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    group: '',
    version: 'v1',
    namespaced: false,
    shortNames: ['ns'],
    verbs: ['get', 'list', 'create', 'delete'],
    subresources: [],
    extraFields: { 'status.phase': (o) => getPath(o, 'status', 'phase') },
    hasGeneration: false,
    returnsDeletedObject: false,
    unsupportedField: conversionMessage,
  },
  {
    resource: 'horizontalpodautoscalers',
    singular: 'horizontalpodautoscaler',
    kind: 'HorizontalPodAutoscaler',
    group: 'autoscaling',
    version: 'v2',
    namespaced: true,
    shortNames: ['hpa'],
    verbs: ALL_VERBS,
    subresources: ['status'],
    extraFields: {},
    hasGeneration: false,
    returnsDeletedObject: false,
    unsupportedField: defaultMessage,
  },
  {
    resource: 'persistentvolumeclaims',
    singular: 'persistentvolumeclaim',
    kind: 'PersistentVolumeClaim',
    group: '',
    version: 'v1',
    namespaced: true,
    shortNames: ['pvc'],
    verbs: ALL_VERBS,
    subresources: ['status'],
    extraFields: {},
    hasGeneration: false,
    returnsDeletedObject: false,
    unsupportedField: defaultMessage,
  },
  {
    resource: 'storageclasses',
    singular: 'storageclass',
    kind: 'StorageClass',
    group: 'storage.k8s.io',
    version: 'v1',
    namespaced: false,
    shortNames: ['sc'],
    verbs: ALL_VERBS,
    subresources: [],
    extraFields: {},
    hasGeneration: false,
    returnsDeletedObject: false,
    unsupportedField: defaultMessage,
  },
  {
    resource: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    group: '',
    version: 'v1',
    namespaced: true,
    shortNames: ['cm'],
    verbs: ALL_VERBS,
    subresources: [],
    extraFields: {},
    hasGeneration: false,
    returnsDeletedObject: false,
    unsupportedField: conversionMessage,
  },
  {
    resource: 'secrets',
    singular: 'secret',
    kind: 'Secret',
    group: '',
    version: 'v1',
    namespaced: true,
    shortNames: [],
    verbs: ALL_VERBS,
    subresources: [],
    extraFields: { type: (o) => getPath(o, 'type') },
    hasGeneration: false,
    returnsDeletedObject: false,
    unsupportedField: conversionMessage,
  },
  {
    resource: 'poddisruptionbudgets',
    singular: 'poddisruptionbudget',
    kind: 'PodDisruptionBudget',
    group: 'policy',
    version: 'v1',
    namespaced: true,
    shortNames: ['pdb'],
    verbs: ALL_VERBS,
    subresources: ['status'],
    extraFields: {},
    hasGeneration: true,
    returnsDeletedObject: false,
    unsupportedField: defaultMessage,
  },
  {
    resource: 'customresourcedefinitions',
    singular: 'customresourcedefinition',
    kind: 'CustomResourceDefinition',
    group: 'apiextensions.k8s.io',
    version: 'v1',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    verbs: ALL_VERBS,
    subresources: ['status'],
    extraFields: {},
    hasGeneration: true,
    returnsDeletedObject: false,
    unsupportedField: defaultMessage,
  },
  {
    resource: 'jobs',
    singular: 'job',
    kind: 'Job',
    group: 'batch',
    version: 'v1',
    namespaced: true,
    shortNames: [],
    verbs: ALL_VERBS,
    subresources: ['status'],
    extraFields: { 'status.successful': (o) => getPath(o, 'status', 'succeeded') ?? 0 },
    hasGeneration: true,
    returnsDeletedObject: false,
    unsupportedField: jobMessage,
  },
];

/** Per fake (its own profile object): the kinds its CustomResourceDefinitions serve. */
const CUSTOM = new WeakMap<VersionProfile, ResourceDef[]>();

export function customResources(profile: VersionProfile | undefined): readonly ResourceDef[] {
  return (profile && CUSTOM.get(profile)) ?? [];
}

/** Built-in resources, and the fake's custom ones. */
export function allResources(profile: VersionProfile | undefined): readonly ResourceDef[] {
  const custom = customResources(profile);
  return custom.length === 0 ? RESOURCES : [...RESOURCES, ...custom];
}

/** The resources a CustomResourceDefinition serves: one per served version. */
function defsOf(crd: KubeObject): ResourceDef[] {
  const spec = isObject(crd.spec) ? crd.spec : {};
  const names = isObject(spec.names) ? spec.names : {};
  const kind = typeof names.kind === 'string' ? names.kind : '';
  const plural = typeof names.plural === 'string' ? names.plural : '';
  const group = typeof spec.group === 'string' ? spec.group : '';
  if (!kind || !plural || !group) return [];
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isObject) : [];
  return versions
    .filter((v) => v.served !== false && typeof v.name === 'string')
    .map((v) => ({
      resource: plural,
      singular: typeof names.singular === 'string' ? names.singular : kind.toLowerCase(),
      kind,
      group,
      version: String(v.name),
      namespaced: spec.scope !== 'Cluster',
      shortNames: Array.isArray(names.shortNames) ? names.shortNames.map(String) : [],
      verbs: ALL_VERBS,
      subresources: isObject(v.subresources) && isObject(v.subresources.status) ? ['status'] : [],
      extraFields: {},
      hasGeneration: true,
      returnsDeletedObject: false,
      unsupportedField: defaultMessage,
      custom: true,
    }));
}

/** Serves what the stored CustomResourceDefinitions define (called after every write to them). */
export function setCustomResources(profile: VersionProfile, crds: readonly KubeObject[]): void {
  CUSTOM.set(profile, crds.flatMap(defsOf));
}

export function apiVersionOf(def: ResourceDef): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

/** Finds a resource by kind (`Deployment`), plural (`deployments`), singular or short name; with a profile, custom kinds too. */
export function findResource(kindOrResource: string, profile?: VersionProfile): ResourceDef | undefined {
  const needle = kindOrResource.toLowerCase();
  return allResources(profile).find(
    (d) => d.kind.toLowerCase() === needle || d.resource === needle || d.singular === needle || d.shortNames.includes(needle),
  );
}

export function requireResource(kindOrResource: string, profile?: VersionProfile): ResourceDef {
  const def = findResource(kindOrResource, profile);
  if (!def) throw new Error(`k8s fake: unknown kind or resource "${kindOrResource}"`);
  return def;
}

export function resourceInGroup(group: string, resource: string, profile?: VersionProfile, version?: string): ResourceDef | undefined {
  return allResources(profile).find((d) => d.group === group && d.resource === resource && (!d.custom || version === undefined || d.version === version));
}

/** All selectable fields of an object, missing ones as ''. */
export function selectableFields(def: ResourceDef, obj: KubeObject): Record<string, string> {
  const fields: Record<string, string> = {
    'metadata.name': obj.metadata.name ?? '',
  };
  if (def.namespaced) fields['metadata.namespace'] = obj.metadata.namespace ?? '';
  for (const [field, read] of Object.entries(def.extraFields)) fields[field] = str(read(obj));
  return fields;
}

export function supportedFields(def: ResourceDef): string[] {
  return ['metadata.name', ...(def.namespaced ? ['metadata.namespace'] : []), ...Object.keys(def.extraFields)];
}
