import { createPolicy, parsePolicy, sandboxPolicy, type ApprovalRequirement } from '../../../src/policy/index.js';
import { alert, cli, runbook, slack, subject } from './support.js';

const doc = parsePolicy(
  `
groups:
  sre: [U0SRE00001, U0SRE00002]
  leads: [U0LEAD0001, S0LEADS001]
  devs: [U0DEV00001]
  cli-users: ['cli:*']
  automation: [alertmanager]
rules:
  - groups: [sre, leads]
    runbooks: ['*']
    clusters: ['*']
  - groups: [devs, cli-users]
    runbooks: ['*']
    clusters: ['staging-*']
  - groups: [devs]
    runbooks: ['*']
    clusters: ['prod-*']
    dryRunOnly: true
  - groups: [automation]
    runbooks: [restart-deployment]
    clusters: ['*']
approvals:
  - clusters: ['prod-*']
    risk: [high]
    require: { approvals: 2, from: leads, within: 5m }
  - clusters: ['prod-*']
    namespaces: ['payments']
    exemptDryRun: false
  - runbooks: ['scale-*']
    clusters: ['prod-*']
    require: { approvals: 1, within: 20m }
`,
  'approvals.yaml',
);

const leadsGroup = (id: string) => Promise.resolve(id === 'S0LEADS001' ? ['U0LEAD0002'] : []);
const policy = createPolicy(doc, { defaultTimeoutMs: 900_000, groupMembers: leadsGroup });
const sre = slack('U0SRE00001');
const highRisk = runbook('drain-node', { risk: 'high' });
const restart = runbook('restart-deployment', { risk: 'medium' });
const scale = runbook('scale-deployment', { risk: 'medium' });
const declared = runbook('expand-pvc', { risk: 'high', approval: { required: 'always', approvers: 3, timeout: '2m' } });

describe('approval requirements', () => {
  it('takes the first matching approvals entry, by risk and cluster', async () => {
    const d = await policy.decide(subject(sre, runbook('flush-cache', { risk: 'high', approval: { required: 'never' } }), 'prod-eu', { namespace: 'shop' }));
    expect(d).toMatchObject({ allowed: true, approval: { approvals: 2, group: 'leads', timeoutMs: 300_000, reason: 'approvals[0]: risk high on prod-*' } });
    const staging = await policy.decide(subject(sre, restart, 'staging-eu', { namespace: 'shop' }));
    expect(staging).toMatchObject({ allowed: true });
    expect(staging.allowed && staging.approval).toBeUndefined();
    // Medium risk skips approvals[0]; approvals[2] applies to scale-* on prod, with its own timeout and no group.
    const d2 = await policy.decide(subject(sre, scale, 'prod-eu', { namespace: 'shop' }));
    expect(d2.allowed && d2.approval).toEqual({ approvals: 1, timeoutMs: 1_200_000, reason: 'approvals[2]: runbook scale-deployment on prod-*' });
  });

  it('exempts dry runs unless the entry says exemptDryRun: false; the first match decides', async () => {
    const dry = await policy.decide(subject(sre, scale, 'prod-eu', { namespace: 'shop' }, true));
    expect(dry.allowed && dry.approval).toBeUndefined();
    const payments = await policy.decide(subject(sre, scale, 'prod-eu', { namespace: 'payments' }, true));
    expect(payments.allowed && payments.approval).toEqual({ approvals: 1, timeoutMs: 900_000, reason: 'approvals[1]: on prod-* in namespace payments' });
    // A high-risk dry run matches approvals[0], which exempts it: approvals[1] is not consulted. The runbook's own
    // rule (high risk: approval unless dry run) does not apply to a dry run either.
    const highDry = await policy.decide(subject(sre, highRisk, 'prod-eu', { namespace: 'payments' }, true));
    expect(highDry).toMatchObject({ allowed: true });
    expect(highDry.allowed && highDry.approval).toBeUndefined();
  });

  it('applies a runbook\'s own approval without a policy entry', async () => {
    const d = await policy.decide(subject(sre, declared, 'staging-eu', { namespace: 'shop' }, true));
    expect(d.allowed && d.approval).toEqual({ approvals: 3, timeoutMs: 120_000, reason: 'runbook expand-pvc requires approval' });
    const defaults = runbook('cordon-node', { risk: 'high' });
    const d2 = await policy.decide(subject(sre, defaults, 'staging-eu', {}));
    expect(d2.allowed && d2.approval).toEqual({ approvals: 1, timeoutMs: 900_000, reason: 'runbook cordon-node is high risk: approval unless dry run' });
    const d3 = await policy.decide(subject(sre, defaults, 'staging-eu', {}, true));
    expect(d3.allowed && d3.approval).toBeUndefined();
  });

  it('combines both: the entry\'s group and timeout, the larger count', async () => {
    const d = await policy.decide(subject(sre, declared, 'prod-eu', { namespace: 'shop' }));
    expect(d.allowed && d.approval).toEqual({
      approvals: 3,
      group: 'leads',
      timeoutMs: 300_000,
      reason: 'approvals[0]: risk high on prod-*; runbook expand-pvc requires approval',
    });
  });

  it('uses the configured default timeout, else 15 minutes', async () => {
    const payments = { ...subject(sre, scale, 'prod-eu', { namespace: 'payments' }) };
    const d = await createPolicy(doc, { defaultTimeoutMs: 60_000 }).decide(payments);
    expect(d.allowed && d.approval?.timeoutMs).toBe(60_000);
    const d2 = await createPolicy(doc, { defaultTimeoutMs: Number.NaN }).decide(payments);
    expect(d2.allowed && d2.approval?.timeoutMs).toBe(900_000);
  });

  it('asks no approval of denied runs', async () => {
    const d = await policy.decide(subject(slack('U0DEV00001'), declared, 'prod-eu', { namespace: 'shop' }));
    expect(d).toEqual({ allowed: false, reason: 'Denied: rules[2] lets U0DEV00001 run expand-pvc on prod-eu in namespace shop only as a dry run.' });
  });
});

