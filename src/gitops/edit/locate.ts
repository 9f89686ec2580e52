/**
 * Finds a field in a document's syntax tree: the scalar that holds it, or the
 * deepest block map where it would be inserted; refuses what cannot be edited
 * in place (aliases, shared anchors, collections where a scalar should be).
 */
import { isAlias, isMap, isScalar, isSeq, visit, type Document, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { noSource } from './repo-files.js';
import type { Segment } from './yaml-file.js';

export type Located =
  | { kind: 'scalar'; node: Scalar; inFlow: boolean }
  /** `path[at...]` is absent; it belongs in `map` (a block or flow map). */
  | { kind: 'missing'; map: YAMLMap; rest: Segment[] }
  /** A key with nothing after it (`values:`); `rest` goes under it. */
  | { kind: 'empty'; pair: Pair; rest: Segment[] };

function keyText(pair: Pair): string | undefined {
  const key = pair.key;
  if (isScalar(key)) return String(key.value);
  return undefined;
}

function aliasedAnchors(doc: Document.Parsed): Set<string> {
  const names = new Set<string>();
  visit(doc, {
    Alias(_key, node) {
      names.add(node.source);
    },
  });
  return names;
}

export function locate(doc: Document.Parsed, path: readonly Segment[], where: string): Located {
  const shared = aliasedAnchors(doc);
  let node: unknown = doc.contents;
  let inFlow = false;
  const checkShared = (n: Node): void => {
    if (n.anchor && shared.has(n.anchor)) {
      throw noSource(`${where}: the value is under the anchor &${n.anchor}, which is used elsewhere through an alias; edit it by hand.`);
    }
  };
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    if (isAlias(node)) throw noSource(`${where}: the value comes from the alias *${node.source}; edit it by hand.`);
    if (isMap(node)) {
      checkShared(node);
      inFlow ||= node.flow === true;
      const pair = node.items.find((p) => keyText(p) === String(segment));
      if (!pair) return { kind: 'missing', map: node, rest: path.slice(i) };
      const value = pair.value;
      if (value === null || (isScalar(value) && value.value === null && value.source === '' && i < path.length - 1)) {
        return { kind: 'empty', pair, rest: path.slice(i + 1) };
      }
      node = value;
    } else if (isSeq(node)) {
      checkShared(node);
      inFlow ||= node.flow === true;
      if (typeof segment !== 'number' || segment < 0 || segment >= node.items.length) {
        throw noSource(`${where}: there is no item ${String(segment)} in the list on the way to the value.`);
      }
      node = node.items[segment];
    } else {
      throw noSource(`${where}: something on the way to the value is not a map.`);
    }
  }
  if (isAlias(node)) throw noSource(`${where}: the value comes from the alias *${node.source}; edit it by hand.`);
  if (!isScalar(node)) throw noSource(`${where}: the value is a map or a list, not a single value.`);
  checkShared(node);
  return { kind: 'scalar', node, inFlow };
}
