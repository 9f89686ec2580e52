/**
 * Plain manifests and kustomize: the document that defines the object, and
 * the place whose value wins for a field — outermost layer first; within a
 * layer its `replicas:` entry, then a patch; else the base manifest.
 */
import type { ObjectRef } from '../types.js';
import type { Place } from './apply-place.js';
import { chainNamespace, renamed, transforms, type Layer } from './layers.js';
import { patchHits, type Identity } from './patches.js';
import { DroverError } from '../../errors.js';
import { MAX_FILES, noSource, type RepoFiles } from './repo-files.js';
import { groupOf, isRecord, parseYaml, type Segment } from './yaml-file.js';

export interface Found {
  file: string;
  docIndex: number;
  /** Layers from the one listing the file outwards to the owner's directory. */
  chain: Layer[];
  value: Record<string, unknown>;
}

const REPLICA_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController']);

function describe(object: ObjectRef): string {
  return `${object.kind} ${object.namespace ? `${object.namespace}/` : ''}${object.name}`;
}

function defines(value: unknown, object: ObjectRef, chain: Layer[]): value is Record<string, unknown> {
  if (!isRecord(value) || value.kind !== object.kind || groupOf(value.apiVersion) !== groupOf(object.apiVersion)) return false;
  const meta = isRecord(value.metadata) ? value.metadata : {};
  if (typeof meta.name !== 'string' || renamed(meta.name, chain) !== object.name) return false;
  const ns = chainNamespace(chain) ?? (typeof meta.namespace === 'string' ? meta.namespace : undefined);
  return ns === undefined || object.namespace === undefined || ns === object.namespace;
}

export async function findObject(files: RepoFiles, root: Layer, object: ObjectRef, dir: string): Promise<Found> {
  const found: Found[] = [];
  const visit = async (layer: Layer, outer: Layer[]): Promise<void> => {
    const chain = [layer, ...outer];
    for (const file of layer.files) {
      let docs;
      try {
        docs = parseYaml(await files.read(file), file);
      } catch (err) {
        if (err instanceof DroverError && err.details.reason === 'budget') throw err;
        continue; // too big, unreadable or hostile: not a file to edit
      }
      for (const d of docs) {
        if (d.broken) {
          if (defines(d.salvaged, object, chain)) throw noSource(`${file} defines ${describe(object)} but is not valid YAML; fix it first.`);
          continue;
        }
        if (defines(d.value, object, chain)) found.push({ file, docIndex: d.index, chain, value: d.value });
      }
    }
    for (const child of layer.children) await visit(child, chain);
  };
  await visit(root, []);
  if (found.length === 0) {
    const partial = files.truncated ? ` (only the first ${MAX_FILES} files were read)` : '';
    throw noSource(`No manifest under ${dir || 'the repository root'} defines ${describe(object)}${partial}.`);
  }
  if (found.length > 1) {
    const where = found.map((f) => `${f.file} (document ${f.docIndex + 1})`).join(' and ');
    throw noSource(`${describe(object)} is defined twice: ${where}; edit it by hand.`);
  }
  return found[0]!;
}

function identityAt(found: Found, depth: number, object: ObjectRef): Identity {
  const meta = isRecord(found.value.metadata) ? found.value.metadata : {};
  const base = String(meta.name);
  const inner = found.chain.slice(0, depth);
  const names = [...new Set([base, renamed(base, inner), renamed(base, found.chain.slice(0, depth + 1))])];
  const namespaces = [chainNamespace(inner), transforms(found.chain[depth]!).namespace, typeof meta.namespace === 'string' ? meta.namespace : undefined, object.namespace];
  const version = String(found.value.apiVersion).split('/').pop() ?? '';
  return {
    group: groupOf(found.value.apiVersion),
    version,
    kind: object.kind,
    names,
    namespaces: [...new Set(namespaces.filter((n): n is string => typeof n === 'string'))],
    labels: isRecord(meta.labels) ? meta.labels : {},
    annotations: isRecord(meta.annotations) ? meta.annotations : {},
  };
}

/** Where the winning value of `path` is written (or, set nowhere, the base manifest). */
export async function winningPlace(files: RepoFiles, found: Found, object: ObjectRef, path: Segment[], label: string): Promise<Place> {
  for (let depth = found.chain.length - 1; depth >= 0; depth--) {
    const layer = found.chain[depth]!;
    const k = layer.kustomization;
    if (!k) continue;
    const id = identityAt(found, depth, object);
    if (REPLICA_KINDS.has(object.kind) && path.length === 2 && path[0] === 'spec' && path[1] === 'replicas' && Array.isArray(k.value.replicas)) {
      const entries = (k.value.replicas as unknown[]).flatMap((r, i) => (isRecord(r) && typeof r.name === 'string' && id.names.includes(r.name) ? [i] : []));
      if (entries.length > 1) throw noSource(`${k.file}: ${label} is set by ${entries.length} replicas entries; edit it by hand.`);
      if (entries.length === 1) return { file: k.file, docIndex: 0, path: ['replicas', entries[0]!, 'count'], label };
    }
    const hits = await patchHits(files, layer, id, path, label);
    if (hits.length > 1) {
      const where = hits.map((h) => h.file).join(', ');
      throw noSource(`${k.file}: ${label} is set by ${hits.length} patches (${where}); edit it by hand.`);
    }
    if (hits.length === 1) return hits[0]!;
  }
  return { file: found.file, docIndex: found.docIndex, path, label };
}
