/** The plan's view of an edit: a git-style unified diff with 3 lines of context. */
import { createTwoFilesPatch } from 'diff';
import type { FileEdit } from '../types.js';

export function renderDiff(edits: FileEdit[]): string {
  return edits
    .filter((e) => e.before !== e.after)
    .map((e) => {
      const patch = createTwoFilesPatch(`a/${e.file}`, `b/${e.file}`, e.before, e.after, undefined, undefined, { context: 3 });
      const body = patch.replace(/^=+\r?\n/, '').replace(/^(---|\+\+\+) ([^\n]*?)\t[^\n]*$/gm, '$1 $2');
      return `diff --git a/${e.file} b/${e.file}\n${body}`;
    })
    .join('');
}
