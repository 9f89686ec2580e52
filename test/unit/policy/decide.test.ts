import { createPolicy, denyAllPolicy, parsePolicy, sandboxPolicy } from '../../../src/policy/index.js';
import { alert, cli, runbook, slack, subject } from './support.js';

const TEXT = `
groups:
  sre: [U0SRE00001]
  oncall: [S0ONCALL01]
  operators: ['cli:alice']
  ops-host: ['cli:bob@bastion-1']
  automation: [alertmanager]
  everyone: ['*']
rules:
  - groups: [sre]
    runbooks: ['*']
    clusters: ['staging-*', 'prod-*']
  - groups: [oncall]
    runbooks: [expand-pvc, 'restart-*']
    clusters: ['prod-*']
    namespaces: ['*', '!kube-system']
  - groups: [operators, ops-host]
    runbooks: ['restart-?eployment']
    clusters: [staging-eu]
    namespaces: ['team-*']
  - groups: [automation]
    runbooks: [restart-deployment]
    clusters: ['*']
  - groups: [everyone]
    runbooks: ['*']
    clusters: ['*']
    dryRunOnly: true
`;

const doc = parsePolicy(TEXT, 'test.yaml');
const noMembers = () => Promise.resolve([]);
const policy = createPolicy(doc, { defaultTimeoutMs: 600_000, groupMembers: noMembers });
// The same without the dry-run rule for everyone, so denials show their plain reasons.
const strict = createPolicy({ ...doc, groups: { ...doc.groups, everyone: [] } }, { defaultTimeoutMs: 600_000, groupMembers: noMembers });
const restart = runbook('restart-deployment');
const expand = runbook('expand-pvc');
const cordon = runbook('cordon-node');

