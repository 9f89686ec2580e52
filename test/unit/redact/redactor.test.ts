import { REDACTED, Redactor } from '../../../src/redact/redactor.js';
import { secret, secretParamNames, splitSecrets } from '../../../src/redact/secret-params.js';
import { z } from 'zod';

const r = new Redactor(['corp-[0-9]{6}']);

describe('redaction', () => {
  it('removes the data of a Kubernetes Secret manifest, keeping its keys', () => {
    const manifest = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'shop', annotations: { owner: 'team-a' } },
      type: 'Opaque',
      data: { username: 'YWRtaW4=', password: 'c3VwZXJzZWNyZXQ=' },
      stringData: { 'config.yaml': 'dsn: postgres://app:hunter2@db:5432/shop' },
    };
    const out = r.value(manifest);
    expect(out.data).toEqual({ username: REDACTED, password: REDACTED });
    expect(out.stringData).toEqual({ 'config.yaml': REDACTED });
    expect(out.metadata).toEqual(manifest.metadata);
    expect(JSON.stringify(out)).not.toMatch(/c3VwZXJzZWNyZXQ|hunter2|YWRtaW4/);
  });

  it('masks the data of any object whose kind is Secret, whatever its apiVersion (a list item has none)', () => {
    for (const apiVersion of [undefined, 'v1', 'example.com/v1']) {
      const out = r.value({ ...(apiVersion ? { apiVersion } : {}), kind: 'Secret', metadata: { name: 'db' }, data: { password: 'aHVudGVyMg==' } });
      expect(out.data).toEqual({ password: REDACTED });
    }
  });

  it('removes tokens from log lines and error messages, keeping the text readable', () => {
    const line = 'GET /api/v1/pods -H "Authorization: Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlLXZhbHVl" failed';
    expect(r.text(line)).toBe(`GET /api/v1/pods -H "Authorization: Bearer ${REDACTED}" failed`);
    expect(r.text('slack token xoxb-1234567890-abcdefghijkl leaked')).toBe(`slack token ${REDACTED} leaked`);
    expect(r.text('aws AKIAIOSFODNN7EXAMPLE in env')).toBe(`aws ${REDACTED} in env`);
    expect(r.text('connect redis://default:s3cr3t-pass@redis:6379/0')).toBe(`connect redis://default:${REDACTED}@redis:6379/0`);
    expect(r.text('login password=hunter2 user=bob')).toBe(`login password=${REDACTED} user=bob`);
    expect(r.text('api_key: "abc def"')).toBe(`api_key: "${REDACTED}"`);
    expect(r.text('-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAK\n-----END RSA PRIVATE KEY-----')).toBe(REDACTED);
    expect(r.text('ticket corp-123456 opened')).toBe(`ticket ${REDACTED} opened`);
  });

  it('removes values under secret-looking keys at any depth, and leaves the rest alone', () => {
    const out = r.value({ config: { dbPassword: 'x1', apiKey: 'y2', token: 'z3', replicas: 3, enabled: true }, headers: { authorization: 'Basic Zm9vOmJhcg==' } });
    expect(out).toEqual({ config: { dbPassword: REDACTED, apiKey: REDACTED, token: REDACTED, replicas: 3, enabled: true }, headers: { authorization: REDACTED } });
    expect(r.value({ namespace: 'shop', deployment: 'web', note: 'nothing secret' })).toEqual({ namespace: 'shop', deployment: 'web', note: 'nothing secret' });
  });

  it('runbooks mark params secret; they are split from what is shown', () => {
    const schema = z.object({ namespace: z.string(), apiKey: secret(z.string()), pin: secret(z.string()).optional() });
    expect(secretParamNames(schema)).toEqual(['apiKey', 'pin']);
    expect(splitSecrets(schema, { namespace: 'shop', apiKey: 'k-123456' }, REDACTED)).toEqual({
      shown: { namespace: 'shop', apiKey: REDACTED },
      secrets: { apiKey: 'k-123456' },
    });
  });
});
