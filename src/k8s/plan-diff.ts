/**
 * The human side of a plan: objects as YAML with the noise a reviewer does
 * not need stripped, and a unified diff between before and after.
 */
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { stringify } from 'yaml';

type Plain = Record<string, unknown>;

const NOISY_METADATA = ['managedFields', 'resourceVersion', 'generation', 'uid', 'selfLink', 'creationTimestamp'];
const NOISY_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Typed client models to plain JSON: Dates become strings, undefined fields disappear. */
export function toPlain(value: unknown): unknown {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
}

/**
 * Drops what changes on every write or only matters to machines: status,
 * managedFields, resourceVersion, generation, uid, creationTimestamp and the
 * last-applied-configuration blob.
 */
export function withoutNoise(obj: unknown): unknown {
  const plain = toPlain(obj);
  if (!isPlain(plain)) return plain;
  delete plain.status;
  if (isPlain(plain.metadata)) {
    const meta = plain.metadata;
    for (const key of NOISY_METADATA) delete meta[key];
    if (isPlain(meta.annotations)) {
      for (const key of NOISY_ANNOTATIONS) delete meta.annotations[key];
      if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
    }
  }
  return plain;
}

/** YAML with sorted keys, as `kubectl get -o yaml` prints it. */
export function toYaml(obj: unknown): string {
  if (obj === undefined) return '';
  return stringify(obj, { sortMapEntries: true, lineWidth: 0 });
}

/**
 * Unified diff of two objects' YAML (noise stripped). Empty when nothing
 * changed. `label` names the object in the file headers.
 */
export function objectDiff(label: string, before: unknown, after: unknown, dryRun: boolean): string {
  const a = before === undefined ? '' : toYaml(withoutNoise(before));
  const b = after === undefined ? '' : toYaml(withoutNoise(after));
  if (a === b) return '';
  return createTwoFilesPatch(label, label, a, b, 'before', dryRun ? 'after (dry run)' : 'after', {
    context: 3,
    headerOptions: FILE_HEADERS_ONLY,
  });
}

/**
 * What identifies a pod to the person approving its deletion: owner, node,
 * phase, images and uid. The full spec would bury that in 100+ lines.
 */
export function briefPod(pod: unknown): unknown {
  const p = toPlain(pod);
  if (!isPlain(p)) return p;
  const meta = isPlain(p.metadata) ? p.metadata : {};
  const spec = isPlain(p.spec) ? p.spec : {};
  const status = isPlain(p.status) ? p.status : {};
  const owners = Array.isArray(meta.ownerReferences)
    ? meta.ownerReferences.filter(isPlain).map((o) => `${String(o.kind)}/${String(o.name)}`)
    : [];
  const containers = Array.isArray(spec.containers)
    ? spec.containers.filter(isPlain).map((c) => ({ name: c.name, image: c.image }))
    : [];
  const brief: Plain = {
    kind: 'Pod',
    name: meta.name,
    namespace: meta.namespace,
    uid: meta.uid,
    ownedBy: owners.length > 0 ? owners : 'nothing (a bare pod: it will not come back)',
    node: spec.nodeName,
    phase: status.phase,
    containers,
  };
  return brief;
}

/** Diff showing the brief of a removed pod as deleted lines. */
export function deletionDiff(label: string, pod: unknown, dryRun: boolean): string {
  const text = toYaml(briefPod(pod));
  return createTwoFilesPatch(label, label, text, '', 'before', dryRun ? 'after (dry run): deleted' : 'after: deleted', {
    context: 3,
    headerOptions: FILE_HEADERS_ONLY,
  });
}
