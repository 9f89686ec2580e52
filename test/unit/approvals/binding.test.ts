import { bindingHash as keyedHash, normalisePlan, type BindingInput } from '../../../src/approvals/binding.js';
import type { PlannedChange } from '../../../src/k8s/types.js';

const restart = (at: string): PlannedChange => ({
  verb: 'patch',
  kind: 'Deployment',
  namespace: 'shop',
  name: 'web',
  dryRun: true,
  summary: `restart Deployment shop/web`,
  diff: `-    kubectl.kubernetes.io/restartedAt: 2024-05-01T10:00:00.000Z\n+    kubectl.kubernetes.io/restartedAt: ${at}\n`,
});

const KEY = Buffer.alloc(32, 7);
const bindingHash = (input: BindingInput): string => keyedHash(input, KEY);

const base = {
  runbook: 'restart-deployment',
  runbookDigest: 'd1',
  params: { namespace: 'shop', deployment: 'web' },
  secrets: {},
  cluster: 'prod',
  dryRun: false,
  plan: [restart('2024-05-02T11:00:00.000Z')],
};

describe('the approval binding hash', () => {
  it('is stable for the same change, whatever time a dry run stamps into it', () => {
    expect(bindingHash(base)).toBe(bindingHash({ ...base, plan: [restart('2024-05-02T11:07:31.123Z')] }));
    expect(JSON.stringify(normalisePlan([restart('2024-05-02T11:07:31+02:00')]))).toContain('restartedAt: <time>');
    // Key order does not matter.
    expect(bindingHash(base)).toBe(bindingHash({ ...base, params: { deployment: 'web', namespace: 'shop' } }));
  });

  it.each([
    ['a param', { params: { namespace: 'shop', deployment: 'api' } }],
    ['the cluster', { cluster: 'staging' }],
    ['the runbook', { runbook: 'scale-deployment' }],
    ['the runbook code', { runbookDigest: 'd2' }],
    ['dry run or not', { dryRun: true }],
    ['a secret param', { secrets: { token: 'new-token-value' } }],
    ['the plan', { plan: [{ ...restart('2024-05-02T11:00:00.000Z'), name: 'api' }] }],
    ['an extra change', { plan: [restart('2024-05-02T11:00:00.000Z'), restart('2024-05-02T11:00:00.000Z')] }],
  ])('changes when %s changes', (_what, change) => {
    expect(bindingHash({ ...base, ...change })).not.toBe(bindingHash(base));
  });

  it('binds secret params by hash, never by value', () => {
    const a = bindingHash({ ...base, secrets: { token: 'xoxb-one' } });
    const b = bindingHash({ ...base, secrets: { token: 'xoxb-two' } });
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is keyed: without the installation key, a guess at a secret param (or anything redacted) cannot be checked', () => {
    const pin = (value: string) => ({ ...base, secrets: { pin: value } });
    const shown = bindingHash(pin('7391'));
    // Someone who knows everything but the key computes something else for the right guess.
    expect(keyedHash(pin('7391'), Buffer.alloc(32, 8))).not.toBe(shown);
    expect(bindingHash(pin('7391'))).toBe(shown);
  });
});