describe('Policy.decide', () => {
  it('allows a member of a rule\'s group and names the rule', async () => {
    const d = await policy.decide(subject(slack('U0SRE00001'), expand, 'prod-eu', { namespace: 'shop' }));
    expect(d).toMatchObject({ allowed: true, rule: 'rules[0]' });
    expect(d.reason).toBe('Allowed by rules[0]: U0SRE00001 (group sre) may run expand-pvc on prod-eu in namespace shop.');
  });

  it('denies when no rule matches, naming the user\'s groups, the runbook, cluster and namespace', async () => {
    const d = await strict.decide(subject(slack('U0SRE00001'), expand, 'dev-1', { namespace: 'shop' }));
    expect(d).toEqual({ allowed: false, reason: 'Denied: no rule lets U0SRE00001 (groups: sre) run expand-pvc on dev-1 in namespace shop.' });
  });

  it('denies a user in no group, saying so', async () => {
    const d = await strict.decide(subject(slack('U0NOBODY99'), restart, 'prod-eu', { namespace: 'shop' }));
    expect(d).toEqual({ allowed: false, reason: 'Denied: U0NOBODY99 is in no group of the policy.' });
  });

  it('lets a dry-run-only rule allow dry runs and deny real runs with a reason', async () => {
    const dry = await policy.decide(subject(slack('U0NOBODY99'), expand, 'prod-eu', { namespace: 'shop' }, true));
    expect(dry).toMatchObject({ allowed: true, rule: 'rules[4]' });
    const real = await policy.decide(subject(slack('U0NOBODY99'), expand, 'prod-eu', { namespace: 'shop' }));
    expect(real).toEqual({ allowed: false, reason: 'Denied: rules[4] lets U0NOBODY99 run expand-pvc on prod-eu in namespace shop only as a dry run.' });
  });

  it('resolves Slack user groups through groupMembers, once per decision', async () => {
    const calls: string[] = [];
    const withSlack = createPolicy(doc, {
      defaultTimeoutMs: 1,
      groupMembers: (id) => {
        calls.push(id);
        return Promise.resolve(id === 'S0ONCALL01' ? ['U0ONCALL01'] : []);
      },
    });
    const d = await withSlack.decide(subject(slack('U0ONCALL01'), expand, 'prod-eu', { namespace: 'shop' }));
    expect(d).toMatchObject({ allowed: true, rule: 'rules[1]' });
    expect(calls).toEqual(['S0ONCALL01']);
    await expect(withSlack.groupsOf(slack('U0ONCALL01'))).resolves.toEqual(['oncall', 'everyone']);
    // A non-member of the user group is not let in by it.
    calls.length = 0;
    const other = await withSlack.decide(subject(slack('U0OTHER001'), expand, 'prod-eu', { namespace: 'shop' }));
    expect(other.allowed).toBe(false);
    expect(calls).toEqual(['S0ONCALL01']); // checked by rules[1] and for the reason's group list: looked up once
  });

  it('counts a failed Slack group lookup as not a member, and says so', async () => {
    const failing = createPolicy({ ...doc, groups: { ...doc.groups, everyone: [] } }, { defaultTimeoutMs: 1, groupMembers: () => Promise.reject(new Error('ratelimited')) });
    const d = await failing.decide(subject(slack('U0ONCALL01'), expand, 'prod-eu', { namespace: 'shop' }));
    expect(d).toEqual({
      allowed: false,
      reason: 'Denied: U0ONCALL01 is in no group of the policy (Slack user group lookup failed for S0ONCALL01, counted as not a member).',
    });
    expect(d.reason).not.toMatch(/ratelimited/);
  });

  it('without groupMembers, Slack user groups match nobody and a denial says they were not resolved', async () => {
    const offline = createPolicy(doc, { defaultTimeoutMs: 1 });
    const d = await offline.decide(subject(slack('U0ONCALL01'), expand, 'prod-eu', { namespace: 'shop' }));
    expect(d).toEqual({
      allowed: false,
      reason: 'Denied: rules[4] lets U0ONCALL01 run expand-pvc on prod-eu in namespace shop only as a dry run (Slack user groups S0ONCALL01 not resolved here, counted as not a member).',
    });
  });

  it('matches namespace globs, with ! excluding, and a run without namespace only against a bare *', async () => {
    const groupMembers = () => Promise.resolve(['U0ONCALL01']);
    const p = createPolicy(doc, { defaultTimeoutMs: 1, groupMembers });
    const oncall = slack('U0ONCALL01');
    await expect(p.decide(subject(oncall, restart, 'prod-eu', { namespace: 'shop' }))).resolves.toMatchObject({ allowed: true, rule: 'rules[1]' });
    const excluded = await p.decide(subject(oncall, restart, 'prod-eu', { namespace: 'kube-system' }));
    expect(excluded).toMatchObject({ allowed: false });
    expect(excluded.reason).toMatch(/^Denied: .* run restart-deployment on prod-eu in namespace kube-system only as a dry run\.$/);
    // rules[2] lists team-* only: a run without a namespace param does not match it.
    const alice = cli('alice@laptop');
    await expect(p.decide(subject(alice, restart, 'staging-eu', { namespace: 'team-a' }))).resolves.toMatchObject({ allowed: true, rule: 'rules[2]' });
    await expect(p.decide(subject(alice, restart, 'staging-eu', { namespace: 'infra' }))).resolves.toMatchObject({ allowed: false });
    await expect(p.decide(subject(alice, restart, 'staging-eu', {}))).resolves.toMatchObject({ allowed: false });
    // rules[1] has a bare '*' (and an exclusion): a cluster-wide runbook is not matched by runbooks there, but sre's rule matches without namespace.
    await expect(p.decide(subject(slack('U0SRE00001'), cordon, 'prod-eu', {}))).resolves.toMatchObject({ allowed: true, rule: 'rules[0]' });
    // A non-string namespace param counts as no namespace.
    await expect(p.decide(subject(alice, restart, 'staging-eu', { namespace: 7 }))).resolves.toMatchObject({ allowed: false });
  });

  it('matches CLI principals: cli:alice on any host, cli:bob@bastion-1 on that host only', async () => {
    const at = (id: string) => policy.decide(subject(cli(id), restart, 'staging-eu', { namespace: 'team-a' }));
    await expect(at('alice@laptop')).resolves.toMatchObject({ allowed: true, rule: 'rules[2]' });
    await expect(at('alice@ci-runner-7')).resolves.toMatchObject({ allowed: true, rule: 'rules[2]' });
    await expect(at('alicia@laptop')).resolves.toMatchObject({ allowed: false });
    await expect(at('bob@bastion-1')).resolves.toMatchObject({ allowed: true, rule: 'rules[2]' });
    await expect(at('bob@laptop')).resolves.toMatchObject({ allowed: false });
    await expect(strict.groupsOf(cli('bob@laptop'))).resolves.toEqual([]);
    await expect(strict.groupsOf(cli('bob@bastion-1'))).resolves.toEqual(['ops-host']);
    await expect(strict.groupsOf(cli('alice'))).resolves.toEqual(['operators']);
    // A Slack user whose id happens to be "alice" is not cli:alice.
    await expect(policy.groupsOf(slack('alice'))).resolves.toEqual(['everyone']);
  });

  it('lets alerts in only through alertmanager, never through *', async () => {
    await expect(policy.decide(subject(alert, restart, 'prod-eu', { namespace: 'shop' }))).resolves.toMatchObject({ allowed: true, rule: 'rules[3]' });
    const d = await policy.decide(subject(alert, expand, 'prod-eu', { namespace: 'shop' }, true));
    expect(d).toEqual({ allowed: false, reason: 'Denied: no rule lets alertmanager (groups: automation) run expand-pvc on prod-eu in namespace shop.' });
  });

  it('denies system requesters', async () => {
    const d = await policy.decide(subject({ kind: 'system', id: 'scheduler' }, restart, 'prod-eu', { namespace: 'shop' }, true));
    expect(d).toEqual({ allowed: false, reason: 'Denied: system:scheduler is in no group of the policy.' });
  });

  it('keeps request text that Slack could read as markup out of reasons', async () => {
    const d = await policy.decide(subject(slack('U0SRE00001'), expand, 'dev-1', { namespace: '<!channel> *x*' }));
    expect(d.reason).not.toMatch(/[<>*!]/);
  });
});

