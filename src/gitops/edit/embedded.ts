/**
 * A YAML document written inside a block literal (`patch: |-` in a
 * kustomization): maps offsets in the inner text to offsets in the file, so
 * a value inside an inline patch is spliced like any other.
 */
import { Scalar } from 'yaml';
import { noSource } from './repo-files.js';

export type OffsetMap = (inner: number) => number;

export function blockLiteralMap(text: string, node: Scalar, where: string): { inner: string; map: OffsetMap } {
  if (node.type !== Scalar.BLOCK_LITERAL || typeof node.value !== 'string' || !node.range) {
    throw noSource(`${where}: the inline patch is not a literal block (\`|\`); edit it by hand.`);
  }
  const inner = node.value;
  const [start, end] = node.range;
  const headerEnd = text.indexOf('\n', start);
  if (headerEnd < 0 || headerEnd >= end) throw noSource(`${where}: the inline patch is empty.`);
  // The body lines as written: start offset and content without the line ending.
  const lines: Array<{ at: number; body: string }> = [];
  let at = headerEnd + 1;
  while (at < end) {
    const nl = text.indexOf('\n', at);
    const stop = nl < 0 || nl >= end ? end : nl;
    lines.push({ at, body: text.slice(at, stop).replace(/\r$/, '') });
    at = stop + 1;
  }
  const first = lines.find((l) => l.body.trim() !== '');
  const indent = first ? first.body.length - first.body.trimStart().length : 0;
  const innerLines = inner.split('\n');
  const starts: number[] = [];
  let offset = 0;
  for (let k = 0; k < innerLines.length; k++) {
    starts.push(offset);
    offset += innerLines[k]!.length + 1;
    const written = lines[k];
    const expected = written ? written.body.slice(indent) : '';
    if (innerLines[k] !== expected && !(innerLines[k] === '' && (!written || written.body.trim() === ''))) {
      throw noSource(`${where}: the inline patch's text could not be matched to the file; edit it by hand.`);
    }
  }
  const map: OffsetMap = (innerOffset) => {
    let k = starts.length - 1;
    while (k > 0 && starts[k]! > innerOffset) k--;
    const line = lines[k];
    if (!line) throw noSource(`${where}: the inline patch's text could not be matched to the file.`);
    return line.at + indent + (innerOffset - starts[k]!);
  };
  return { inner, map };
}
