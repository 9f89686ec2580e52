import type { Risk } from '../../runbook/types.js';

/** What `drover new runbook` writes a runbook from. */
export interface RunbookTemplate {
  id: string;
  risk: Risk;
}

/** A high-risk runbook asks for approval; the others run when the policy lets the requester. */
function approvalLine(risk: Risk): string {
  return risk === 'high'
    ? "  // A real run waits for one approval from someone other than the requester; a dry run never does.\n  approval: { required: 'unless-dry-run', approvers: 1, timeout: '30m' },"
    : "  // 'never', 'always' or 'unless-dry-run' (with approvers: 2, timeout: '30m'); the policy file may ask for more.\n  approval: { required: 'never' },";
}

/**
 * The runbook: typed params, risk, approval, concurrency key, one step and a
 * report, importing Drover by its package name. It reads a deployment and
 * reports how many of its replicas are ready, so it runs on the sandbox as is.
 */
export function runbookSource({ id, risk }: RunbookTemplate): string {
  return `import { defineRunbook, z } from 'drover';

/**
 * ${id}: TODO say what it does and when to use it.
 *
 * Every side effect goes through ctx (ctx.k8s, ctx.step, ctx.report): that is what
 * makes a dry run plan instead of act, and what the audit log records.
 */
export default defineRunbook({
  id: '${id}',
  summary: 'Report how many replicas of a deployment are ready',
  params: z.object({
    namespace: z.string().min(1).default('demo').describe('Namespace of the deployment'),
    deployment: z.string().min(1).describe('Name of the deployment'),
  }),
  risk: '${risk}',
${approvalLine(risk)}
  timeout: '1m',
  // Two runs with the same key on the same cluster never overlap (the second waits).
  concurrencyKey: (p) => \`deployment/\${p.namespace}/\${p.deployment}\`,
  async run(ctx, { namespace, deployment }) {
    // A step is audited, timed and cancellable; when a run is retried, a finished step is not run again.
    const status = await ctx.step('read deployment', async () => {
      const d = await ctx.k8s.getDeployment(namespace, deployment);
      return { wanted: d.spec?.replicas ?? 0, ready: d.status?.readyReplicas ?? 0 };
    });
    await ctx.report(\`\${namespace}/\${deployment}: \${status.ready} of \${status.wanted} replicas ready.\`);
    return status;
  },
});
`;
}

/**
 * Its test, with Node's own runner (no Jest in the author's repository) and
 * Drover's harness: a dry run and a real run on the sandbox objects, and a
 * failure written for people. It passes as written.
 */
export function runbookTestSource({ id, risk }: RunbookTemplate): string {
  const approve = risk === 'high' ? ", { approveAs: 'U_APPROVER' }" : '';
  return `import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runbookHarness, type RunbookHarness } from 'drover/testing';
import runbook from './${id}.js';

// A whole Drover in this process (on Redis: REDIS_URL or 127.0.0.1:6379) acting on
// a sandbox API server seeded with the sandbox's objects: namespace demo,
// deployments web (3 replicas) and api (one of its 2 pods crash-looping).
let h: RunbookHarness;
before(async () => {
  h = await runbookHarness({ runbooks: [runbook], seed: 'sandbox' });
});
after(() => h.close());

test('a dry run reads the deployment and changes nothing', async () => {
  const run = await h.dryRun('${id}', { deployment: 'web' });
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(run.writes.filter((w) => !w.dryRun), []);
  assert.match(run.reports.join('\\n'), /demo\\/web: 3 of 3 replicas ready/);
});

test('a real run on the sandbox reports what it found', async () => {
  const run = await h.run('${id}', { namespace: 'demo', deployment: 'api' }${approve});
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(run.reports, ['demo/api: 1 of 2 replicas ready.']);
});

test('a deployment that does not exist fails with a message for people', async () => {
  const run = await h.run('${id}', { deployment: 'nope' }${approve});
  assert.equal(run.status, 'failed');
  assert.match(run.error?.message ?? '', /nope/);
});
`;
}