describe('Policy.mayApprove', () => {
  const run = subject(sre, declared, 'prod-eu', { namespace: 'shop' });
  const fromLeads: ApprovalRequirement = { approvals: 2, group: 'leads', timeoutMs: 1, reason: 'approvals[0]: risk high on prod-*' };
  const fromAnyone: ApprovalRequirement = { approvals: 1, timeoutMs: 1, reason: 'runbook expand-pvc requires approval' };

  it('refuses the requester themself, even when in the group', async () => {
    const lead = slack('U0LEAD0001');
    await expect(policy.mayApprove(lead, { ...run, requester: lead }, fromLeads)).resolves.toEqual({
      allowed: false,
      reason: 'Not allowed: U0LEAD0001 asked for this run and cannot approve it.',
    });
    await expect(policy.mayApprove(sre, run, fromAnyone)).resolves.toMatchObject({ allowed: false });
  });

  it('refuses automation, and CLI identities the rules do not let run it for real', async () => {
    await expect(policy.mayApprove(alert, run, fromAnyone)).resolves.toEqual({ allowed: false, reason: 'Not allowed: approvals come from people; alertmanager is not one.' });
    await expect(policy.mayApprove(cli('lead@laptop'), run, fromAnyone)).resolves.toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/approvers must be allowed to run expand-pvc on prod-eu for real/) as string,
    });
  });

  it('lets a CLI identity approve only where the deciding group names CLI users (cli:…), never through * alone', async () => {
    // cli-users: ['cli:*'] may run anything on staging-*.
    const staging = subject(cli('dev@laptop'), declared, 'staging-eu', { namespace: 'shop' });
    await expect(policy.mayApprove(cli('lead@laptop'), staging, fromAnyone)).resolves.toEqual({ allowed: true, reason: 'cli:lead@laptop may run expand-pvc on staging-eu (rules[1]).' });
    await expect(policy.mayApprove(cli('dev@laptop'), staging, fromAnyone)).resolves.toMatchObject({ allowed: false });

    const open = createPolicy(
      parsePolicy(
        `
groups:
  everyone: ['*']
  reviewers: ['*', 'cli:alice']
rules:
  - groups: [everyone]
    runbooks: ['*']
    clusters: ['*']
approvals:
  - clusters: [prod]
    require: { approvals: 1, from: reviewers }
`,
        'open.yaml',
      ),
      { defaultTimeoutMs: 1 },
    );
    const onStaging = subject(slack('U0SRE00001'), declared, 'staging', {});
    // `*` lets any CLI user run it, but names nobody: a typed terminal name is no approver.
    await expect(open.mayApprove(cli('bob@laptop'), onStaging, fromAnyone)).resolves.toEqual({
      allowed: false,
      reason: 'Not allowed: cli:bob@laptop is a CLI identity, and group everyone names no CLI user (cli:<user> or cli:*) who may approve; approve in Slack, or name CLI users in the policy.',
    });
    await expect(open.mayApprove(slack('U0SRE00002'), onStaging, fromAnyone)).resolves.toMatchObject({ allowed: true });
    const onProd = subject(slack('U0SRE00001'), declared, 'prod', {});
    const fromReviewers: ApprovalRequirement = { approvals: 1, group: 'reviewers', timeoutMs: 1, reason: 'approvals[0]: on prod' };
    await expect(open.mayApprove(cli('alice@laptop'), onProd, fromReviewers)).resolves.toEqual({ allowed: true, reason: 'cli:alice@laptop is in group reviewers.' });
    await expect(open.mayApprove(cli('bob@laptop'), onProd, fromReviewers)).resolves.toMatchObject({ allowed: false, reason: expect.stringMatching(/group reviewers names no CLI user/) as string });
  });

  it('any group of the allowing rule may name the CLI approver', async () => {
    const mixed = createPolicy(
      parsePolicy(
        `
groups:
  everyone: ['*']
  terminal: ['cli:alice']
rules:
  - groups: [everyone, terminal]
    runbooks: ['*']
    clusters: ['*']
`,
        'mixed.yaml',
      ),
      { defaultTimeoutMs: 1 },
    );
    const mine = subject(slack('U0SRE00001'), declared, 'prod', {});
    await expect(mixed.mayApprove(cli('alice@laptop'), mine, fromAnyone)).resolves.toMatchObject({ allowed: true });
    await expect(mixed.mayApprove(cli('bob@laptop'), mine, fromAnyone)).resolves.toEqual({
      allowed: false,
      reason: 'Not allowed: cli:bob@laptop is a CLI identity, and groups everyone, terminal name no CLI user (cli:<user> or cli:*) who may approve; approve in Slack, or name CLI users in the policy.',
    });
  });

  it('on the sandbox, a second CLI identity approves; the requester still cannot', async () => {
    const sandbox = sandboxPolicy(1);
    const mine = subject(cli('alice@laptop'), declared, 'sandbox', {});
    await expect(sandbox.mayApprove(cli('reviewer'), mine, fromAnyone)).resolves.toMatchObject({ allowed: true });
    await expect(sandbox.mayApprove(cli('alice@laptop'), mine, fromAnyone)).resolves.toMatchObject({ allowed: false, reason: expect.stringMatching(/asked for this run/) as string });
    await expect(sandbox.mayApprove(alert, mine, fromAnyone)).resolves.toMatchObject({ allowed: false });
  });

  it('refuses an approver outside the required group, even one the rules allow to run it', async () => {
    await expect(policy.mayApprove(slack('U0SRE00002'), run, fromLeads)).resolves.toEqual({
      allowed: false,
      reason: 'Not allowed: approvals must come from group leads, and U0SRE00002 is not in it.',
    });
  });

  it('allows an approver in the required group, directly or through a Slack user group', async () => {
    await expect(policy.mayApprove(slack('U0LEAD0001'), run, fromLeads)).resolves.toEqual({ allowed: true, reason: 'U0LEAD0001 is in group leads.' });
    await expect(policy.mayApprove(slack('U0LEAD0002'), run, fromLeads)).resolves.toMatchObject({ allowed: true });
    const failing = createPolicy(doc, { defaultTimeoutMs: 1, groupMembers: () => Promise.reject(new Error('down')) });
    await expect(failing.mayApprove(slack('U0LEAD0002'), run, fromLeads)).resolves.toEqual({
      allowed: false,
      reason: 'Not allowed: approvals must come from group leads, and U0LEAD0002 is not in it (Slack user group lookup failed for S0LEADS001, counted as not a member).',
    });
  });

  it('refuses a group the policy does not define', async () => {
    await expect(policy.mayApprove(slack('U0LEAD0001'), run, { ...fromLeads, group: 'admins' })).resolves.toEqual({
      allowed: false,
      reason: 'Not allowed: group admins is not in the policy.',
    });
  });

  it('without a group, falls back to the rules: approvers must be allowed to run it for real', async () => {
    await expect(policy.mayApprove(slack('U0SRE00002'), run, fromAnyone)).resolves.toEqual({ allowed: true, reason: 'U0SRE00002 may run expand-pvc on prod-eu (rules[0]).' });
    // devs may only dry-run on prod: not enough to approve a real run, even when the run itself is a dry run.
    const dev = slack('U0DEV00001');
    await expect(policy.mayApprove(dev, run, fromAnyone)).resolves.toEqual({
      allowed: false,
      reason: 'Not allowed: approvers must be allowed to run expand-pvc on prod-eu for real, and U0DEV00001 is not.',
    });
    await expect(policy.mayApprove(dev, { ...run, dryRun: true }, fromAnyone)).resolves.toMatchObject({ allowed: false });
    // On staging the same dev may run it for real, so may approve.
    await expect(policy.mayApprove(dev, { ...run, cluster: 'staging-eu' }, fromAnyone)).resolves.toMatchObject({ allowed: true });
  });
});
