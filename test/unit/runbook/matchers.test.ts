import { matches, parseMatcher, type LabelMatcher } from '../../../src/runbook/matchers.js';

function m(text: string): LabelMatcher {
  const parsed = parseMatcher(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed;
}

describe('Alertmanager matchers', () => {
  const labels = { alertname: 'KubePodCrashLooping', namespace: 'shop', pod: 'web-7d9f-abc' };

  it('supports the four operators with quoted and bare values', () => {
    expect(matches(m('namespace="shop"'), labels)).toBe(true);
    expect(matches(m('namespace=shop'), labels)).toBe(true);
    expect(matches(m('namespace!="kube-system"'), labels)).toBe(true);
    expect(matches(m('namespace!=shop'), labels)).toBe(false);
    expect(matches(m('pod=~"web-.*"'), labels)).toBe(true);
    expect(matches(m('pod!~"web-.*"'), labels)).toBe(false);
  });

  it('anchors regexes as Alertmanager does', () => {
    expect(matches(m('pod=~"web"'), labels)).toBe(false);
    expect(matches(m('namespace=~"sho"'), labels)).toBe(false);
  });

  it('treats a missing label as empty', () => {
    expect(matches(m('severity=""'), labels)).toBe(true);
    expect(matches(m('severity!=""'), labels)).toBe(false);
  });

  it('rejects malformed matchers with a reason', () => {
    expect(parseMatcher('no operator')).toEqual({ error: expect.stringMatching(/expected name=value/) as string });
    expect(parseMatcher('pod=~"(unclosed"')).toEqual({ error: expect.stringMatching(/invalid regular expression/) as string });
    expect(parseMatcher('pod="open')).toEqual({ error: 'unterminated quoted value' });
  });
});
