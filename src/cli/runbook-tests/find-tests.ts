import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** A runbook's test sits next to it: `<id>.test.ts` (or .mts, .js, .mjs). */
const TEST_FILE = /^(.+)\.test\.(ts|mts|js|mjs)$/;
const RUNBOOK_FILE = /^([^_.][^.]*)\.(ts|mts|js|mjs)$/;

export interface FoundTests {
  /** Test files to run, absolute paths, sorted. */
  files: string[];
  /** Why some ids cannot be tested, one line each for the person who asked. */
  problems: string[];
}

/** The runbook tests in `dir`: all of them, or those of `ids`; each asked-for id without one is a problem. */
export function findRunbookTests(dir: string, ids: string[]): FoundTests {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (err) {
    return { files: [], problems: [`cannot read the runbooks directory ${dir} (${(err as NodeJS.ErrnoException).code ?? String(err)})`] };
  }
  const tests = new Map<string, string>();
  const runbooks = new Set<string>();
  for (const name of names) {
    const test = TEST_FILE.exec(name);
    if (test?.[1]) {
      if (!tests.has(test[1])) tests.set(test[1], join(dir, name));
      continue;
    }
    const runbook = RUNBOOK_FILE.exec(name);
    if (runbook?.[1] && !name.endsWith('.d.ts')) runbooks.add(runbook[1]);
  }
  if (!ids.length) return { files: [...tests.values()], problems: [] };
  const files: string[] = [];
  const problems: string[] = [];
  for (const id of [...new Set(ids)]) {
    const file = tests.get(id);
    if (file) files.push(file);
    else if (runbooks.has(id)) problems.push(`runbook "${id}" has no test: write ${join(dir, `${id}.test.ts`)} (drover new runbook writes one for a new runbook; see docs/authoring.md)`);
    else problems.push(`no runbook "${id}" in ${dir}${runbooks.size ? ` (there: ${[...runbooks].join(', ')})` : ''}`);
  }
  return { files, problems };
}
