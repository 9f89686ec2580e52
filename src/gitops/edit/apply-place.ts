/**
 * Writes one value at one place of one file by splicing text: the scalar's
 * own characters are replaced (or the missing key is inserted as new lines),
 * and everything else stays byte-identical. The result is parsed again and
 * must differ from the original in exactly that value.
 */
import { isDeepStrictEqual } from 'node:util';
import { isMap, Scalar, visit, type Document, type Node } from 'yaml';
import { blockLiteralMap, type OffsetMap } from './embedded.js';
import { locate, type Located } from './locate.js';
import { noSource, type RepoFiles } from './repo-files.js';
import { coerce, scalarText, type ScalarValue } from './scalar-text.js';
import { lineOf, parseYaml, setPath, type Segment } from './yaml-file.js';

/** Where a field's desired value is written. */
export interface Place {
  file: string;
  docIndex: number;
  /** Path inside the document, or inside the embedded document when `embedded` is set. */
  path: Segment[];
  /** The place is in YAML text held by a literal block at `path` of the outer document (an inline kustomize patch). */
  embedded?: { path: Segment[]; docIndex: number };
  /** How the field is named in the result line, e.g. `spec.replicas`. */
  label: string;
}

export interface Applied {
  line: string;
  changed: boolean;
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

interface Target {
  text: string;
  /** Undefined when the file holds no document yet (empty, or comments only). */
  doc: Document.Parsed | undefined;
  map: OffsetMap;
  embedded: boolean;
}

async function target(files: RepoFiles, place: Place): Promise<Target> {
  const text = await files.read(place.file);
  const docs = parseYaml(text, place.file);
  const parsed = docs[place.docIndex];
  const blank = docs.length === 0 || (docs.length === 1 && !docs[0]!.broken && docs[0]!.doc.contents === null);
  if (blank && place.docIndex === 0 && !place.embedded) return { text, doc: undefined, map: (n) => n, embedded: false };
  if (!parsed || parsed.broken) throw noSource(`${place.file} is not valid YAML (document ${place.docIndex + 1}); fix it first.`);
  if (!place.embedded) return { text, doc: parsed.doc, map: (n) => n, embedded: false };
  const holder = locate(parsed.doc, place.embedded.path, place.file);
  if (holder.kind !== 'scalar') throw noSource(`${place.file}: the inline patch could not be found again.`);
  const { inner, map } = blockLiteralMap(text, holder.node, place.file);
  const innerDoc = parseYaml(inner, `${place.file} (inline patch)`)[place.embedded.docIndex];
  if (!innerDoc || innerDoc.broken) throw noSource(`${place.file}: the inline patch is not valid YAML.`);
  return { text, doc: innerDoc.doc, map, embedded: true };
}

/** Every document's plain value, inline patches read as YAML, broken documents as their text. */
function snapshot(text: string, place: Place): unknown[] {
  const docs = parseYaml(text);
  return docs.map((d) => {
    if (d.broken) return { broken: text.slice(d.doc.range[0], d.doc.range[2]) };
    if (d.index !== place.docIndex || !place.embedded) return d.value;
    let inner: unknown = undefined;
    let cursor: unknown = d.value;
    for (const s of place.embedded.path) cursor = (cursor as Record<string | number, unknown> | undefined)?.[s];
    if (typeof cursor === 'string') inner = parseYaml(cursor).map((i) => (i.broken ? { broken: true } : i.value));
    return setPath(d.value, place.embedded.path, inner);
  });
}

function indentStep(text: string, doc: Document.Parsed): number {
  let step = 0;
  visit(doc, {
    Pair(_key, pair) {
      const key = pair.key as Node | null;
      const value = pair.value;
      if (step || !key?.range || !isMap(value) || value.flow || !value.items[0]) return;
      const child = value.items[0].key as Node | null;
      if (!child?.range) return;
      const diff = column(text, child.range[0]) - column(text, key.range[0]);
      if (diff > 0) step = diff;
    },
  });
  return step || 2;
}

function column(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

/** The start of the line after the one holding `offset`; -1 at the end of a file without a final newline. */
function nextLineStart(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] === '\n') return offset;
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? -1 : nl + 1;
}

function keyText(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_./-]*$/.test(key) && !/^(true|false|null|yes|no|on|off|y|n|~)$/i.test(key) ? key : JSON.stringify(key);
}

/** The first keys of a file that has no document yet: appended at its end. */
function intoBlank(text: string, path: Segment[], value: ScalarValue, where: string): { after: string; at: number } {
  if (path.some((s) => typeof s !== 'string')) throw noSource(`${where}: the list item to set does not exist.`);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = path.map((k, i) => `${'  '.repeat(i)}${keyText(String(k))}:`);
  lines[lines.length - 1] += ` ${scalarText(value, undefined, false)}`;
  const lead = text === '' || text.endsWith('\n') ? '' : eol;
  const block = lead + lines.join(eol) + eol;
  return { after: text + block, at: text.length + block.lastIndexOf(lines[lines.length - 1]!) };
}

