/**
 * Helm: which values key sets a field of a rendered object (an annotation on
 * the live object, or a well-known convention when the key already exists),
 * and which values file holds it.
 */
import type { EditRequest, FieldChange } from '../types.js';
import type { Place } from './apply-place.js';
import { noSource, type RepoFiles } from './repo-files.js';
import { dotted, getPath, isRecord, parseYaml, type Segment } from './yaml-file.js';

export const VALUES_ANNOTATION = 'drover.dev/values.';

const CONVENTIONS: Array<{ kinds: string[]; field: string; values: string }> = [
  { kinds: ['Deployment', 'StatefulSet'], field: 'spec.replicas', values: 'replicaCount' },
  { kinds: ['HorizontalPodAutoscaler'], field: 'spec.maxReplicas', values: 'autoscaling.maxReplicas' },
  { kinds: ['HorizontalPodAutoscaler'], field: 'spec.minReplicas', values: 'autoscaling.minReplicas' },
];

/** `web.replicaCount` → ['web', 'replicaCount']; `a.list[0].b` → ['a', 'list', 0, 'b']. */
export function parseValuesPath(text: string): Segment[] {
  const out: Segment[] = [];
  for (const part of text.split('.')) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) throw noSource(`The Helm values path "${text}" is not of the form a.b.c.`);
    out.push(m[1]!);
    for (const index of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(index[1]));
  }
  return out;
}

export function fieldName(field: FieldChange): string {
  return field.path.map(String).join('.');
}

/**
 * The values path for `field`: the annotation when the live object has it,
 * else the convention when `exists` says the key is already in the values.
 */
export async function valuesPathFor(request: EditRequest, field: FieldChange, exists: (path: Segment[]) => Promise<boolean>): Promise<Segment[]> {
  const name = fieldName(field);
  const annotation = request.annotations?.[VALUES_ANNOTATION + name];
  if (typeof annotation === 'string' && annotation.trim() !== '') return parseValuesPath(annotation.trim());
  const convention = CONVENTIONS.find((c) => c.field === name && c.kinds.includes(request.object.kind));
  if (convention) {
    const path = parseValuesPath(convention.values);
    if (await exists(path)) return path;
  }
  throw noSource(
    `No Helm values key is known for ${name} of ${request.object.kind} ${request.object.name}. ` +
      `Add the annotation ${VALUES_ANNOTATION}${name}: <values.path> to it (in the chart's template).`,
  );
}

/** The values files, read and checked (inside the repository, one document each). */
export async function valueFiles(files: RepoFiles, dir: string, names: string[]): Promise<Array<{ file: string; value: unknown }>> {
  const list = names.length ? names : ['values.yaml'];
  const out = [];
  for (const name of list) {
    if (files.leaves(name, dir)) {
      throw noSource(`The values file "${name}" leaves the repository; refusing to read it.`);
    }
    const found = await files.resolve(name, dir);
    if (!found || found.isDir) throw noSource(`The values file "${name}" is not in the repository under ${dir || '.'}.`);
    const docs = parseYaml(await files.read(found.rel), found.rel);
    if (docs.some((d) => d.broken)) throw noSource(`${found.rel} is not valid YAML; fix it first.`);
    const real = docs.filter((d) => d.value !== null);
    if (real.length > 1) throw noSource(`${found.rel} holds several YAML documents; edit it by hand.`);
    out.push({ file: found.rel, value: real[0]?.value ?? {}, docIndex: real[0]?.index ?? 0 });
  }
  return out;
}

/** Helm merges later files over earlier ones: the last file that sets the key wins; else the last file gets it. */
export function valuesPlace(list: Array<{ file: string; value: unknown; docIndex?: number }>, path: Segment[], label: string): Place {
  for (let i = list.length - 1; i >= 0; i--) {
    const entry = list[i]!;
    if (getPath(entry.value, path) !== undefined) return { file: entry.file, docIndex: entry.docIndex ?? 0, path, label };
  }
  const last = list[list.length - 1]!;
  if (!isRecord(last.value) && last.value !== null) throw noSource(`${last.file} is not a map of values.`);
  return { file: last.file, docIndex: last.docIndex ?? 0, path, label: label || dotted(path) };
}
