import { existsSync, watch, type FSWatcher } from 'node:fs';
import { resolve } from 'node:path';
import { DroverError } from '../../errors.js';
import { RunbookRegistry, type ModuleImporter } from '../registry.js';
import type { Runbook } from '../types.js';
import { loadPackRunbooks } from './load-packs.js';
import type { ResolvedPack } from './resolve-pack.js';

/** What one reload did. */
export interface ReloadReport {
  /** Ids whose content changed, appeared or went. */
  changed: string[];
  added: string[];
  removed: string[];
  /** Runbooks that broke: their last good version keeps serving. */
  kept: string[];
  /** Every problem of the reload, one line each, naming the file. */
  problems: string[];
}

export interface WatchOptions {
  packs: readonly ResolvedPack[];
  /** The registry everyone holds; reloads replace its contents. */
  registry: RunbookRegistry;
  importer: ModuleImporter;
  /** Relative to this, files are named in problems (as at load). */
  displayRoot: string;
  /** Quiet time after the last change before reloading (editors write a file in several steps). */
  debounceMs?: number;
  onReload(report: ReloadReport): void;
  onError?(err: unknown): void;
}

export interface RunbookWatcher {
  close(): void;
  /** Resolves once no reload is pending or under way (tests). */
  idle(): Promise<void>;
}

/**
 * Reloads runbooks when files of the watched packs change. Git packs are
 * pinned to a commit and not watched. A change that breaks a runbook keeps its
 * last good version serving (and reports the problem); a removed runbook
 * disappears; runs already queued keep the version they were queued with
 * (the registry keeps replaced versions by content hash).
 */
export function watchPacks(options: WatchOptions): RunbookWatcher {
  const debounceMs = options.debounceMs ?? 200;
  const watched = options.packs.filter((p) => !/^[0-9a-f]{40}$/.test(p.version));
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  // A reload is waiting for quiet (scheduled) or for the one under way (pending).
  let scheduled = false;
  let pending = false;
  let closed = false;

  async function reload(): Promise<void> {
    const before = new Map(options.registry.list().map((rb) => [rb.id, rb]));
    const { registry: loaded, problems } = await loadPackRunbooks(options.packs, options.importer, options.displayRoot);
    const loadedSources = new Set(loaded.list().map((rb) => rb.source));
    // A runbook whose file is still there but did not load: its last good version keeps serving, and keeps its id
    // and chat name (added first): a later pack's runbook of the same id does not take over because this one broke.
    const next = new RunbookRegistry();
    const kept: string[] = [];
    for (const old of before.values()) {
      if (loadedSources.has(old.source) || !old.source || !existsSync(resolve(options.displayRoot, old.source))) continue;
      try {
        next.add(old);
        kept.push(old.id);
      } catch {
        // Its id or chat name went to another kept runbook: the first keeps it.
      }
    }
    for (const runbook of loaded.list()) {
      try {
        next.add(runbook);
      } catch (err) {
        problems.push(...(err instanceof DroverError ? (err.details.problems as string[]) : [String(err)]));
      }
    }
    const after = new Map(next.list().map((rb) => [rb.id, rb]));
    const differs = (a: Runbook, b: Runbook) => a.digest !== b.digest || a.source !== b.source;
    const report: ReloadReport = {
      added: [...after.keys()].filter((id) => !before.has(id)),
      removed: [...before.keys()].filter((id) => !after.has(id)),
      changed: [...after.values()].filter((rb) => before.has(rb.id) && differs(before.get(rb.id) as Runbook, rb)).map((rb) => rb.id),
      kept,
      problems,
    };
    options.registry.replaceWith(next);
    options.onReload(report);
  }

  function schedule(): void {
    if (closed) return;
    clearTimeout(timer);
    scheduled = true;
    timer = setTimeout(() => {
      scheduled = false;
      pending = true;
      running = running
        .then(async () => {
          pending = false;
          if (!closed) await reload();
        })
        .catch((err: unknown) => options.onError?.(err));
    }, debounceMs);
  }

  for (const dir of new Set(watched.map((p) => p.root))) {
    try {
      // Recursive: helpers in subdirectories are part of a runbook's content.
      const watcher = watch(dir, { recursive: true }, (_event, name) => {
        if (name && /(^|[\\/])(node_modules|\.git)([\\/]|$)/.test(name)) return;
        schedule();
      });
      watcher.on('error', (err) => options.onError?.(err));
      watchers.push(watcher);
    } catch (err) {
      options.onError?.(err);
    }
  }

  return {
    close() {
      closed = true;
      clearTimeout(timer);
      for (const w of watchers) w.close();
    },
    async idle() {
      while (scheduled || pending) {
        await running;
        if (scheduled) await new Promise((r) => setTimeout(r, debounceMs));
      }
      await running;
    },
  };
}