function insertion(t: Target & { doc: Document.Parsed }, located: Exclude<Located, { kind: 'scalar' }>, value: ScalarValue, where: string): { after: string; at: number } {
  const { text, doc } = t;
  if (t.embedded) throw noSource(`${where}: the field is not in the inline patch; edit it by hand.`);
  const rest = located.rest;
  if (rest.length === 0) throw noSource(`${where}: the key is written without a value in a form that cannot be edited; edit it by hand.`);
  if (rest.some((s) => typeof s !== 'string')) throw noSource(`${where}: the list item to set does not exist.`);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const step = indentStep(text, doc);
  let indent: number;
  let pos: number;
  if (located.kind === 'missing') {
    const map = located.map;
    const firstKey = map.items[0]?.key as Node | null | undefined;
    if (map.flow || !firstKey?.range) throw noSource(`${where}: the field would go into a flow map (\`{...}\`), which cannot be extended safely; edit it by hand.`);
    const keyStart = firstKey.range[0];
    const lineStart = keyStart - column(text, keyStart);
    indent = keyStart - lineStart;
    if (map !== doc.contents && /^ *$/.test(text.slice(lineStart, keyStart))) {
      // First key of a nested map: the new key goes above it and above the comment lines that introduce it.
      pos = lineStart;
      while (pos > 0) {
        const prevStart = text.lastIndexOf('\n', pos - 2) + 1;
        const prev = text.slice(prevStart, pos).replace(/\r?\n$/, '');
        if (prev.length > indent && prev.slice(0, indent).trim() === '' && prev[indent] === '#') pos = prevStart;
        else break;
      }
    } else {
      const last = map.items[map.items.length - 1]!;
      const end = (last.value as Node | null)?.range?.[1] ?? (last.key as Node).range![1];
      pos = nextLineStart(text, end);
    }
  } else {
    const key = located.pair.key as Node;
    if (!key.range) throw noSource(`${where}: the field's parent could not be found.`);
    indent = column(text, key.range[0]) + step;
    pos = nextLineStart(text, key.range[1]);
  }
  const lines = rest.map((k, i) => `${' '.repeat(indent + i * step)}${keyText(String(k))}:`);
  lines[lines.length - 1] += ` ${scalarText(value, undefined, false)}`;
  const block = pos < 0 ? eol + lines.join(eol) : lines.map((l) => l + eol).join('');
  const at = pos < 0 ? text.length : pos;
  const after = text.slice(0, at) + block + text.slice(at);
  return { after, at: at + block.lastIndexOf(lines[lines.length - 1]!) };
}

export async function applyPlace(files: RepoFiles, place: Place, value: ScalarValue): Promise<Applied> {
  const t = await target(files, place);
  const doc = t.doc;
  const located = doc ? locate(doc, place.path, place.file) : undefined;
  let after: string;
  let line: string;
  let written: ScalarValue = value;
  if (!located) {
    const inserted = intoBlank(t.text, place.path, value, place.file);
    after = inserted.after;
    line = `${place.file}:${lineOf(after, inserted.at)} ${place.label} (unset) → ${show(value)}`;
  } else if (located.kind === 'scalar') {
    const node = located.node;
    if (node.tag && !node.tag.startsWith('tag:yaml.org,2002:')) {
      throw noSource(`${place.file}: ${place.label} carries the custom tag ${node.tag}; edit it by hand.`);
    }
    if (typeof node.source === 'string' && node.source.includes('{{')) {
      throw noSource(`${place.file}: ${place.label} is a template expression ({{ … }}); edit it by hand.`);
    }
    if (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) {
      throw noSource(`${place.file}: ${place.label} is a multi-line block scalar; edit it by hand.`);
    }
    const old = node.value;
    written = coerce(old, value);
    const start = t.map(node.range![0]);
    const lineNo = lineOf(t.text, start);
    if (isDeepStrictEqual(old, written)) return { changed: false, line: `${place.file}:${lineNo} ${place.label} (already ${show(written)})` };
    let text = scalarText(written, node.type, located.inFlow);
    if (node.source === '') {
      // An empty value: its position may be that of the comment after it.
      if (!/\s/.test(t.text[start - 1] ?? '')) text = ` ${text}`;
      if (t.text[start] === '#') text = `${text} `;
    }
    after = t.text.slice(0, start) + text + t.text.slice(t.map(node.range![1]));
    line = `${place.file}:${lineNo} ${place.label} ${show(old)} → ${show(written)}`;
  } else {
    const inserted = insertion({ ...t, doc: doc! }, located, value, place.file);
    after = inserted.after;
    line = `${place.file}:${lineOf(after, inserted.at)} ${place.label} (unset) → ${show(value)}`;
  }
  const fullPath: Segment[] = [place.docIndex, ...(place.embedded ? [...place.embedded.path, place.embedded.docIndex] : []), ...place.path];
  const expected = setPath(snapshot(t.text, place), fullPath, written);
  if (!isDeepStrictEqual(snapshot(after, place), expected)) {
    throw noSource(`${place.file}: the edit of ${place.label} did not read back as intended; refusing to write it.`);
  }
  files.write(place.file, after);
  return { changed: true, line };
}


/** The plain value written at `place` now, or undefined when it is not set there. */
export async function valueAt(files: RepoFiles, place: Place): Promise<unknown> {
  const docs = snapshot(await files.read(place.file), place);
  const fullPath: Segment[] = [place.docIndex, ...(place.embedded ? [...place.embedded.path, place.embedded.docIndex] : []), ...place.path];
  let cursor: unknown = docs;
  for (const s of fullPath) {
    if (typeof cursor !== 'object' || cursor === null || !Object.prototype.hasOwnProperty.call(cursor, s)) return undefined;
    cursor = (cursor as Record<string | number, unknown>)[s];
  }
  return cursor;
}
