import { REDACTED, Redactor } from '../../../src/redact/redactor.js';

// Strings with no hint of a secret skip the built-in rules; these must still be caught, in any case.
const SECRETS = [
  'Authorization: bEaReR abcdefgh12345678',
  'basic Zm9vOmJhcjEyMzQ1',
  'xoxb-1234567890-abcdefghijkl',
  'xapp-1-A0123456789-abcdef',
  'AKIAIOSFODNN7EXAMPLE',
  'ASIAIOSFODNN7EXAMPLE',
  'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
  'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0xx.c2lnbmF0dXJlLXZhbHVl',
  '-----BEGIN EC PRIVATE KEY-----\nabc\n-----END EC PRIVATE KEY-----',
  'PASSWD=hunter2',
  'pwd: hunter2',
  'Secret=abc',
  'TOKEN: abc',
  'api-key=abc',
  'amqp://user:pa55@broker',
];

describe('redaction fast path', () => {
  const r = new Redactor(['corp-[0-9]{6}']);

  it.each(SECRETS)('still redacts %j', (text) => {
    expect(r.text(`before ${text} after`)).toContain(REDACTED);
  });

  it('leaves ordinary text unchanged and still applies configured patterns to it', () => {
    for (const text of ['KubePodCrashLooping', 'demo/web-7d9f', '2026-11-24T10:00:00Z', 'Pod is crash looping.']) expect(r.text(text)).toBe(text);
    expect(r.text('ticket corp-123456')).toBe(`ticket ${REDACTED}`);
  });
});
