/**
 * Validation the API server does on write (a subset): decoding type errors
 * are 400s, field errors are one 422 Invalid listing every cause.
 */
import { compareQuantities, parseQuantity } from '../../k8s/quantity.js';
import { asObject, clone, deepEqual, ensurePath, getPath, isObject, stringMap } from './json.js';
import { matchesSelectorObject } from './label-selector.js';
import type { ResourceDef } from './resources.js';
import { badRequest, fieldError, invalid, type ApiError, type FieldError } from './status.js';
import type { KubeObject } from './types.js';
import type { VersionProfile } from './versions.js';

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const SUBDOMAIN_HELP =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_HELP =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

const POD_UPDATE_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** Go's JSON decoder rejects wrongly typed fields before validation runs. */
export function decodeError(field: string, goType: string, value: unknown, structName: string): ApiError {
  const jsType = typeof value === 'number' ? `number ${value}` : typeof value;
  return badRequest(`json: cannot unmarshal ${jsType} into Go struct field ${structName}.${field} of type ${goType}`);
}

function checkTypes(def: ResourceDef, obj: KubeObject): void {
  const replicas = getPath(obj, 'spec', 'replicas');
  if ((def.resource === 'deployments' || def.resource === 'replicasets') && replicas !== undefined && !Number.isInteger(replicas)) {
    throw decodeError('spec.replicas', 'int32', replicas, `${def.kind}Spec`);
  }
  const unschedulable = getPath(obj, 'spec', 'unschedulable');
  if (def.resource === 'nodes' && unschedulable !== undefined && typeof unschedulable !== 'boolean') {
    throw decodeError('spec.unschedulable', 'bool', unschedulable, 'NodeSpec');
  }
}

function validateName(def: ResourceDef, name: string | undefined): FieldError[] {
  if (!name) return [fieldError.required('metadata.name', 'name or generateName is required')];
  if (def.resource === 'namespaces') {
    return LABEL.test(name) && name.length <= 63 ? [] : [fieldError.invalid('metadata.name', name, LABEL_HELP)];
  }
  return SUBDOMAIN.test(name) && name.length <= 253 ? [] : [fieldError.invalid('metadata.name', name, SUBDOMAIN_HELP)];
}

function validateContainers(path: string, podSpec: unknown): FieldError[] {
  const containers = getPath(podSpec, 'containers');
  if (!Array.isArray(containers) || containers.length === 0) return [fieldError.required(`${path}.containers`)];
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((c, i) => {
    const name = getPath(c, 'name');
    if (typeof name !== 'string' || name === '') errors.push(fieldError.required(`${path}.containers[${i}].name`));
    else if (seen.has(name)) errors.push({ type: 'FieldValueDuplicate', field: `${path}.containers[${i}].name`, detail: `Duplicate value: ${JSON.stringify(name)}` });
    else seen.add(name);
    const image = getPath(c, 'image');
    if (typeof image !== 'string' || image.trim() === '') errors.push(fieldError.required(`${path}.containers[${i}].image`));
  });
  return errors;
}

function goStrings(values: unknown): string {
  if (!Array.isArray(values)) return '[]string(nil)';
  return `[]string{${values.map((v) => JSON.stringify(String(v))).join(', ')}}`;
}

