import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPacks } from '../../../src/runbook/packs/load-packs.js';
import { cachedRunbookImporter } from '../../../src/runbook/runbook-cache.js';
import { parsePolicy } from '../../../src/policy/index.js';
import { formatRun } from '../../../src/cli/output.js';
import type { RunRecord } from '../../../src/jobs/run-record.js';
import type { RunbookRegistry } from '../../../src/runbook/registry.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { seedDemo } from '../../support/seed.js';
import { waitFor } from '../../support/wait-for.js';

const POLICY = `
groups:
  ops: [U0ALICE, U0BOB]
rules:
  - groups: [ops]
    runbooks: ['*']
    clusters: ['*']
approvals:
  - runbooks: [team-scale-approved, team-scale-helped]
    require: { approvals: 1, from: ops, within: 15m }
`;
const ALICE = { kind: 'slack' as const, id: 'U0ALICE' };
const BOB = { kind: 'slack' as const, id: 'U0BOB' };

/** A team's runbook: scales demo/web and says which version it is. */
function teamRunbook(id: string, version: string): string {
  return `import { defineRunbook, z } from 'drover';
export default defineRunbook({
  id: ${JSON.stringify(id)},
  summary: 'Scale a deployment (team pack)',
  params: z.object({ namespace: z.string(), deployment: z.string(), replicas: z.number().int() }),
  concurrencyKey: (p) => \`deployment/\${p.namespace}/\${p.deployment}\`,
  async run(ctx, { namespace, deployment, replicas }) {
    await ctx.step('scale', () => ctx.k8s.scaleDeployment(namespace, deployment, replicas));
    await ctx.report('team pack ${version}');
  },
});
`;
}

