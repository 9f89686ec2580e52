import { verifyAuditFile } from '../../../src/audit/verify-file.js';
import type { AuditKey } from '../../../src/audit/audit-key.js';
import type { Checkpoint } from '../../../src/audit/checkpoint.js';
import { link } from '../../../src/audit/chain.js';
import { KEY, OTHER_KEY, body, chainOf, checkpointOf, relink, tamperings, type Ev } from '../../support/audit-chain.js';

const N = 12;
const line = (e: Record<string, unknown>) => JSON.stringify({ audit: true, ...e });
/** An audit file as the drainer writes it: events, a checkpoint after #6 and after #12. */
const fileOf = (events: Ev[], cps: Checkpoint[]) => [...events.slice(0, 6).map(line), JSON.stringify(cps[0]), ...events.slice(6).map(line), JSON.stringify(cps[1])].join('\n') + '\n';

describe.each([
  ['keyed', KEY],
  ['unkeyed', undefined],
] as Array<[string, AuditKey | undefined]>)('an audit file, %s, verified on its own', (_label, key) => {
  const events = chainOf(N, key);
  const cps = [checkpointOf(events.slice(0, 6), key), checkpointOf(events, key)];

  it('verifies untouched, checkpoints included', () => {
    expect(verifyAuditFile(fileOf(events, cps), { key })).toMatchObject({ ok: true, checked: N, checkpoints: 2, unanchored: 0, head: { seq: N } });
  });

  // Event lines changed, checkpoint lines left where they were.
  it.each(tamperings(N).map((t) => [t.name, t] as const))('catches %s', (_name, t) => {
    const result = verifyAuditFile(fileOf(t.change(events), cps), { key });
    expect(result.ok).toBe(false);
    expect(result.broken?.reason).toBeTruthy();
    if (t.kind === 'edit') expect(result.broken?.seq).toBe(t.at);
  });

  it.each(Array.from({ length: N }, (_, i) => [N - i, i] as const))('cutting the last %i event(s) and the checkpoint after them is caught against a checkpoint kept elsewhere', (_cut, keep) => {
    const text = events.slice(0, keep).map(line).join('\n') + '\n';
    expect(verifyAuditFile(text, { key, checkpoint: cps[1] })).toMatchObject({ ok: false, broken: { reason: expect.stringMatching(/removed/) as string } });
  });

  it('cutting the oldest events is caught by the checkpoint', () => {
    const text = fileOf(events, cps).split('\n').slice(3).join('\n');
    expect(verifyAuditFile(text, { key })).toMatchObject({ ok: false, broken: { reason: expect.stringMatching(/starts at #4 .* #1–#3 were removed/) as string } });
  });

  it('a rewrite with every hash recomputed (by someone without the key) is caught', () => {
    const rewritten = relink(events.map((e, i) => (i === 4 ? { ...e, runId: 'forged' } : e)), key === undefined ? undefined : OTHER_KEY);
    const forgedCps = [checkpointOf(rewritten.slice(0, 6), OTHER_KEY), checkpointOf(rewritten, OTHER_KEY)];
    // Even with checkpoints re-signed, with the attacker's key or none.
    for (const c of [forgedCps, forgedCps.map(({ kid: _k, mac: _m, ...rest }) => rest as Checkpoint)]) {
      const result = verifyAuditFile(fileOf(rewritten, c), { key, checkpoint: cps[1] });
      expect(result.ok).toBe(false);
    }
  });

  it('a forged checkpoint is caught', () => {
    const forged = { ...cps[1]!, seq: 11, hash: events[10]!.hash };
    const result = verifyAuditFile(fileOf(events, [cps[0]!, forged]), { key });
    if (key) expect(result).toMatchObject({ ok: false, broken: { reason: expect.stringMatching(/signature does not match|not signed/) as string } });
    // Unkeyed, a checkpoint is a claim anyone could write; it still has to agree with the events.
    else expect(result.ok).toBe(true);
  });
});

describe('an audit file and keys', () => {
  it('keyed events without the key configured are not accepted', () => {
    const text = chainOf(3, KEY).map(line).join('\n');
    expect(verifyAuditFile(text, {})).toMatchObject({ ok: false, broken: { seq: 1, reason: expect.stringMatching(/no audit key is configured/) as string } });
  });

  it('unkeyed events with a key configured fail unless accepted explicitly, and never after keyed ones', () => {
    const old = chainOf(3);
    // Three events from before the key was set, then two keyed ones after them.
    const mixed = [...old, ...link<Record<string, unknown>>([body(4), body(5)], { seq: 3, hash: old[2]!.hash }, KEY)];
    expect(verifyAuditFile(mixed.map(line).join('\n'), { key: KEY })).toMatchObject({ ok: false, broken: { reason: expect.stringMatching(/#1–#3 are unkeyed .*--accept-unkeyed 3/) as string } });
    expect(verifyAuditFile(mixed.map(line).join('\n'), { key: KEY, acceptUnkeyedThrough: 3 })).toMatchObject({ ok: true, keyed: 2, unkeyed: 3 });
    const downgraded = [...chainOf(2, KEY), ...relink(chainOf(3)).slice(2)];
    expect(verifyAuditFile(downgraded.map(line).join('\n'), { key: KEY, acceptUnkeyedThrough: 99 })).toMatchObject({ ok: false, broken: { seq: 3 } });
  });

  it('a line that is neither an event nor a checkpoint is named', () => {
    expect(verifyAuditFile(`${line(chainOf(1)[0]!)}\n{"hello":1}\n`, {})).toMatchObject({ ok: false, broken: { reason: 'line 2 is neither an audit event nor a checkpoint' } });
  });
});
