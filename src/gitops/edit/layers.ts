/**
 * The kustomize tree under an owner's directory: a directory with a
 * kustomization file is a layer whose resources are the files and
 * directories it lists (local paths only); a directory without one is read
 * the way Flux reads it, every YAML file below it, with subdirectories that
 * have a kustomization becoming layers of their own.
 */
import { noSource, type RepoFiles } from './repo-files.js';
import { isRecord, parseYaml } from './yaml-file.js';

export interface Layer {
  dir: string;
  kustomization?: { file: string; value: Record<string, unknown> };
  /** Resource files this layer lists (or, without a kustomization, finds). */
  files: string[];
  children: Layer[];
}

const MAX_DEPTH = 20;

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export async function loadLayer(files: RepoFiles, dir: string, ancestors: string[] = []): Promise<Layer> {
  const layer: Layer = { dir, files: [], children: [] };
  if (ancestors.includes(dir) || ancestors.length > MAX_DEPTH) return layer;
  const inner = [...ancestors, dir];
  const kfile = await files.kustomizationOf(dir);
  if (!kfile) {
    const found = await files.walk(dir, { stopAt: async (sub) => (await files.kustomizationOf(sub)) !== undefined });
    layer.files = found.files;
    for (const sub of found.stoppedDirs) layer.children.push(await loadLayer(files, sub, inner));
    return layer;
  }
  const docs = parseYaml(await files.read(kfile), kfile).filter((d) => d.broken || d.value !== null);
  const value = docs[0]?.value;
  if (docs.length !== 1 || docs[0]!.broken || !isRecord(value)) throw noSource(`${kfile} is not a valid kustomization; fix it first.`);
  layer.kustomization = { file: kfile, value };
  for (const entry of [...strings(value.resources), ...strings(value.bases)]) {
    const found = await files.resolve(entry, dir);
    if (!found) continue; // remote (URL, git) or outside the repository: nothing here to edit
    if (found.isDir) layer.children.push(await loadLayer(files, found.rel, inner));
    else if (files.count()) layer.files.push(found.rel);
  }
  return layer;
}

/** The name and namespace transformers of one kustomization. */
export function transforms(layer: Layer): { prefix: string; suffix: string; namespace?: string } {
  const k = layer.kustomization?.value ?? {};
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  const ns = str(k.namespace);
  return { prefix: str(k.namePrefix), suffix: str(k.nameSuffix), ...(ns ? { namespace: ns } : {}) };
}

/** `name` after the name transformers of `chain` (innermost first). */
export function renamed(name: string, chain: readonly Layer[]): string {
  return chain.reduce((n, layer) => {
    const t = transforms(layer);
    return t.prefix + n + t.suffix;
  }, name);
}

/** The namespace the outermost kustomization of `chain` (innermost first) sets, if any. */
export function chainNamespace(chain: readonly Layer[]): string | undefined {
  for (let i = chain.length - 1; i >= 0; i--) {
    const ns = transforms(chain[i]!).namespace;
    if (ns) return ns;
  }
  return undefined;
}
