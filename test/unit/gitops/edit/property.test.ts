import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { editRepository } from '../../../../src/gitops/edit/index.js';
import { makeRepo, replicas, request } from './fixture.js';

const key = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,8}$/).filter((k) => !['replicas', 'apiVersion', 'kind', 'metadata', 'spec', 'name', 'namespace'].includes(k));
const scalar = fc.oneof(fc.integer(), fc.boolean(), fc.stringMatching(/^[a-zA-Z0-9 ._-]{0,30}$/));
const extras = fc.dictionary(key, fc.oneof(scalar, fc.dictionary(key, scalar, { maxKeys: 3 }), fc.array(scalar, { maxLength: 3 })), { maxKeys: 4 });
const comment = fc.stringMatching(/^[ -~]{0,24}$/);

const manifest = fc.record({
  metaExtra: extras,
  specBefore: extras,
  specAfter: extras,
  top: extras,
  replicas: fc.option(fc.nat({ max: 1000 }), { nil: undefined }),
  quoted: fc.boolean(),
  next: fc.nat({ max: 1000 }),
  lineComments: fc.array(fc.option(comment, { nil: undefined, freq: 3 }), { maxLength: 80 }),
  fullComments: fc.array(fc.option(fc.tuple(fc.nat({ max: 8 }), comment), { nil: undefined, freq: 4 }), { maxLength: 80 }),
  crlf: fc.boolean(),
  finalNewline: fc.boolean(),
  otherDoc: fc.option(extras, { nil: undefined }),
});

type Manifest = typeof manifest extends fc.Arbitrary<infer T> ? T : never;

function render(m: Manifest): { text: string; docs: unknown[] } {
  const spec: Record<string, unknown> = { ...m.specBefore };
  if (m.replicas !== undefined) spec.replicas = m.quoted ? String(m.replicas) : m.replicas;
  Object.assign(spec, { selector: { matchLabels: { app: 'web' } } }, m.specAfter);
  const object = { ...m.top, apiVersion: 'apps/v1', kind: 'Deployment', metadata: { ...m.metaExtra, name: 'web', namespace: 'apps' }, spec };
  let yaml = stringify(object, { lineWidth: 0 });
  if (m.otherDoc) yaml = `${stringify({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'web' }, data: m.otherDoc }, { lineWidth: 0 })}---\n${yaml}`;
  const lines = yaml.replace(/\n$/, '').split('\n');
  const out: string[] = [];
  lines.forEach((line, i) => {
    const full = m.fullComments[i];
    if (full) out.push(`${' '.repeat(full[0])}#${full[1]}`);
    const end = m.lineComments[i];
    out.push(end === undefined ? line : `${line} #${end}`);
  });
  let text = out.join('\n') + (m.finalNewline ? '\n' : '');
  if (m.crlf) text = text.replace(/\n/g, '\r\n');
  return { text, docs: parseAllDocuments(text).map((d) => d.toJS() as unknown) };
}

describe('editRepository: property', () => {
  it('changes exactly the replicas line (or adds one), and nothing else reads differently', async () => {
    const repo = makeRepo();
    try {
      await fc.assert(
        fc.asyncProperty(manifest, async (m) => {
          const { text, docs } = render(m);
          repo.write({ 'apps/web/d.yaml': text });
          const result = await editRepository(repo.root, request({ fields: [replicas(m.next)] }));
          const expectedValue = m.replicas !== undefined && m.quoted ? String(m.next) : m.next;
          const last = docs.length - 1;
          const expected = docs.map((d, i) => (i === last ? { ...(d as object), spec: { ...(d as { spec: object }).spec, replicas: expectedValue } } : d));
          if (m.replicas === m.next) {
            expect(result.edits).toEqual([]);
            expect(result.lines[0]).toContain('(already');
            return;
          }
          expect(result.edits).toHaveLength(1);
          const after = result.edits[0]!.after;
          const a = text.split('\n');
          const b = after.split('\n');
          if (m.replicas === undefined) {
            expect(b.length).toBe(a.length + 1);
            const added = b.findIndex((line, i) => line !== a[i]);
            expect([...b.slice(0, added), ...b.slice(added + 1)]).toEqual(a);
            expect(b[added]).toMatch(/^ *replicas: \d+\r?$/);
          } else {
            expect(b.length).toBe(a.length);
            expect(a.filter((line, i) => line !== b[i])).toHaveLength(1);
          }
          const reparsed = parseAllDocuments(after).map((d) => d.toJS() as unknown);
          expect(isDeepStrictEqual(reparsed, expected)).toBe(true);
        }),
        { numRuns: 150 },
      );
    } finally {
      repo.cleanup();
    }
  }, 60_000);
});
