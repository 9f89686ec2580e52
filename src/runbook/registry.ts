import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { DroverError } from '../errors.js';
import { isDefinedRunbook } from './define.js';
import { suggest } from './suggest.js';
import type { Runbook } from './types.js';
import { definitionSchema } from './validate-definition.js';
import { cachedRunbookImporter, type ModuleImporter } from './runbook-cache.js';

export type { ModuleImporter };

// TypeScript runbooks compiled once into the default cache (see cachedRunbookImporter).
let defaultImporter: ModuleImporter | undefined;

export interface LoadResult {
  registry: RunbookRegistry;
  /** One line per problem, each naming the file. */
  problems: string[];
}

/** The runbooks Drover knows, by id. */
export class RunbookRegistry {
  private readonly byId = new Map<string, Runbook>();
  private readonly byChatName = new Map<string, Runbook>();

  constructor(runbooks: Runbook[] = []) {
    for (const rb of runbooks) this.add(rb);
  }

  /** Adds a runbook; throws runbook_invalid on an invalid definition or a duplicate id. */
  add(runbook: Runbook): void {
    const where = runbook.source ?? runbook.id;
    const problems = checkDefinition(runbook, where);
    const clash = this.byId.get(runbook.id);
    const chat = chatName(runbook);
    const chatClash = chat ? (this.byChatName.get(chat) ?? this.byId.get(chat)) : undefined;
    if (clash) problems.push(`${where}: duplicate runbook id "${runbook.id}" (also in ${clash.source ?? 'another definition'})`);
    else if (chatClash) problems.push(`${where}: chat name "${chat}" is already used by runbook "${chatClash.id}"`);
    if (problems.length) throw new DroverError('runbook_invalid', problems.join('\n'), { details: { problems } });
    this.byId.set(runbook.id, runbook);
    if (chat) this.byChatName.set(chat, runbook);
  }

  /** The runbook with this id (or chat name); runbook_not_found with a suggestion otherwise. */
  get(idOrChatName: string): Runbook {
    const found = this.byId.get(idOrChatName) ?? this.byChatName.get(idOrChatName);
    if (found) return found;
    const guess = suggest(idOrChatName, [...this.byId.keys(), ...this.byChatName.keys()]);
    throw new DroverError(
      'runbook_not_found',
      `Unknown runbook "${idOrChatName}".${guess ? ` Did you mean "${guess}"?` : ''} Known runbooks: ${[...this.byId.keys()].sort().join(', ') || 'none'}.`,
    );
  }

  has(id: string): boolean {
    return this.byId.has(id) || this.byChatName.has(id);
  }

  list(): Runbook[] {
    return [...this.byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  get size(): number {
    return this.byId.size;
  }
}

export function chatName(runbook: Runbook): string | undefined {
  const chat = runbook.triggers?.chat;
  return chat === false ? undefined : (chat ?? runbook.id);
}

function checkDefinition(candidate: unknown, where: string): string[] {
  const result = definitionSchema.safeParse(candidate);
  if (result.success) return [];
  return result.error.issues.map((i) => `${where}: ${i.path.join('.') || 'definition'} ${i.message}`);
}

function isRunbookFile(name: string): boolean {
  if (name.endsWith('.d.ts') || /\.(test|spec)\.[cm]?[jt]s$/.test(name) || name.startsWith('_') || name.startsWith('.')) return false;
  return /\.(ts|mts|js|mjs)$/.test(name);
}

/**
 * Loads every runbook file in `dir` (each must `export default defineRunbook(...)`).
 * Never throws for a bad runbook: problems are returned, one line each, naming the file.
 * Files starting with `_` are helpers, not runbooks.
 */
export async function loadRunbooks(dir: string, importer?: ModuleImporter, displayRoot = process.cwd()): Promise<LoadResult> {
  const load = importer ?? (defaultImporter ??= cachedRunbookImporter());
  const registry = new RunbookRegistry();
  const problems: string[] = [];
  let names: string[];
  try {
    names = (await readdir(dir)).filter(isRunbookFile).sort();
  } catch (err) {
    return { registry, problems: [`${dir}: cannot read the runbooks directory (${(err as NodeJS.ErrnoException).code ?? String(err)})`] };
  }
  // A compiled .js next to its .ts source is the same runbook: prefer the source.
  const bases = new Set(names.filter((n) => /\.m?ts$/.test(n)).map((n) => n.replace(/\.m?ts$/, '')));
  for (const name of names) {
    if (/\.m?js$/.test(name) && bases.has(name.replace(/\.m?js$/, ''))) continue;
    const path = join(dir, name);
    const shown = relative(displayRoot, path) || path;
    let mod: Record<string, unknown>;
    try {
      mod = await load(path);
    } catch (err) {
      problems.push(`${shown}: failed to load: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      continue;
    }
    const candidate = mod.default;
    if (!isDefinedRunbook(candidate)) {
      problems.push(`${shown}: the default export must be defineRunbook({...})`);
      continue;
    }
    // The file's digest binds approvals to this code: a changed runbook voids them.
    const digest = await readFile(path).then((bytes) => createHash('sha256').update(bytes).digest('hex'), () => undefined);
    try {
      registry.add({ ...candidate, source: shown, ...(digest ? { digest } : {}) });
    } catch (err) {
      problems.push(...(err instanceof DroverError ? (err.details.problems as string[]) : [`${shown}: ${String(err)}`]));
    }
  }
  await load.done?.();
  return { registry, problems };
}