describe('runs record the pack, version and content hash of their runbook', () => {
  let work: string;
  let t: TestDrover;
  let registry: RunbookRegistry;
  const importer = () => cachedRunbookImporter({ dir: join(work, 'compiled') });
  const load = async () => {
    const loaded = await loadPacks({ dir: 'shipped', name: 'drover', packs: [{ name: 'team', path: 'team' }] }, { cwd: work, packCacheDir: join(work, 'packs'), env: {}, importer: importer() });
    expect(loaded.problems).toEqual([]);
    return loaded.registry;
  };
  const finished = (id: string) =>
    waitFor(async () => {
      const r = await t.drover.store.get(id);
      return r && ['succeeded', 'failed', 'cancelled'].includes(r.state) ? r : undefined;
    }, `run ${id} to finish`);
  const reports = async (id: string) => (await t.drover.store.events(id, '0')).flatMap((e) => (e.type === 'report' ? [e.text] : []));

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'drover-pack-runs-'));
    mkdirSync(join(work, 'shipped'));
    mkdirSync(join(work, 'team'));
    writeFileSync(join(work, 'team', 'team-scale.ts'), teamRunbook('team-scale', 'v1'));
    writeFileSync(join(work, 'team', 'team-scale-approved.ts'), teamRunbook('team-scale-approved', 'v1'));
    registry = await load();
    t = await buildTestDrover({ runbooks: registry.list(), policy: { document: parsePolicy(POLICY, 'test') } });
    seedDemo(t.fake);
    await t.drover.startWorker();
  });

  afterAll(async () => {
    await t?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('in the run record, the audit log and the run details', async () => {
    const pack = registry.get('team-scale').pack;
    expect(pack).toEqual({ name: 'team', version: 'local', hash: expect.stringMatching(/^[0-9a-f]{64}$/) as string });
    const queued = await t.drover.gate.submit({ runbook: 'team-scale', params: { namespace: 'demo', deployment: 'web', replicas: 3 }, requester: ALICE });
    expect(queued.pack).toEqual(pack);
    const run = await finished(queued.id);
    expect(run.state).toBe('succeeded');
    expect(run.pack).toEqual(pack);
    const events = (await t.drover.audit.read()).filter((e) => 'runId' in e && e.runId === run.id);
    const withPack = events.filter((e) => e.type === 'run.queued' || e.type === 'run.started' || e.type === 'run.finished');
    expect(withPack.map((e) => e.type)).toEqual(['run.queued', 'run.started', 'run.finished']);
    for (const event of withPack) expect((event as { pack?: unknown }).pack).toEqual(pack);
    expect(formatRun(run, [])).toContain(`Runbook:    team-scale (pack team@local, content ${pack?.hash.slice(0, 12)})`);
    expect((await t.drover.audit.verify()).ok).toBe(true);
  });

  it('a run approved before the runbook changed runs the approved version; the next run, the new one', async () => {
    const approvedPack = registry.get('team-scale-approved').pack;
    const proposed = await t.drover.gate.submit({ runbook: 'team-scale-approved', params: { namespace: 'demo', deployment: 'web', replicas: 4 }, requester: ALICE });
    expect(proposed.state).toBe('planning');
    const awaiting: RunRecord = await waitFor(async () => {
      const r = await t.drover.store.get(proposed.id);
      return r?.state === 'awaiting_approval' ? r : undefined;
    }, 'the plan');
    const proposedEvent = (await t.drover.audit.read()).find((e) => e.type === 'run.proposed' && e.runId === proposed.id);
    expect((proposedEvent as { pack?: unknown }).pack).toEqual(approvedPack);

    // The author edits the runbook while the proposal waits; Drover reloads it.
    writeFileSync(join(work, 'team', 'team-scale-approved.ts'), teamRunbook('team-scale-approved', 'v2'));
    t.drover.runbooks.replaceWith(await load());
    const newPack = t.drover.runbooks.get('team-scale-approved').pack;
    expect(newPack?.hash).not.toBe(approvedPack?.hash);

    expect((await t.drover.approvals.approve(awaiting.id, BOB, awaiting.approval?.hash ?? '')).kind).toBe('approved');
    const run = await finished(awaiting.id);
    expect(run.state).toBe('succeeded');
    expect(run.pack).toEqual(approvedPack);
    expect(await reports(run.id)).toContain('team pack v1');

    const next = await t.drover.gate.submit({ runbook: 'team-scale-approved', params: { namespace: 'demo', deployment: 'web', replicas: 5 }, requester: ALICE });
    expect(next.pack).toEqual(newPack);
  });

  it('a helper changed after approval (the runbook file untouched) voids it where the approved version is gone', async () => {
    writeFileSync(join(work, 'team', '_replicas.ts'), 'export const extra = 0;\n');
    writeFileSync(
      join(work, 'team', 'team-scale-helped.ts'),
      teamRunbook('team-scale-helped', 'helped').replace("import { defineRunbook, z } from 'drover';", "import { defineRunbook, z } from 'drover';\nimport { extra } from './_replicas.js';").replace('replicas))', 'replicas + extra))'),
    );
    t.drover.runbooks.replaceWith(await load());
    const approvedHash = t.drover.runbooks.get('team-scale-helped').pack?.hash;
    const proposed = await t.drover.gate.submit({ runbook: 'team-scale-helped', params: { namespace: 'demo', deployment: 'web', replicas: 2 }, requester: ALICE });
    const awaiting: RunRecord = await waitFor(async () => {
      const r = await t.drover.store.get(proposed.id);
      return r?.state === 'awaiting_approval' ? r : undefined;
    }, 'the plan');

    // Only the helper changes. This process stops taking runs; another one, started after the change, has only the new version.
    writeFileSync(join(work, 'team', '_replicas.ts'), 'export const extra = 7;\n');
    const changed = await load();
    expect(changed.get('team-scale-helped').pack?.hash).not.toBe(approvedHash);
    await t.drover.stopWorkers();
    const other = await buildTestDrover({ fake: t.fake, runbooks: changed.list(), policy: { document: parsePolicy(POLICY, 'test') }, configure: (c) => void (c.redis.prefix = t.prefix) });
    try {
      await other.drover.startWorker();
      expect((await other.drover.approvals.approve(awaiting.id, BOB, awaiting.approval?.hash ?? '')).kind).toBe('approved');
      const run = await waitFor(async () => {
        const r = await other.drover.store.get(awaiting.id);
        return r && ['succeeded', 'failed', 'cancelled'].includes(r.state) ? r : undefined;
      }, 'the approved run to end');
      expect(run.state).toBe('failed');
      expect(run.error?.code).toBe('approval_void');
      // Nothing was scaled to 2 + 7.
      expect((t.fake.get('deployments', 'demo', 'web') as unknown as { spec: { replicas: number } }).spec.replicas).not.toBe(9);
    } finally {
      await other.drover.close();
      await other.redis.quit();
      await t.drover.startWorker();
    }
  });
});
