// What fills a V8 heap snapshot: self size and count by constructor (objects)
// or by kind ((string), (compiled code), (closure), (array), (system)...), as
// the Summary view of Chrome's DevTools groups them.
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapGroup {
  name: string;
  selfSize: number;
  count: number;
}

const BY_KIND: Record<string, string> = {
  string: '(string)',
  'concatenated string': '(string)',
  'sliced string': '(string)',
  code: '(compiled code)',
  closure: '(closure)',
  array: '(array)',
  hidden: '(system)',
  'object shape': '(system)',
  number: '(number)',
  bigint: '(bigint)',
  symbol: '(symbol)',
  regexp: 'RegExp',
  native: '(native)',
  synthetic: '(synthetic)',
};

export interface HeapSummary {
  total: number;
  groups: HeapGroup[];
  /** The largest strings (most often module sources V8 keeps), their size and first characters. */
  strings: Array<{ size: number; start: string }>;
}

export function summariseHeapSnapshot(file: string, top = 12): HeapSummary {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const kinds = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const groups = new Map<string, HeapGroup>();
  const strings: Array<{ size: number; start: string }> = [];
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const kind = kinds[snap.nodes[i + typeAt] ?? 0] ?? 'unknown';
    const size = snap.nodes[i + sizeAt] ?? 0;
    const name = kind === 'object' ? (snap.strings[snap.nodes[i + nameAt] ?? 0] ?? '?') : (BY_KIND[kind] ?? `(${kind})`);
    const group = groups.get(name) ?? { name, selfSize: 0, count: 0 };
    group.selfSize += size;
    group.count++;
    groups.set(name, group);
    total += size;
    if (name === '(string)' && size > 100_000) strings.push({ size, start: (snap.strings[snap.nodes[i + nameAt] ?? 0] ?? '').slice(0, 70).replace(/\s+/g, ' ') });
  }
  strings.sort((a, b) => b.size - a.size);
  return { total, groups: [...groups.values()].sort((a, b) => b.selfSize - a.selfSize).slice(0, top), strings: strings.slice(0, 5) };
}

export function describeHeap(summary: HeapSummary): string[] {
  const strings = summary.strings.map((s) => `  largest string ${(s.size / 1024).toFixed(0)} KiB: ${s.start}`);
  return summary.groups.map((g) => `${g.name.slice(0, 40).padEnd(40)} ${(g.selfSize / 1024 / 1024).toFixed(1).padStart(6)} MiB ${((g.selfSize / summary.total) * 100).toFixed(0).padStart(3)}%  ${g.count.toLocaleString('en-US')} objects`).concat(strings);
}
