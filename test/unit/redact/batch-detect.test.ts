import fc from 'fast-check';
import { Redactor } from '../../../src/redact/redactor.js';
import { detectMany } from '../../../src/redact/batch-detect.js';
import { secretlintDetector } from '../../../src/redact/secretlint-rules.js';
import { regexDetector } from '../../../src/redact/rule.js';
import { BASE64_CORPUS, CORPUS } from '../../support/secret-corpus.js';

const secrets = [...CORPUS, ...BASE64_CORPUS].map((s) => s.text);
const ordinary = ['storm-1-23', 'KubePodCrashLooping', '2026-12-06T11:44:29.123Z', 'http://prometheus.example:9090/graph', 'demo', 'Pod is crash looping.', 'http://user:', '@host', 'aws_secret_access_key = '];
// Texts that may combine across the separator: fragments of secrets and of their contexts.
const piece = fc.oneof(fc.constantFrom(...secrets, ...ordinary), fc.string({ maxLength: 30 }), fc.constantFrom(...secrets).map((s) => s.slice(0, Math.ceil(s.length / 2))));

describe('detecting in many texts at once', () => {
  const secretlint = secretlintDetector();

  it('finds in each text what scanning it alone finds (secretlint’s rules)', () => {
    fc.assert(
      fc.property(fc.array(piece, { minLength: 2, maxLength: 8 }), (texts) => {
        const together = detectMany(secretlint, texts).map(sorted);
        expect(together).toEqual(texts.map((t) => sorted(secretlint(t))));
      }),
      { numRuns: 300 },
    );
  });

  it('a finding that crosses from one text into the next is not taken: each is scanned alone', () => {
    const greedy = regexDetector(/a[\s\S]*b/g);
    expect(detectMany(greedy, ['xa', 'bx', 'ab'])).toEqual([[], [], [{ start: 0, end: 2 }]]);
  });

  it('a value redacts the same as its strings one at a time', () => {
    fc.assert(
      fc.property(fc.array(piece, { minLength: 2, maxLength: 8 }), (texts) => {
        const alone = new Redactor();
        const value = { labels: Object.fromEntries(texts.map((t, i) => [`l${i}`, t])), list: texts };
        const expected = { labels: Object.fromEntries(texts.map((t, i) => [`l${i}`, alone.text(t)])), list: texts.map((t) => alone.text(t)) };
        expect(new Redactor().value(value)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});

function sorted(findings: Array<{ start: number; end: number }>) {
  return findings.map(({ start, end }) => ({ start, end })).sort((a, b) => a.start - b.start || a.end - b.end);
}
