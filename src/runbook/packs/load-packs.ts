import { DroverError } from '../../errors.js';
import { RunbookRegistry, loadRunbooks, type LoadResult, type ModuleImporter } from '../registry.js';
import type { PackConfig } from './pack-config.js';
import { dirPack, resolvePack, type ResolveOptions, type ResolvedPack } from './resolve-pack.js';

export interface PacksSettings {
  /** `runbooks.dir` and the name of its pack. */
  dir: string;
  name: string;
  packs: readonly PackConfig[];
}

export interface PacksLoadResult extends LoadResult {
  /** The packs that could be found (a pack that could not is a problem instead). */
  packs: ResolvedPack[];
}

/** Finds every pack (fetching git packs as needed); one that cannot be found is a problem, not a stop. */
export async function resolvePacks(settings: PacksSettings, options: ResolveOptions): Promise<{ packs: ResolvedPack[]; problems: string[] }> {
  const packs: ResolvedPack[] = [dirPack(settings.name, settings.dir, options.cwd)];
  const problems: string[] = [];
  for (const pack of settings.packs) {
    try {
      packs.push(await resolvePack(pack, options));
    } catch (err) {
      problems.push(`pack ${pack.name}: cannot be loaded: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { packs, problems };
}

/**
 * Loads the runbooks of every pack into one registry. Ids (and chat names) are
 * unique across packs: a clash is a problem naming both packs, and the pack
 * listed first keeps the id. A broken runbook or an unreachable pack is a
 * problem too; the rest load.
 */
export async function loadPackRunbooks(packs: readonly ResolvedPack[], importer: ModuleImporter, displayRoot: string): Promise<LoadResult> {
  const registry = new RunbookRegistry();
  const problems: string[] = [];
  for (const pack of packs) {
    const loaded = await loadRunbooks(pack.dir, importer, displayRoot, { name: pack.name, version: pack.version, root: pack.root });
    problems.push(...loaded.problems.map((p) => (p.includes(`(pack ${pack.name})`) ? p : `${p} (pack ${pack.name})`)));
    for (const runbook of loaded.registry.list()) {
      try {
        registry.add(runbook);
      } catch (err) {
        problems.push(...(err instanceof DroverError ? (err.details.problems as string[]) : [String(err)]));
      }
    }
  }
  return { registry, problems };
}

/** Resolves and loads every pack: the registry and every problem, one line each. */
export async function loadPacks(settings: PacksSettings, options: ResolveOptions & { importer: ModuleImporter }): Promise<PacksLoadResult> {
  const resolved = await resolvePacks(settings, options);
  const loaded = await loadPackRunbooks(resolved.packs, options.importer, options.cwd);
  return { registry: loaded.registry, packs: resolved.packs, problems: [...resolved.problems, ...loaded.problems] };
}
