import { GENESIS, canonicalJson, hashEvent, link, verifyChain } from '../../../src/audit/chain.js';

const events = () =>
  link(
    Array.from({ length: 6 }, (_, i) => ({ v: 1, time: `2026-11-24T10:00:0${i}Z`, type: 'run.started', runId: `r${i}`, attempt: 1 })),
    GENESIS,
  ).map((e, i) => ({ ...e, id: `${1000 + i}-0` }));

describe('audit hash chain', () => {
  it('canonical JSON does not depend on key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe(canonicalJson({ a: { c: null, d: [2, { e: 0, f: 1 }] }, b: 1 }));
  });

  it('an untouched chain verifies', () => {
    expect(verifyChain(events())).toMatchObject({ ok: true, checked: 6, head: { seq: 6 } });
  });

  it('an edited event fails at exactly that event', () => {
    const chain = events();
    chain[3] = { ...chain[3]!, runId: 'someone-else' };
    expect(verifyChain(chain)).toMatchObject({ ok: false, checked: 3, broken: { seq: 4, id: '1003-0', reason: expect.stringMatching(/event 4 was altered/) as string } });
  });

  it('an edited event whose hash was recomputed is caught by the next link', () => {
    const chain = events();
    const forged = { ...chain[2]!, runId: 'forged' };
    chain[2] = { ...forged, hash: hashEvent(forged) };
    const result = verifyChain(chain);
    expect(result.ok).toBe(false);
    expect(result.broken?.seq).toBe(4);
    expect(result.broken?.reason).toMatch(/does not link to event 3/);
  });

  it('a removed event fails at the event after the gap', () => {
    const chain = events();
    chain.splice(2, 1);
    expect(verifyChain(chain)).toMatchObject({ ok: false, broken: { seq: 4, reason: expect.stringMatching(/event\(s\) 3 missing before event 4/) as string } });
  });

  it('an inserted event fails at the insertion', () => {
    const chain = events();
    const copy = { ...chain[1]!, id: '1001-5' };
    chain.splice(2, 0, copy);
    expect(verifyChain(chain)).toMatchObject({ ok: false, broken: { seq: 2, id: '1001-5', reason: expect.stringMatching(/out of order or inserted/) as string } });
  });

  it('reordered events fail at the first out of place', () => {
    const chain = events();
    [chain[3], chain[4]] = [chain[4]!, chain[3]!];
    expect(verifyChain(chain)).toMatchObject({ ok: false, broken: { seq: 5, id: '1004-0' } });
  });

  it('starts from an anchor when older events were removed by retention', () => {
    const chain = events();
    const anchor = { seq: chain[1]!.seq, hash: chain[1]!.hash };
    expect(verifyChain(chain.slice(2), anchor)).toMatchObject({ ok: true, checked: 4 });
    expect(verifyChain(chain.slice(3), anchor)).toMatchObject({ ok: false, broken: { seq: 4 } });
  });
});
