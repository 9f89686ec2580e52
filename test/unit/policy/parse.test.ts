import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DroverError } from '../../../src/errors.js';
import { createPolicy, loadPolicyFile, parsePolicy } from '../../../src/policy/index.js';
import { runbook, slack, subject } from './support.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The config_invalid error parsePolicy throws, for assertions on its message. */
function failure(text: string, source = '/etc/drover/policy.yaml'): DroverError {
  try {
    parsePolicy(text, source);
  } catch (err) {
    expect(err).toBeInstanceOf(DroverError);
    expect((err as DroverError).code).toBe('config_invalid');
    return err as DroverError;
  }
  throw new Error('parsePolicy accepted an invalid policy');
}

describe('parsePolicy', () => {
  it('parses the shipped policy.example.yaml', async () => {
    const path = join(ROOT, 'policy.example.yaml');
    const doc = loadPolicyFile(path, (p) => readFileSync(p, 'utf8'));
    expect(Object.keys(doc.groups)).toEqual(expect.arrayContaining(['sre', 'oncall', 'leads', 'automation']));
    expect(doc.rules.length).toBeGreaterThan(2);
    expect(doc.approvals[0]?.require).toEqual({ approvals: 2, from: 'leads', within: 900_000 });
    // What the example promises in its comments holds.
    const policy = createPolicy(doc, { defaultTimeoutMs: 900_000, groupMembers: () => Promise.resolve([]) });
    const expand = runbook('expand-pvc', { risk: 'high', approval: { required: 'always', approvers: 1 } });
    await expect(policy.decide(subject(slack('U012ABCDEF'), expand, 'prod-eu', { namespace: 'shop' }))).resolves.toMatchObject({
      allowed: true,
      approval: { approvals: 2, group: 'leads', timeoutMs: 900_000 },
    });
    await expect(policy.decide(subject({ kind: 'alert', id: 'fp' }, expand, 'prod-eu', { namespace: 'shop' }))).resolves.toMatchObject({ allowed: false });
  });

  it('fills in defaults and accepts JSON', () => {
    const doc = parsePolicy(JSON.stringify({ groups: { a: ['U0AAAAAAA1'] }, rules: [{ groups: ['a'], runbooks: ['x'], clusters: ['c'] }], approvals: [{ require: { within: '1h' } }] }), 'p.json');
    expect(doc.rules[0]).toEqual({ groups: ['a'], runbooks: ['x'], clusters: ['c'], namespaces: ['*'], dryRunOnly: false });
    expect(doc.approvals[0]).toEqual({ exemptDryRun: true, require: { approvals: 1, within: 3_600_000 } });
  });

  it('lists every problem at once, each with its path and line, in one error naming the file', () => {
    const err = failure(`groups:
  sre: [U012ABCDEF, alice, 'cli:bob@']
  Bad Name: [U034GHIJKL]
rules:
  - groups: [sres]
    runbooks: ['restart-[a-z]']
    clusters: ['prod-*']
    namespaces: ['!kube-system']
  - groups: []
    runbook: ['*']
    clusters: ['*']
    dryRunOnly: maybe
approvals:
  - clusters: ['prod-*']
    risk: [extreme]
    require: { approvals: 0, from: lead, within: soon }
extra: 1
`);
    expect(err.message).toMatch(/^Policy file \/etc\/drover\/policy\.yaml is invalid:\n {2}- /);
    const problems = err.details.problems as string[];
    const expected = [
      /^groups\.sre\[1\]: bad member "alice": expected a Slack user id .* \(line 2\)$/,
      /^groups\.sre\[2\]: bad member "cli:bob@"/,
      /^groups\.Bad Name: bad group name: group names are letters, digits, _ \. and - \(line 3\)$/,
      /^rules\[0\]\.groups\[0\]: unknown group "sres" \(did you mean "sre"\?\) \(line 5\)$/,
      /^rules\[0\]\.runbooks\[0\]: bad glob "restart-\[a-z\]"/,
      /^rules\[0\]\.namespaces: lists only exclusions/,
      /^rules\[1\]\.groups: must name at least one group \(line 9\)$/,
      /^rules\[1\]\.runbook: unknown key \(did you mean "runbooks"\?\)/,
      /^rules\[1\]\.runbooks: is required/,
      /^rules\[1\]\.dryRunOnly: must be true or false \(line 12\)$/,
      /^approvals\[0\]\.risk\[0\]: must be one of low, medium, high \(line 15\)$/,
      /^approvals\[0\]\.require\.approvals: must be at least 1 \(line 16\)$/,
      /^approvals\[0\]\.require\.from: unknown group "lead" \(line 16\)$/,
      /^approvals\[0\]\.require\.within: must be a duration/,
      /^extra: unknown key \(line 17\)$/,
    ];
    for (const pattern of expected) expect(problems).toContainEqual(expect.stringMatching(pattern));
    expect(problems).toHaveLength(expected.length);
    for (const p of problems) expect(err.message).toContain(`\n  - ${p}`);
  });

  it('reports YAML syntax errors with their line, and nothing else', () => {
    const err = failure('groups:\n  sre: [U012ABCDEF\nrules:\n  - groups: [sre]\n', 'policy.yaml');
    expect(err.message).toMatch(/^Policy file policy\.yaml is invalid:\n {2}- line \d+, column \d+: YAML syntax error: /);
    const dup = failure('rules: []\nrules: []\n', 'policy.yaml');
    expect(dup.message).toMatch(/- line 2, column 1: YAML syntax error: Map keys must be unique/);
  });

  it('rejects an empty file and a file that is not a mapping', () => {
    expect(failure('').message).toMatch(/the file is empty/);
    expect(failure('- a\n- b\n').message).toMatch(/must hold a mapping with groups and rules/);
    expect(failure('groups: {}\n').message).toMatch(/- rules: is required/);
  });
});

describe('loadPolicyFile', () => {
  it('turns an unreadable file into config_invalid naming the path', () => {
    expect(() =>
      loadPolicyFile('/nope/policy.yaml', () => {
        throw new Error('ENOENT: no such file or directory');
      }),
    ).toThrow(expect.objectContaining({ code: 'config_invalid', message: 'Policy file /nope/policy.yaml cannot be read: ENOENT: no such file or directory' }) as Error);
  });

  it('names the path it was given in validation errors', () => {
    expect(() => loadPolicyFile('/srv/p.yaml', () => 'rules: 3\n')).toThrow(/^Policy file \/srv\/p\.yaml is invalid:\n {2}- rules: must be a list \(line 1\)$/);
  });
});
