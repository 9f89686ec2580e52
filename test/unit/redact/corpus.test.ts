import { REDACTED, Redactor } from '../../../src/redact/redactor.js';
import { secretlintRuleIds } from '../../../src/redact/secretlint-rules.js';
import { BASE64_CORPUS, CORPUS, leaks } from '../../support/secret-corpus.js';

const r = new Redactor();

describe('the redaction corpus, one string at a time', () => {
  it.each([...CORPUS, ...BASE64_CORPUS].map((s) => [s.name, s] as const))('redacts %s in running text', (_name, s) => {
    const out = r.text(`before ${s.text} after`);
    expect(leaks(out)).toEqual({});
    expect(out).toContain(REDACTED);
    expect(out).toMatch(/^before .*after$/s);
  });

  it('the provider formats come from secretlint’s recommended preset', () => {
    expect(secretlintRuleIds()).toEqual(expect.arrayContaining(['@secretlint/secretlint-rule-slack', '@secretlint/secretlint-rule-github', '@secretlint/secretlint-rule-aws', '@secretlint/secretlint-rule-privatekey']));
  });
});

// Regression (issue 12): the key pattern needed a word boundary before the name, which `_` defeats.
describe('secret key names with a prefix', () => {
  it.each(['DB_PASSWORD=hunter2-db', 'client_secret=hunter2-cs', 'GITHUB_TOKEN=hunter2-gh', 'access_token=hunter2-at', 'x-api-key: hunter2-xk', 'export STRIPE_API_KEY="hunter2-sk"'])('%s', (text) => {
    const out = r.text(`env ${text} end`);
    expect(out).not.toContain('hunter2');
    // The key stays, so the text still says what was there.
    expect(out).toContain(text.split(/[=:]/)[0]!);
  });

  it('leaves ordinary words alone', () => {
    for (const text of ['tokens=5', 'secretName: db-creds', 'kind: Secret', 'monkey=banana', 'passwordless=true', '--set agent.redis.existingSecret=drover-agent-redis', 'existingSecret: db-creds', '--set agent.redis.caSecret=redis-ca'])
      expect(r.text(text)).toBe(text);
    expect(r.text('existing_secret=hunter2 ca_secret=hunter2 clientSecret=hunter2')).not.toContain('hunter2');
  });
});

describe('redaction keeps what sinks need', () => {
  it('an Error stays an Error, its message, stack and cause redacted', () => {
    const err = new Error('connect failed: password=hunter2-err', { cause: new Error('token=hunter2-cause') });
    const out = r.value(err);
    expect(out).toBeInstanceOf(Error);
    expect(out.message).toBe(`connect failed: password=${REDACTED}`);
    expect(JSON.stringify({ stack: out.stack, cause: String((out.cause as Error).message) })).not.toContain('hunter2');
  });

  it('a chat value never grows past what it was (Block Kit limits hold)', () => {
    const text = `x`.repeat(2990) + ' pwd=ab';
    const out = r.chat({ text });
    expect(out.text.length).toBeLessThanOrEqual(text.length);
    expect(out.text).not.toContain('pwd=ab');
  });
});

describe('redacting twice', () => {
  it.each([...CORPUS, ...BASE64_CORPUS].map((s) => [s.name, s] as const))('changes nothing more: %s', (_name, s) => {
    const once = r.text(`before ${s.text} after`);
    expect(r.text(once)).toBe(once);
  });
});
