import { applyJsonPatch, PatchError } from '../../../src/testing/k8s-fake/json-patch.js';

const doc = { metadata: { name: 'web', labels: { app: 'web' } }, spec: { replicas: 3, list: ['a', 'b'] } };

describe('RFC 6902 JSON patch', () => {
  test('add, remove, replace, move, copy, test', () => {
    const out = applyJsonPatch(doc, [
      { op: 'test', path: '/spec/replicas', value: 3 },
      { op: 'replace', path: '/spec/replicas', value: 5 },
      { op: 'add', path: '/metadata/labels/tier', value: 'frontend' },
      { op: 'add', path: '/spec/list/1', value: 'x' },
      { op: 'add', path: '/spec/list/-', value: 'z' },
      { op: 'remove', path: '/spec/list/0' },
      { op: 'copy', from: '/metadata/labels/app', path: '/metadata/labels/copied' },
      { op: 'move', from: '/metadata/labels/tier', path: '/metadata/tier' },
      { op: 'add', path: '/metadata/annotations', value: { 'a/b~c': '1' } },
      { op: 'replace', path: '/metadata/annotations/a~1b~0c', value: '2' },
    ]);
    expect(out).toEqual({
      metadata: { name: 'web', labels: { app: 'web', copied: 'web' }, tier: 'frontend', annotations: { 'a/b~c': '2' } },
      spec: { replicas: 5, list: ['x', 'b', 'z'] },
    });
  });

  test('does not modify the input', () => {
    applyJsonPatch(doc, [{ op: 'replace', path: '/spec/replicas', value: 9 }]);
    expect(doc.spec.replicas).toBe(3);
  });

  test('a failed test op is a PatchError that does not apply (422), not a malformed patch (400)', () => {
    let caught: unknown;
    try {
      applyJsonPatch(doc, [{ op: 'test', path: '/spec/replicas', value: 4 }]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PatchError);
    expect((caught as PatchError).malformed).toBe(false);
    expect((caught as PatchError).message).toBe('testing value /spec/replicas failed: test failed');
  });

  test.each([
    [[{ op: 'remove', path: '/spec/nope' }], false],
    [[{ op: 'replace', path: '/spec/nope', value: 1 }], false],
    [[{ op: 'add', path: '/missing/deep', value: 1 }], false],
    [[{ op: 'add', path: '/spec/list/7', value: 1 }], false],
    [[{ op: 'frobnicate', path: '/spec' }], true],
    [[{ op: 'add', path: '/spec/x' }], true],
    [{ op: 'add', path: '/spec/x', value: 1 }, true],
  ])('rejects %j (malformed: %s)', (patch, malformed) => {
    expect(() => applyJsonPatch(doc, patch)).toThrow(PatchError);
    try {
      applyJsonPatch(doc, patch);
    } catch (err) {
      expect((err as PatchError).malformed).toBe(malformed);
    }
  });
});
