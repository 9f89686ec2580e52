import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { DroverError } from '../errors.js';
import { isDefinedRunbook } from './define.js';
import { suggest } from './suggest.js';
import type { PackIdentity, Runbook } from './types.js';
import { contentHash } from './content-hash.js';
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

/** Replaced versions a registry keeps for the runs queued with them (see replaceWith). */
const MAX_EARLIER_VERSIONS = 200;

/** Where a runbook comes from, for messages: its file, and its pack when it has one. */
function origin(runbook: Runbook): string {
  const where = runbook.source ?? runbook.id;
  return runbook.pack ? `${where} (pack ${runbook.pack.name})` : where;
}

/** The runbooks Drover knows, by id. */
export class RunbookRegistry {
  private byId = new Map<string, Runbook>();
  private byChatName = new Map<string, Runbook>();
  // Versions loaded before a reload, by id and content hash: a run queued (or approved) with one keeps it.
  private readonly earlier = new Map<string, Runbook>();
  private reloads = 0;

  /** Changes with every reload (`replaceWith`): what caches derived from the runbooks compare. */
  get generation(): number {
    return this.reloads;
  }

  constructor(runbooks: Runbook[] = []) {
    for (const rb of runbooks) this.add(rb);
  }

  /** Adds a runbook; throws runbook_invalid on an invalid definition or a duplicate id (naming both packs). */
  add(runbook: Runbook): void {
    const where = origin(runbook);
    const problems = checkDefinition(runbook, where);
    const clash = this.byId.get(runbook.id);
    const chat = chatName(runbook);
    const chatClash = chat ? (this.byChatName.get(chat) ?? this.byId.get(chat)) : undefined;
    if (clash) problems.push(`${where}: duplicate runbook id "${runbook.id}" (also in ${clash.source ? origin(clash) : 'another definition'})`);
    else if (chatClash) problems.push(`${where}: chat name "${chat}" is already used by runbook "${chatClash.id}" (${origin(chatClash)})`);
    if (problems.length) throw new DroverError('runbook_invalid', problems.join('\n'), { details: { problems } });
    this.byId.set(runbook.id, runbook);
    if (chat) this.byChatName.set(chat, runbook);
  }

  /**
   * Takes the runbooks of `next` in place of its own (a reload): whoever holds
   * this registry sees the new set. The versions it replaces stay reachable by
   * `get(id, hash)` for the runs that were queued with them.
   */
  replaceWith(next: RunbookRegistry): void {
    for (const rb of this.byId.values()) if (rb.digest) this.earlier.set(`${rb.id}@${rb.digest}`, rb);
    // Bounded: a day of editing keeps the recent versions, which queued runs need; the oldest go first.
    for (const key of [...this.earlier.keys()].slice(0, Math.max(0, this.earlier.size - MAX_EARLIER_VERSIONS))) this.earlier.delete(key);
    this.byId = new Map(next.byId);
    this.byChatName = new Map(next.byChatName);
    this.reloads++;
  }

  /**
   * The runbook with this id (or chat name); runbook_not_found with a suggestion otherwise.
   * With `hash`, the version with that content hash when this process still has it
   * (a run keeps the version it was queued and approved with across a reload).
   */
  get(idOrChatName: string, hash?: string): Runbook {
    if (hash) {
      const current = this.byId.get(idOrChatName);
      if (current?.digest === hash) return current;
      const kept = this.earlier.get(`${idOrChatName}@${hash}`);
      if (kept) return kept;
    }
    return this.current(idOrChatName);
  }

  private current(idOrChatName: string): Runbook {
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

/** The pack a directory of runbooks belongs to. */
export interface PackSource {
  name: string;
  version: string;
  /** The pack's root: helpers are named relative to it in the content hash (default: the runbooks directory). */
  root?: string;
}

/**
 * Loads every runbook file in `dir` (each must `export default defineRunbook(...)`).
 * Never throws for a bad runbook: problems are returned, one line each, naming the file.
 * Files starting with `_` are helpers, not runbooks. With `pack`, each runbook
 * records its pack, version and content hash.
 */
export async function loadRunbooks(dir: string, importer?: ModuleImporter, displayRoot = process.cwd(), pack?: PackSource): Promise<LoadResult> {
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
    // The content hash (file and bundled helpers) binds approvals to this code: a changed runbook voids them.
    const bytes = load.source?.(path) ?? (await readFile(path).catch(() => undefined));
    const digest = bytes ? contentHash(bytes, load.helpers?.(path) ?? [], pack?.root ?? dir) : undefined;
    const identity: PackIdentity | undefined = pack && digest ? { name: pack.name, version: pack.version, hash: digest } : undefined;
    try {
      registry.add({ ...candidate, source: shown, ...(digest ? { digest } : {}), ...(identity ? { pack: identity } : {}) });
    } catch (err) {
      problems.push(...(err instanceof DroverError ? (err.details.problems as string[]) : [`${shown}: ${String(err)}`]));
    }
  }
  await load.done?.();
  return { registry, problems };
}
