/**
 * A YAML file parsed for editing: every document with its syntax tree (for
 * source ranges) and its plain value (for matching), or marked broken.
 */
import { noSource } from './repo-files.js';
import { isCollection, isPair, Lexer, parseAllDocuments, type Document } from 'yaml';

export type Segment = string | number;

export interface ParsedDoc {
  index: number;
  doc: Document.Parsed;
  /** The document's plain value; undefined when `broken`. */
  value: unknown;
  /** The document has syntax errors, duplicate keys, or expands too many aliases. */
  broken: boolean;
  /** Best-effort plain value of a broken document, to tell whether it was the one wanted. */
  salvaged?: unknown;
}

const OPTIONS = { prettyErrors: false, uniqueKeys: true, keepSourceTokens: false } as const;

/** Deeper than any manifest; evaluating a much deeper tree can exhaust the stack or the heap of the whole process. */
export const MAX_DEPTH = 128;

/** Whether the tree nests deeper than MAX_DEPTH, found without recursion. */
function tooDeep(doc: Document.Parsed): boolean {
  const stack: Array<[unknown, number]> = [[doc.contents, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > MAX_DEPTH) return true;
    if (isCollection(node)) {
      for (const item of node.items) {
        if (isPair(item)) stack.push([item.key, depth + 1], [item.value, depth + 1]);
        else stack.push([item, depth + 1]);
      }
    }
  }
  return false;
}

const MAX_FLOW_DEPTH = 64;
const MAX_INDENT = 512;
const MAX_COMPACT = 32;

/**
 * Why `text` is refused before the parser composes it, if it is: nesting deep
 * enough to exhaust the parser's stack can take the whole process down (V8
 * then fails to compile a regular expression and aborts). Flow brackets are
 * counted on the lexer's tokens (which know quotes and comments); block
 * nesting is judged from each line's indentation and compact `- ` items.
 */
export function hostileShape(text: string): string | undefined {
  let flow = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') {
      if (++flow > MAX_FLOW_DEPTH) return 'nests brackets too deeply';
    } else if ((token === ']' || token === '}') && flow > 0) flow--;
  }
  for (const line of text.split('\n')) {
    const lead = /^[ \t]*(?:[-?:][ \t]+)*/.exec(line)![0];
    if (lead.length > MAX_INDENT) return 'is indented too deeply';
    if ((lead.match(/[-?:][ \t]/g)?.length ?? 0) > MAX_COMPACT) return 'nests list items too deeply on one line';
  }
  return undefined;
}

/** Every document of `text`; throws gitops_no_source when its shape is hostile (see hostileShape). */
export function parseYaml(text: string, file = 'a YAML file'): ParsedDoc[] {
  const hostile = hostileShape(text);
  if (hostile) throw noSource(`${file} ${hostile} to be read safely.`);
  const parsed = parseAllDocuments(text, OPTIONS);
  const docs = Array.isArray(parsed) ? parsed : [];
  return docs.map((doc, index) => {
    if (tooDeep(doc)) return { index, doc, value: undefined, broken: true };
    if (doc.errors.length > 0) {
      let salvaged: unknown;
      try {
        salvaged = doc.toJS({ maxAliasCount: 100 });
      } catch {
        salvaged = identity(doc);
      }
      return { index, doc, value: undefined, broken: true, salvaged };
    }
    try {
      return { index, doc, value: doc.toJS({ maxAliasCount: 100 }) as unknown, broken: false };
    } catch {
      return { index, doc, value: undefined, broken: true, salvaged: identity(doc) };
    }
  });
}

/** apiVersion, kind, name and namespace read from the tree alone, for documents that do not evaluate. */
function identity(doc: Document.Parsed): unknown {
  try {
    const get = (path: string[]): unknown => doc.getIn(path);
    return { apiVersion: get(['apiVersion']), kind: get(['kind']), metadata: { name: get(['metadata', 'name']), namespace: get(['metadata', 'namespace']) } };
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The plain value at `path`, or undefined. */
export function getPath(value: unknown, path: readonly Segment[]): unknown {
  let current = value;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (isRecord(current) && typeof segment === 'string' && Object.prototype.hasOwnProperty.call(current, segment)) current = current[segment];
    else return undefined;
  }
  return current;
}

/** A copy of `value` with `path` set (creating maps on the way). */
export function setPath(value: unknown, path: readonly Segment[], next: unknown): unknown {
  if (path.length === 0) return next;
  const [head, ...rest] = path;
  if (Array.isArray(value) && typeof head === 'number') {
    const copy = [...(value as unknown[])];
    copy[head] = setPath(copy[head], rest, next);
    return copy;
  }
  const base = isRecord(value) ? { ...value } : {};
  Object.defineProperty(base, String(head), { value: setPath(base[String(head)], rest, next), enumerable: true, writable: true, configurable: true });
  return base;
}

export function dotted(path: readonly Segment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** 1-based line of a character offset. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** `apps/v1` → `apps`; `v1` → ''. */
export function groupOf(apiVersion: unknown): string {
  if (typeof apiVersion !== 'string') return '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}
