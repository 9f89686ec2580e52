/** The plan's view of an edit: a git-style unified diff with 3 lines of context. */
import { createTwoFilesPatch } from 'diff';
import type { FileEdit } from '../types.js';

/** git writes a one-line range as `-4`, not `-4,1`. */
function range(start: string, count: string | undefined): string {
  return count === undefined || count === '1' ? start : `${start},${count}`;
}

export function renderDiff(edits: FileEdit[]): string {
  return edits
    .filter((e) => e.before !== e.after)
    .map((e) => {
      const patch = createTwoFilesPatch(`a/${e.file}`, `b/${e.file}`, e.before, e.after, undefined, undefined, { context: 3 });
      const body = patch
        .replace(/^=+\r?\n/, '')
        .replace(/^(---|\+\+\+) ([^\n]*?)\t[^\n]*$/gm, '$1 $2')
        .replace(/^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$/gm, (_m, a: string, b: string | undefined, c: string, d: string | undefined) => `@@ -${range(a, b)} +${range(c, d)} @@`);
      return `diff --git a/${e.file} b/${e.file}\n${body}`;
    })
    .join('');
}
