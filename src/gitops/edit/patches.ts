/**
 * The kustomize patches of one layer that set a field of one object:
 * strategic-merge patches (files in `patchesStrategicMerge`, or `patches`
 * entries without operations) and JSON 6902 patches (`patchesJson6902`, or
 * `patches` entries whose content is a list of operations), each from a file
 * (`path:`) or inline (`patch:`).
 */
import type { Place } from './apply-place.js';
import type { Layer } from './layers.js';
import { noSource, type RepoFiles } from './repo-files.js';
import { patternMatches } from './target-pattern.js';
import { dotted, groupOf, isRecord, parseYaml, type Segment } from './yaml-file.js';

/** The object as this layer's patches see it. */
export interface Identity {
  group: string;
  version: string;
  kind: string;
  /** Every name it may be matched by at this layer (base, before and after this layer's renaming). */
  names: string[];
  /** Every namespace it may be matched by at this layer; empty when it has none. */
  namespaces: string[];
  labels: Record<string, unknown>;
  annotations: Record<string, unknown>;
}

interface Source {
  /** Where the patch text lives. */
  file: string;
  /** Set for inline patches: the literal block's path in the kustomization. */
  inline?: Segment[];
  text: string;
  target?: Record<string, unknown>;
  entry: string;
}

/** An exact or pattern match (see target-pattern.ts); undefined when the pattern cannot be evaluated safely here. */
function fullMatch(pattern: unknown, values: readonly string[]): boolean | undefined {
  if (pattern === undefined || pattern === null || pattern === '') return true;
  if (typeof pattern !== 'string') return false;
  if (values.includes(pattern)) return true;
  return patternMatches(pattern, values);
}

/** true / false, or undefined when the selector uses a form not evaluated here (set-based). */
function selects(selector: unknown, labels: Record<string, unknown>): boolean | undefined {
  if (selector === undefined || selector === null || selector === '') return true;
  if (typeof selector !== 'string') return undefined;
  for (const raw of selector.split(',')) {
    const term = raw.trim();
    let m: RegExpMatchArray | null;
    if ((m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(term))) {
      const has = labels[m[1]!] === m[3];
      if (m[2] === '!=' ? has : !has) return false;
    } else if ((m = /^(!?)([\w./-]+)$/.exec(term))) {
      const has = m[2]! in labels;
      if (m[1] ? has : !has) return false;
    } else {
      return undefined;
    }
  }
  return true;
}

function targets(target: Record<string, unknown>, id: Identity): boolean | undefined {
  if (target.group !== undefined && target.group !== id.group) return false;
  if (target.version !== undefined && target.version !== id.version) return false;
  const verdicts = [
    fullMatch(target.kind, [id.kind]),
    fullMatch(target.name, id.names),
    target.namespace === undefined ? true : fullMatch(target.namespace, id.namespaces),
    selects(target.labelSelector, id.labels),
    selects(target.annotationSelector, id.annotations),
  ];
  if (verdicts.includes(false)) return false;
  return verdicts.includes(undefined) ? undefined : true;
}

function ownTarget(patch: Record<string, unknown>, id: Identity): boolean {
  const meta = isRecord(patch.metadata) ? patch.metadata : {};
  if (patch.kind !== id.kind || groupOf(patch.apiVersion) !== id.group) return false;
  if (typeof meta.name !== 'string' || !id.names.includes(meta.name)) return false;
  return meta.namespace === undefined || id.namespaces.length === 0 || (typeof meta.namespace === 'string' && id.namespaces.includes(meta.namespace));
}

function pointer(path: readonly Segment[]): string {
  return path.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

async function sources(files: RepoFiles, layer: Layer): Promise<Source[]> {
  const k = layer.kustomization;
  if (!k) return [];
  const out: Source[] = [];
  const fromFile = async (rel: string, entry: string, target?: Record<string, unknown>): Promise<void> => {
    const found = await files.resolve(rel, layer.dir);
    if (!found || found.isDir) throw noSource(`${k.file}: the patch ${rel} is missing or outside the repository.`);
    out.push({ file: found.rel, text: await files.read(found.rel), entry, ...(target ? { target } : {}) });
  };
  const lists: Array<[string, unknown]> = [
    ['patchesStrategicMerge', k.value.patchesStrategicMerge],
    ['patches', k.value.patches],
    ['patchesJson6902', k.value.patchesJson6902],
  ];
  for (const [key, list] of lists) {
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) {
      const item: unknown = list[i];
      const entry = `${key}[${i}]`;
      if (typeof item === 'string') {
        if (/[\n:]/.test(item)) out.push({ file: k.file, inline: [key, i], text: item, entry });
        else await fromFile(item, entry);
      } else if (isRecord(item)) {
        const target = isRecord(item.target) ? item.target : undefined;
        if (typeof item.path === 'string') await fromFile(item.path, entry, target);
        else if (typeof item.patch === 'string') out.push({ file: k.file, inline: [key, i, 'patch'], text: item.patch, entry, ...(target ? { target } : {}) });
      }
    }
  }
  return out;
}

/** The places, in this layer's patches, that set `path` of the object. */
export async function patchHits(files: RepoFiles, layer: Layer, id: Identity, path: readonly Segment[], label: string): Promise<Place[]> {
  const hits: Place[] = [];
  for (const source of await sources(files, layer)) {
    const where = `${source.file}${source.inline ? ` (${source.entry})` : ''}`;
    const docs = parseYaml(source.text, where);
    for (const d of docs) {
      if (d.broken) throw noSource(`${where}: a patch is not valid YAML; fix it first.`);
      const place = (inner: Segment[]): Place =>
        source.inline
          ? { file: source.file, docIndex: 0, path: inner, embedded: { path: source.inline, docIndex: d.index }, label }
          : { file: source.file, docIndex: d.index, path: inner, label };
      const chosen = source.target ? targets(source.target, id) : Array.isArray(d.value) ? false : isRecord(d.value) && ownTarget(d.value, id);
      if (chosen === false) continue;
      if (Array.isArray(d.value)) {
        const want = pointer(path);
        d.value.forEach((op: unknown, i) => {
          if (!isRecord(op) || typeof op.path !== 'string') return;
          const touches = op.path === want || want.startsWith(`${op.path}/`) || op.path.startsWith(`${want}/`);
          if (!touches) return;
          if (op.path === want && (op.op === 'add' || op.op === 'replace')) hits.push(place([i, 'value']));
          else if (op.op !== 'test') throw noSource(`${where}: the JSON patch operation ${i + 1} (${String(op.op)} ${op.path}) changes ${label} as part of something larger; edit it by hand.`);
        });
        if (chosen === undefined && hits.length) throw noSource(`${where}: its target selector cannot be evaluated here; edit ${label} by hand.`);
        continue;
      }
      let cursor: unknown = d.value;
      for (const segment of path) {
        if (Array.isArray(cursor)) throw noSource(`${where}: it patches a list on the way to ${dotted(path)} (merged by key); edit it by hand.`);
        cursor = isRecord(cursor) && typeof segment === 'string' ? cursor[segment] : undefined;
        if (cursor === undefined) break;
      }
      if (cursor === undefined) continue;
      if (chosen === undefined) throw noSource(`${where}: its target selector cannot be evaluated here; edit ${label} by hand.`);
      hits.push(place([...path]));
    }
  }
  return hits;
}