/** A label selector as Go's %#v prints a v1.LabelSelector (map keys sorted), which is how the server quotes it. */
export function goLabelSelector(selector: Record<string, unknown>): string {
  const labels = stringMap(selector.matchLabels);
  const keys = Object.keys(labels).sort();
  const matchLabels = isObject(selector.matchLabels) ? `map[string]string{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(labels[k])}`).join(', ')}}` : 'map[string]string(nil)';
  const expressions = Array.isArray(selector.matchExpressions)
    ? `[]v1.LabelSelectorRequirement{${selector.matchExpressions
        .filter(isObject)
        .map((e) => `v1.LabelSelectorRequirement{Key:${JSON.stringify(typeof e.key === 'string' ? e.key : '')}, Operator:${JSON.stringify(typeof e.operator === 'string' ? e.operator : '')}, Values:${goStrings(e.values)}}`)
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${matchLabels}, MatchExpressions:${expressions}}`;
}

function validateWorkload(obj: KubeObject, old: KubeObject | undefined, isDeployment: boolean): FieldError[] {
  const errors: FieldError[] = [];
  const spec = asObject(obj.spec);
  const replicas = spec.replicas;
  if (typeof replicas === 'number' && replicas < 0) errors.push(fieldError.invalid('spec.replicas', replicas, 'must be greater than or equal to 0'));
  const selector = spec.selector;
  if (!isObject(selector)) {
    errors.push(fieldError.required('spec.selector'));
  } else if (Object.keys(stringMap(selector.matchLabels)).length === 0 && !Array.isArray(selector.matchExpressions)) {
    errors.push(fieldError.invalid('spec.selector', selector, `empty selector is invalid for ${isDeployment ? 'deployment' : 'replicaset'}`));
  } else {
    const labels = stringMap(getPath(spec, 'template', 'metadata', 'labels'));
    if (!matchesSelectorObject(selector, labels)) {
      errors.push(fieldError.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
    }
  }
  if (old && isObject(selector) && !deepEqual(selector, getPath(old, 'spec', 'selector'))) {
    errors.push({ type: 'FieldValueInvalid', field: 'spec.selector', detail: `Invalid value: ${goLabelSelector(selector)}: field is immutable` });
  }
  const limit = spec.revisionHistoryLimit;
  if (typeof limit === 'number' && limit < 0) errors.push(fieldError.invalid('spec.revisionHistoryLimit', limit, 'must be greater than or equal to 0'));
  errors.push(...validateContainers('spec.template.spec', getPath(spec, 'template', 'spec')));
  return errors;
}

/** The pod spec with the fields a pod update may change blanked out. */
function mutablePodFieldsCleared(spec: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(spec ?? {})) as Record<string, unknown>;
  for (const list of ['containers', 'initContainers']) {
    const containers = copy[list];
    if (Array.isArray(containers)) for (const c of containers) if (isObject(c)) delete c.image;
  }
  delete copy.activeDeadlineSeconds;
  delete copy.tolerations;
  delete copy.terminationGracePeriodSeconds;
  return copy;
}

function validatePod(obj: KubeObject, old: KubeObject | undefined): FieldError[] {
  if (old && !deepEqual(mutablePodFieldsCleared(obj.spec), mutablePodFieldsCleared(old.spec))) {
    return [fieldError.forbidden('spec', POD_UPDATE_FORBIDDEN)];
  }
  return validateContainers('spec', obj.spec);
}

function int32(obj: KubeObject, field: string, structName: string): number | undefined {
  const value = getPath(obj, 'spec', field);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw decodeError(`spec.${field}`, 'int32', value, structName);
  return value;
}

/** ValidateHorizontalPodAutoscalerSpec (autoscaling/v2), minReplicas' lower bound without HPAScaleToZero. */
function validateHpa(obj: KubeObject): FieldError[] {
  const max = int32(obj, 'maxReplicas', 'HorizontalPodAutoscalerSpec') ?? 0;
  const min = int32(obj, 'minReplicas', 'HorizontalPodAutoscalerSpec');
  const errors: FieldError[] = [];
  if (min !== undefined && min < 1) errors.push(fieldError.invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  if (max < 1) errors.push(fieldError.invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (min !== undefined && max < min) errors.push(fieldError.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  for (const key of ['kind', 'name']) {
    const value = getPath(obj, 'spec', 'scaleTargetRef', key);
    if (typeof value !== 'string' || value === '') errors.push(fieldError.required(`spec.scaleTargetRef.${key}`));
  }
  return errors;
}

/** A Job's pods may not restart in place. */
function validateJob(obj: KubeObject): FieldError[] {
  const policy = getPath(obj, 'spec', 'template', 'spec', 'restartPolicy');
  if (policy === 'OnFailure' || policy === 'Never') return [];
  return [fieldError.required('spec.template.spec.restartPolicy', 'valid values: "OnFailure", "Never"')];
}

const QUANTITY_FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/** The claim's storage request; a malformed quantity fails decoding (400), as in the real server. */
function storageRequest(obj: KubeObject): string | undefined {
  const value = getPath(obj, 'spec', 'resources', 'requests', 'storage');
  if (value === undefined || value === null) return undefined;
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !parseQuantity(text)) throw badRequest(QUANTITY_FORMAT);
  return text;
}

/** ValidatePersistentVolumeClaim, plus ValidatePersistentVolumeClaimUpdate when `old` is set. */
function validatePvc(obj: KubeObject, old: KubeObject | undefined, profile: VersionProfile): FieldError[] {
  const storage = storageRequest(obj);
  const errors: FieldError[] = [];
  if (storage === undefined) errors.push(fieldError.required('spec.resources[storage]'));
  else if (compareQuantities(storage, '0') <= 0) errors.push(fieldError.invalid('spec.resources[storage]', storage, 'must be greater than zero'));
  if (!old) return errors;
  const before = clone(asObject(old.spec));
  const after = clone(asObject(obj.spec));
  // volumeName may be set once (binding); a bound claim may change its storage request.
  if (!before.volumeName) before.volumeName = after.volumeName;
  if (getPath(old, 'status', 'phase') === 'Bound') {
    ensurePath(after, 'resources', 'requests').storage = getPath(before, 'resources', 'requests', 'storage');
    if (profile.volumeAttributesClass) {
      delete before.volumeAttributesClassName;
      delete after.volumeAttributesClassName;
    }
  }
  if (!deepEqual(before, after)) {
    const mutable = profile.volumeAttributesClass ? 'resources.requests and volumeAttributesClassName' : 'resources.requests';
    errors.push(fieldError.forbidden('spec', `spec is immutable after creation except ${mutable} for bound claims`));
  }
  const previous = storageRequest(old);
  if (storage !== undefined && previous !== undefined && compareQuantities(storage, previous) < 0) {
    errors.push(fieldError.forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
  }
  return errors;
}

/** Throws a 400 or 422 ApiError when the object would not be accepted. `old` is set on updates. */
export function validateObject(def: ResourceDef, obj: KubeObject, old: KubeObject | undefined, profile: VersionProfile): void {
  checkTypes(def, obj);
  const errors = validateName(def, obj.metadata.name);
  switch (def.resource) {
    case 'deployments':
      errors.push(...validateWorkload(obj, old, true));
      break;
    case 'replicasets':
      errors.push(...validateWorkload(obj, old, false));
      break;
    case 'pods':
      errors.push(...validatePod(obj, old));
      break;
    case 'horizontalpodautoscalers':
      errors.push(...validateHpa(obj));
      break;
    case 'jobs':
      errors.push(...validateJob(obj));
      break;
    case 'persistentvolumeclaims':
      errors.push(...validatePvc(obj, old, profile));
      break;
    default:
      break;
  }
  if (errors.length > 0) throw invalid({ group: def.group, kind: def.kind }, obj.metadata.name ?? '', errors);
}
