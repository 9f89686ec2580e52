import type { Logger } from 'pino';
import { watchPacks, type ReloadReport, type RunbookWatcher } from '../runbook/packs/watch-packs.js';
import type { LoadedRunbooks } from './runtime.js';

/** One line per reload for the terminal: what changed, what broke (and kept its last good version). */
export function describeReload(report: ReloadReport): string[] {
  const parts = [
    report.added.length ? `added ${report.added.join(', ')}` : '',
    report.changed.length ? `changed ${report.changed.join(', ')}` : '',
    report.removed.length ? `removed ${report.removed.join(', ')}` : '',
    report.kept.length ? `kept the last good version of ${report.kept.join(', ')}` : '',
  ].filter(Boolean);
  return [`runbooks reloaded${parts.length ? `: ${parts.join('; ')}` : ' (no change)'}`, ...report.problems.map((p) => `  invalid: ${p}`)];
}

/**
 * Reloads runbooks when their files change (drover start, or --watch-runbooks):
 * each reload is logged, and printed to the terminal when `print` is given.
 */
export function startRunbookReload(loaded: LoadedRunbooks, cwd: string, logger: Logger, print?: (line: string) => void, afterReload?: () => Promise<unknown>): RunbookWatcher {
  return watchPacks({
    packs: loaded.packs,
    registry: loaded.registry,
    importer: loaded.importer,
    displayRoot: cwd,
    onReload(report) {
      logger.info({ added: report.added, changed: report.changed, removed: report.removed, kept: report.kept, problems: report.problems }, 'runbooks reloaded');
      if (print) for (const line of describeReload(report)) print(line);
      // What depends on the set of runbooks follows it (the schedules' job schedulers).
      afterReload?.().catch((err: unknown) => logger.warn({ err }, 'after the runbook reload'));
    },
    onError(err) {
      logger.warn({ err }, 'runbook reload failed; the runbooks loaded before keep serving');
    },
  });
}
