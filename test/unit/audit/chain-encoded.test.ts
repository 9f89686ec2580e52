import { GENESIS, canonicalJson, hashEvent, link, linkEncoded, verifyChain } from '../../../src/audit/chain.js';

// The canonical JSON every stored event was hashed with so far: the faster one must agree with it exactly.
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

describe('audit chain encoding', () => {
  it('canonical JSON is the same as before for every kind of value', () => {
    const values: unknown[] = [
      { b: 1, a: { d: [2, { f: 1, e: 0 }], c: null }, skipped: undefined },
      [undefined, null, 'x', 1.5, -0, true, { z: [] }],
      { 'ünï': 'cödé "quoted"\n', Z: 1, a: 2, '10': 3, '9': 4, '': 5 },
      { when: new Date(0), nested: { deeper: { deepest: [{ k: 'v' }] } } },
      'plain',
      42,
      null,
      {},
      [],
    ];
    for (const value of values) expect(canonicalJson(value)).toBe(reference(value));
  });

  it('links like link() and stores JSON that reads back as the event', () => {
    const bodies = Array.from({ length: 5 }, (_, i) => ({ v: 1, time: `2026-11-24T10:00:0${i}Z`, type: 'alert.received', runIds: [`r${i}`], reason: i % 2 ? 'x' : undefined }));
    const encoded = linkEncoded(bodies, GENESIS);
    expect(encoded.map((e) => e.event)).toEqual(link(bodies, GENESIS));
    const stored = encoded.map((e, i) => ({ ...(JSON.parse(e.json) as Record<string, unknown>), id: `${i + 1}-0` }));
    expect(stored.map(({ id: _id, ...rest }) => rest)).toEqual(encoded.map((e) => JSON.parse(JSON.stringify(e.event)) as unknown));
    expect(verifyChain(stored)).toMatchObject({ ok: true, checked: 5, head: { seq: 5 } });
    expect(stored.every((e) => hashEvent(e) === (e as { hash?: unknown }).hash)).toBe(true);
  });

  it('leaves a body\'s own hash or id out of the event hash, as link() does', () => {
    const bodies = [{ type: 'approval.granted', hash: 'binding-hash', id: 'x' }];
    expect(linkEncoded(bodies, GENESIS)[0]?.event.hash).toBe(link(bodies, GENESIS)[0]?.hash);
  });
});