describe('denyAllPolicy and sandboxPolicy', () => {
  it('denyAllPolicy denies everything with the given reason', async () => {
    const p = denyAllPolicy('Denied: no policy file is configured.');
    await expect(p.decide(subject(slack('U0SRE00001'), restart, 'prod-eu', {}, true))).resolves.toEqual({ allowed: false, reason: 'Denied: no policy file is configured.' });
    await expect(p.mayApprove(slack('U0SRE00002'), subject(slack('U0SRE00001'), restart, 'x'), { approvals: 1, timeoutMs: 1, reason: 'r' })).resolves.toMatchObject({ allowed: false });
    await expect(p.groupsOf(slack('U0SRE00001'))).resolves.toEqual([]);
  });

  it('sandboxPolicy lets people and alerts run everything; approval only as runbooks declare it', async () => {
    const p = sandboxPolicy(120_000);
    await expect(p.decide(subject(slack('U0ANYONE01'), restart, 'sandbox', { namespace: 'demo' }))).resolves.toEqual({
      allowed: true,
      rule: 'rules[0]',
      reason: 'Allowed by rules[0]: U0ANYONE01 (group everyone) may run restart-deployment on sandbox in namespace demo.',
    });
    await expect(p.decide(subject(alert, restart, 'sandbox', {}))).resolves.toMatchObject({ allowed: true });
    const cordonAlways = runbook('cordon-node', { risk: 'high', approval: { required: 'always', timeout: '5m' } });
    await expect(p.decide(subject(cli('alice@laptop'), cordonAlways, 'sandbox', {}, true))).resolves.toMatchObject({
      allowed: true,
      approval: { approvals: 1, timeoutMs: 300_000, reason: 'runbook cordon-node requires approval' },
    });
    await expect(p.decide(subject({ kind: 'system', id: 'x' }, restart, 'sandbox', {}))).resolves.toMatchObject({ allowed: false });
  });
});
