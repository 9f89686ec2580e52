/**
 * RFC 6902 JSON Patch: add, remove, replace, move, copy, test. Works on a copy;
 * errors are PatchErrors worded like the API server's JSON-patch library.
 */
import { clone, deepEqual, isObject } from './json.js';

export class PatchError extends Error {
  /** True when the patch document itself is malformed (400), false when it does not apply (422). */
  constructor(
    message: string,
    readonly malformed: boolean,
  ) {
    super(message);
    this.name = 'PatchError';
  }
}

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`JSON pointer must start with '/': "${pointer}"`, true);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(token: string, length: number, allowEnd: boolean, path: string): number {
  if (allowEnd && token === '-') return length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new PatchError(`invalid array index "${token}" in path "${path}"`, false);
  const index = Number(token);
  if (index > length || (!allowEnd && index === length)) {
    throw new PatchError(`Unable to access invalid index: ${index}: invalid index referenced`, false);
  }
  return index;
}

/** The parent container of `path` and the last token. */
function locate(doc: unknown, path: string, op: string): { parent: unknown; key: string } {
  const tokens = parsePointer(path);
  const key = tokens.pop();
  if (key === undefined) return { parent: undefined, key: '' };
  let current: unknown = doc;
  for (const token of tokens) {
    if (Array.isArray(current)) {
      current = current[arrayIndex(token, current.length, false, path)];
    } else if (isObject(current) && Object.prototype.hasOwnProperty.call(current, token)) {
      current = current[token];
    } else {
      throw new PatchError(`${op} operation does not apply: doc is missing path: "${path}": missing value`, false);
    }
  }
  if (!Array.isArray(current) && !isObject(current)) {
    throw new PatchError(`${op} operation does not apply: doc is missing path: "${path}": missing value`, false);
  }
  return { parent: current, key };
}

function read(doc: unknown, path: string, op: string): unknown {
  if (path === '') return doc;
  const { parent, key } = locate(doc, path, op);
  if (Array.isArray(parent)) return parent[arrayIndex(key, parent.length, false, path)];
  if (isObject(parent) && Object.prototype.hasOwnProperty.call(parent, key)) return parent[key];
  throw new PatchError(`${op} operation does not apply: doc is missing key: ${path}: missing value`, false);
}

function add(doc: unknown, path: string, value: unknown): unknown {
  if (path === '') return value;
  const { parent, key } = locate(doc, path, 'add');
  if (Array.isArray(parent)) parent.splice(arrayIndex(key, parent.length, true, path), 0, value);
  else if (isObject(parent)) parent[key] = value;
  return doc;
}

function remove(doc: unknown, path: string, op = 'remove'): unknown {
  if (path === '') throw new PatchError('unable to remove the document root', false);
  const { parent, key } = locate(doc, path, op);
  if (Array.isArray(parent)) {
    parent.splice(arrayIndex(key, parent.length, false, path), 1);
  } else if (isObject(parent)) {
    if (!Object.prototype.hasOwnProperty.call(parent, key)) {
      throw new PatchError(`Unable to remove nonexistent key: ${key}: missing value`, false);
    }
    delete parent[key];
  }
  return doc;
}

function replace(doc: unknown, path: string, value: unknown): unknown {
  if (path === '') return value;
  const { parent, key } = locate(doc, path, 'replace');
  if (Array.isArray(parent)) {
    parent[arrayIndex(key, parent.length, false, path)] = value;
  } else if (isObject(parent)) {
    if (!Object.prototype.hasOwnProperty.call(parent, key)) {
      throw new PatchError(`replace operation does not apply: doc is missing key: ${path}: missing value`, false);
    }
    parent[key] = value;
  }
  return doc;
}

function parseOperations(patch: unknown): Operation[] {
  if (!Array.isArray(patch)) throw new PatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch', true);
  return patch.map((raw) => {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw new PatchError('invalid JSON patch operation: "op" and "path" are required strings', true);
    }
    const op: Operation = { op: raw.op, path: raw.path };
    if (typeof raw.from === 'string') op.from = raw.from;
    if (Object.prototype.hasOwnProperty.call(raw, 'value')) op.value = raw.value;
    return op;
  });
}

export function applyJsonPatch<T>(document: T, patch: unknown): T {
  let doc: unknown = clone(document);
  for (const op of parseOperations(patch)) {
    const needsValue = op.op === 'add' || op.op === 'replace' || op.op === 'test';
    if (needsValue && !Object.prototype.hasOwnProperty.call(op, 'value')) {
      throw new PatchError(`${op.op} operation does not apply: value is missing`, true);
    }
    switch (op.op) {
      case 'add':
        doc = add(doc, op.path, clone(op.value));
        break;
      case 'remove':
        doc = remove(doc, op.path);
        break;
      case 'replace':
        doc = replace(doc, op.path, clone(op.value));
        break;
      case 'move': {
        if (op.from === undefined) throw new PatchError('move operation does not apply: "from" is missing', true);
        if (op.path.startsWith(`${op.from}/`)) throw new PatchError('move operation does not apply: "from" is a prefix of "path"', false);
        const value = read(doc, op.from, 'move');
        doc = remove(doc, op.from, 'move');
        doc = add(doc, op.path, value);
        break;
      }
      case 'copy': {
        if (op.from === undefined) throw new PatchError('copy operation does not apply: "from" is missing', true);
        doc = add(doc, op.path, clone(read(doc, op.from, 'copy')));
        break;
      }
      case 'test': {
        let actual: unknown;
        try {
          actual = read(doc, op.path, 'test');
        } catch {
          actual = undefined;
        }
        if (!deepEqual(actual, op.value)) throw new PatchError(`testing value ${op.path} failed: test failed`, false);
        break;
      }
      default:
        throw new PatchError(`Unexpected kind: ${op.op}`, true);
    }
  }
  return doc as T;
}
