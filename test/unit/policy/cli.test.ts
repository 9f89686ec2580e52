import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drover as runDrover } from '../../support/cli.js';
import { EXIT } from '../../../src/cli/output.js';

// `drover policy check` reads files only: no Redis, no cluster. Runbooks are the shipped ones.

const POLICY = `
groups:
  sre: [U0SRE00001]
  oncall: [S0ONCALL01]
  leads: [U0LEAD0001]
  operators: ['cli:alice']
rules:
  - groups: [sre, oncall]
    runbooks: ['*']
    clusters: ['prod-*']
  - groups: [operators]
    runbooks: ['restart-*']
    clusters: ['staging-*']
    namespaces: ['*', '!kube-system']
approvals:
  - clusters: ['prod-*']
    risk: [high]
    require: { approvals: 2, from: leads, within: 10m }
`;

// The CLI as the integration tests run it; the policy file is each test's own (none when DROVER_POLICY is empty).
const drover = (args: string[], env: Record<string, string>) => runDrover(undefined, args, env);

describe('drover policy check', () => {
  let dir: string;
  let env: Record<string, string>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'drover-policy-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    writeFileSync(join(dir, 'broken.yaml'), 'rules:\n  - groups: [nobody]\n    runbooks: [x]\n    clusters: [y]\n    color: red\n');
    env = { DROVER_POLICY: join(dir, 'policy.yaml'), REDIS_URL: 'redis://127.0.0.1:1' };
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('explains an allowed run that needs approval, exit 0', async () => {
    const r = await drover(['policy', 'check', 'U0SRE00001', 'expand-pvc', 'namespace=shop', 'pvc=data', '--cluster', 'prod-eu'], env);
    expect(r.err).toBe('');
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain(`Policy:     ${join(dir, 'policy.yaml')}`);
    expect(r.out).toMatch(/^Requester: +U0SRE00001 \(slack\)$/m);
    expect(r.out).toMatch(/^Groups: +sre$/m);
    expect(r.out).toMatch(/^Decision: +ALLOWED by rules\[0\]$/m);
    expect(r.out).toMatch(/^Approval: +2 approvals from group leads, within 10m \(approvals\[0\]: risk high on prod-\*; runbook expand-pvc requires approval\)/m);
    expect(r.out).toMatch(/Slack user groups \(S0ONCALL01\) are not resolved without SLACK_BOT_TOKEN/);
  });

  it('denies, exit 1, with the reason; CLI users match cli:<user> on any host', async () => {
    const denied = await drover(['policy', 'check', 'alice@laptop', 'restart-deployment', 'namespace=kube-system', 'deployment=dns', '-c', 'staging-1'], env);
    expect(denied.code).toBe(EXIT.failed);
    expect(denied.out).toMatch(/^Requester: +cli:alice@laptop \(cli\)$/m);
    expect(denied.out).toMatch(/^Groups: +operators$/m);
    expect(denied.out).toMatch(/^Decision: +DENIED$/m);
    expect(denied.out).toMatch(/^Reason: +Denied: no rule lets cli:alice@laptop \(groups: operators\) run restart-deployment on staging-1 in namespace kube-system\.$/m);
    const allowed = await drover(['policy', 'check', 'cli:alice@laptop', 'restart-deployment', 'namespace=web', '-c', 'staging-1'], env);
    expect(allowed.code).toBe(EXIT.ok);
    expect(allowed.out).toMatch(/^Approval: +not needed$/m);
  });

  it('takes the cluster from DROVER_DEFAULT_CLUSTER, and stops with exit 2 without one', async () => {
    const r = await drover(['policy', 'check', 'U0SRE00001', 'restart-deployment', '--dry-run'], { ...env, DROVER_DEFAULT_CLUSTER: 'prod-us' });
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toMatch(/^Run: +restart-deployment \(risk medium\) on prod-us, dry run; params: none$/m);
    const none = await drover(['policy', 'check', 'U0SRE00001', 'restart-deployment'], env);
    expect(none.code).toBe(EXIT.usage);
    expect(none.err).toMatch(/name the cluster with --cluster \(or set DROVER_DEFAULT_CLUSTER\)/);
  });

  it('denies everything without a policy file, saying so', async () => {
    const r = await drover(['policy', 'check', 'U0SRE00001', 'restart-deployment', '-c', 'prod-eu'], { DROVER_POLICY: '' });
    expect(r.code).toBe(EXIT.failed);
    expect(r.out).toMatch(/^Policy: +none configured \(DROVER_POLICY is unset\)/m);
    expect(r.out).toMatch(/^Reason: +Denied: no policy is configured\. Set DROVER_POLICY/m);
  });

  it('exits 2 on a broken policy file, an unknown runbook, bad params or a bad --kind', async () => {
    const broken = await drover(['policy', 'check', 'U0SRE00001', 'restart-deployment', '-c', 'prod-eu'], { DROVER_POLICY: join(dir, 'broken.yaml') });
    expect(broken.code).toBe(EXIT.usage);
    expect(broken.err).toContain(`Policy file ${join(dir, 'broken.yaml')} is invalid:`);
    expect(broken.err).toMatch(/rules\[0\]\.groups\[0\]: unknown group "nobody"/);
    expect(broken.err).toMatch(/rules\[0\]\.color: unknown key/);
    const unknown = await drover(['policy', 'check', 'U0SRE00001', 'restart-deploymnt', '-c', 'prod-eu'], env);
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.err).toMatch(/Unknown runbook "restart-deploymnt"\. Did you mean "restart-deployment"\?/);
    const badParams = await drover(['policy', 'check', 'U0SRE00001', 'restart-deployment', 'nmespace=x', '-c', 'prod-eu'], env);
    expect(badParams.code).toBe(EXIT.usage);
    const badKind = await drover(['policy', 'check', 'U0SRE00001', 'restart-deployment', '--kind', 'robot', '-c', 'prod-eu'], env);
    expect(badKind.code).toBe(EXIT.usage);
  });

  it('--kind alert checks alert-triggered runs', async () => {
    const r = await drover(['policy', 'check', 'fp-3a9c', 'restart-deployment', 'namespace=web', '--kind', 'alert', '-c', 'prod-eu'], env);
    expect(r.code).toBe(EXIT.failed);
    expect(r.out).toMatch(/^Requester: +alertmanager \(alert\)$/m);
    expect(r.out).toMatch(/Denied: alertmanager is in no group of the policy\./);
  });
});
