/**
 * The results table: runbook × dry run / real run × what happened on the
 * real server. Printed to stdout at the end of the suite and written to
 * .drover/real-kube/ (git-ignored).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../support/test-drover.js';

export type Mode = 'dry run' | 'real';

export class ResultTable {
  private readonly rows = new Map<string, Partial<Record<Mode, string>>>();

  constructor(private readonly title: string) {}

  record(runbook: string, mode: Mode, result: string): void {
    this.rows.set(runbook, { ...this.rows.get(runbook), [mode]: result });
  }

  /** Runbooks that lack a dry or a real result. */
  incomplete(runbooks: readonly string[]): string[] {
    return runbooks.filter((id) => !this.rows.get(id)?.['dry run'] || !this.rows.get(id)?.real);
  }

  markdown(): string {
    const cell = (s: string | undefined) => (s ?? 'NOT RUN').replaceAll('|', '\\|');
    const lines = [`### ${this.title}`, '', '| runbook | dry run | real |', '|---|---|---|'];
    for (const [id, r] of [...this.rows].sort(([a], [b]) => a.localeCompare(b))) lines.push(`| ${id} | ${cell(r['dry run'])} | ${cell(r.real)} |`);
    return `${lines.join('\n')}\n`;
  }

  /** Prints the table and writes it to .drover/real-kube/<file>; returns the file's path. */
  publish(file: string): string {
    const dir = join(ROOT, '.drover', 'real-kube');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, file);
    writeFileSync(path, this.markdown());
    process.stdout.write(`\n${this.markdown()}(also in ${path})\n\n`);
    return path;
  }
}
