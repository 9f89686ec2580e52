/**
 * Fleet rollouts end to end on real Redis: a central Drover, one in-process
 * agent per cluster (on one fake API server), the rollout controller. Batches
 * in order without overlap, pause and resume, stop after N failures, abort,
 * a controller crash, approval bound to the whole plan, and the worker's own
 * check of a rollout's approval.
 */
import pino from 'pino';
import { createAgent, type Agent } from '../../../src/fleet/agent.js';
import { startK8sFake, type K8sFake } from '../../../src/testing/index.js';
import { createK8sOps } from '../../../src/k8s/ops.js';
import type { K8sOpsFactory } from '../../../src/jobs/run-worker.js';
import { isTerminal, type RunRecord } from '../../../src/jobs/run-record.js';
import { bindingKeyIn } from '../../../src/approvals/binding-key.js';
import { RolloutStore } from '../../../src/fleet/rollout/rollout-store.js';
import { Rollouts, type RolloutRequest } from '../../../src/fleet/rollout/rollouts.js';
import { RolloutController } from '../../../src/fleet/rollout/rollout-controller.js';
import { rolloutRunId, type Rollout } from '../../../src/fleet/rollout/plan.js';
import { defineRunbook, secret, z, RunbookRefusal } from '../../../src/sdk/index.js';
import type { Runbook } from '../../../src/runbook/types.js';
import { redisClient } from '../../support/redis.js';
import { allowAll, buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { deferred, waitFor, type Deferred } from '../../support/wait-for.js';
import type { Redis } from 'ioredis';

const ada = { kind: 'slack' as const, id: 'UADA', name: 'ada' };
const bob = { kind: 'slack' as const, id: 'UBOB', name: 'bob' };

/** What each run did, in order: the tests read batches and overlaps from it. */
const log: Array<{ cluster: string; event: 'start' | 'end' }> = [];
let hold: Deferred | undefined;

const params = z.object({ label: z.string(), failOn: z.string().default(''), token: secret(z.string()).optional() });
async function touch(ctx: { cluster: string; step: (name: string, fn: () => Promise<unknown>) => Promise<unknown> }, p: { failOn: string }) {
  await ctx.step('touch', async () => {
    log.push({ cluster: ctx.cluster, event: 'start' });
    await hold?.promise;
    await new Promise((r) => setTimeout(r, 30));
    log.push({ cluster: ctx.cluster, event: 'end' });
    if (p.failOn.split(',').includes(ctx.cluster)) throw new RunbookRefusal(`${ctx.cluster} says no`);
  });
}
const runbooks: Runbook[] = [
  defineRunbook({ id: 'fleet-touch', summary: 'Touches a cluster', params, concurrencyKey: () => 'touch', async run(ctx, p) { await touch(ctx, p); } }),
  defineRunbook({ id: 'fleet-guarded', summary: 'Touches a cluster, with approval', params, approval: { required: 'always', approvers: 1 }, concurrencyKey: () => 'touch', async run(ctx, p) { await touch(ctx, p); } }),
] as Runbook[];

const CLUSTERS = ['store-001', 'store-002', 'store-003', 'store-004'];
let t: TestDrover;
let fake: K8sFake;
const agents: Agent[] = [];
const connections: Redis[] = [];
let rollouts: Rollouts;
let controller: RolloutController;

function k8sOn(cluster: string): K8sOpsFactory {
  return ({ dryRun, hooks }) => createK8sOps({ cluster, kubeConfig: fake.kubeConfig(), dryRun, hooks, requestTimeoutMs: 5000 });
}

function newController(): RolloutController {
  return new RolloutController({ rollouts, logger: pino({ level: 'silent' }), intervalMs: 100 });
}

beforeAll(async () => {
  fake = await startK8sFake();
  // A run for a cluster whose agent is away waits for it (the abort test stops one agent so its run stays queued).
  t = await buildTestDrover({ runbooks, fake, configure: (c) => { c.fleet.agentAbsent = "wait"; } });
  for (const name of CLUSTERS) await t.drover.fleet.registry.register({ name, labels: { region: 'eu', tier: 'store' }, createdAt: new Date().toISOString(), user: 'test' });
  await t.drover.fleet.registry.register({ name: 'hq', labels: { region: 'us', tier: 'core' }, createdAt: new Date().toISOString(), user: 'test' });
  t.drover.startHousekeeping();
  for (const cluster of CLUSTERS) {
    const redis = redisClient();
    connections.push(redis);
    const agent = createAgent({ config: t.config, redis, cluster, runbooks: t.drover.runbooks, k8s: k8sOn(cluster), logger: pino({ level: 'silent' }), policy: allowAll(), heartbeatMs: 500 });
    await agent.start();
    agents.push(agent);
  }
  rollouts = new Rollouts({
    redis: t.redis,
    store: new RolloutStore(t.redis, t.prefix),
    runs: t.drover.store,
    queue: t.drover.queue,
    gate: t.drover.gate,
    policy: t.drover.policy,
    runbooks: t.drover.runbooks,
    registry: t.drover.fleet.registry,
    audit: t.drover.audit,
    bindingKey: bindingKeyIn(t.redis, t.prefix),
    retentionMs: 3_600_000,
  });
  controller = newController();
  controller.start();
}, 30_000);

afterAll(async () => {
  await controller?.close();
  for (const agent of agents) await agent.close(true).catch(() => undefined);
  for (const redis of connections) await redis.quit().catch(() => undefined);
  await t?.close();
  await fake?.stop();
}, 30_000);

beforeEach(() => {
  log.length = 0;
  hold = undefined;
});

const request = (over: Partial<RolloutRequest> = {}): RolloutRequest => ({ runbook: 'fleet-touch', params: { label: 'x' }, selector: 'region=eu,tier=store', requester: ada, canary: false, ...over });

async function settled(id: string, states: Rollout['state'][], timeoutMs = 20_000): Promise<Rollout> {
  return waitFor(async () => {
    const r = await rollouts.get(id);
    return states.includes(r.state) ? r : undefined;
  }, `rollout ${id} to be ${states.join(' or ')}`, timeoutMs);
}

async function runsOf(rollout: Rollout): Promise<Array<RunRecord | undefined>> {
  return t.drover.store.getMany(rollout.clusters.map((c) => rolloutRunId(rollout.id, c)));
}

/** The batch index of each start in the log, checking no run of a batch starts before the batch before ended. */
function batchesNeverOverlap(batches: string[][]): void {
  const ended = new Set<string>();
  for (const entry of log) {
    if (entry.event === 'end') {
      ended.add(entry.cluster);
      continue;
    }
    const k = batches.findIndex((b) => b.includes(entry.cluster));
    for (const earlier of batches.slice(0, k).flat()) expect(ended.has(earlier)).toBe(true);
  }
}

it('runs the selected clusters in batches, in order, never overlapping, and audits it', async () => {
  const planned = await rollouts.plan(request({ batchSize: 2 }));
  expect(planned.rollout.clusters).toEqual(CLUSTERS);
  expect(planned.text).toBe(`Rollout ${planned.rollout.id} of fleet-touch (label=x failOn=) on 4 clusters matching region=eu,tier=store: 2 batches of 2 (first: store-001, store-002), pause on failure, stop after 1 failure.`);
  const started = await rollouts.start(planned);
  expect(started.state).toBe('running');
  const done = await settled(started.id, ['succeeded', 'failed', 'stopped']);
  expect(done.state).toBe('succeeded');
  expect(Object.values(done.targets).map((x) => x.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
  batchesNeverOverlap([['store-001', 'store-002'], ['store-003', 'store-004']]);
  const runs = await runsOf(done);
  expect(runs.map((r) => [r?.id, r?.cluster, r?.state, r?.rollout?.id])).toEqual(CLUSTERS.map((c) => [`${c}.${started.id}`, c, 'succeeded', started.id]));
  const events = (await t.drover.audit.read()).filter((e) => 'rolloutId' in e && e.rolloutId === started.id);
  expect(events.map((e) => e.type)).toEqual(['rollout.proposed', 'rollout.batch.started', 'rollout.batch.started', 'rollout.finished']);
  expect(events[3]).toMatchObject({ outcome: 'succeeded', succeeded: 4, failed: 0, skipped: 0 });
}, 40_000);

it('pauses after a failed batch, and resume goes on with the next one', async () => {
  const r = await rollouts.start(await rollouts.plan(request({ params: { label: 'x', failOn: 'store-002' }, maxFailures: 3 })));
  const paused = await settled(r.id, ['paused']);
  expect(paused.batch).toBe(2);
  expect(paused.reason).toMatch(/^Paused after batch 2 of 4: 1 cluster\(s\) failed \(store-002\)/);
  expect(Object.fromEntries(Object.entries(paused.targets).map(([c, x]) => [c, x.state]))).toEqual({ 'store-001': 'succeeded', 'store-002': 'failed', 'store-003': 'pending', 'store-004': 'pending' });
  expect(paused.targets['store-002']?.error).toContain('store-002 says no');
  await new Promise((res) => setTimeout(res, 400));
  expect(log.filter((e) => e.event === 'start').map((e) => e.cluster)).toEqual(['store-001', 'store-002']);
  await expect(rollouts.resume(r.id, { kind: 'slack', id: 'UEVE', name: 'eve' })).resolves.toMatchObject({ state: 'running' });
  const done = await settled(r.id, ['succeeded', 'failed', 'stopped']);
  expect(done.state).toBe('failed');
  expect(done.reason).toBe('1 of 4 cluster(s) failed.');
  expect(log.filter((e) => e.event === 'start').map((e) => e.cluster)).toEqual(CLUSTERS);
}, 40_000);

it('stops after N failures: later batches never start and their clusters are skipped', async () => {
  const r = await rollouts.start(await rollouts.plan(request({ params: { label: 'x', failOn: 'store-001,store-002' }, batchSize: 2, maxFailures: 2 })));
  const done = await settled(r.id, ['stopped', 'succeeded', 'failed']);
  expect(done.state).toBe('stopped');
  expect(Object.fromEntries(Object.entries(done.targets).map(([c, x]) => [c, x.state]))).toEqual({ 'store-001': 'failed', 'store-002': 'failed', 'store-003': 'skipped', 'store-004': 'skipped' });
  expect((await runsOf(done)).slice(2)).toEqual([undefined, undefined]);
  expect(log.map((e) => e.cluster)).not.toContain('store-003');
}, 40_000);

it('abort cancels the current batch’s runs that have not started and starts nothing more', async () => {
  hold = deferred();
  // One agent is stopped so its run stays queued.
  const stopped = agents[1] as Agent;
  await stopped.close();
  const r = await rollouts.start(await rollouts.plan(request({ batchSize: 2 })));
  await waitFor(() => log.some((e) => e.cluster === 'store-001' && e.event === 'start'), 'store-001 to start');
  const aborted = await rollouts.abort(r.id, ada);
  expect(aborted.state).toBe('cancelled');
  expect(aborted.targets['store-002']).toMatchObject({ state: 'skipped', runId: `store-002.${r.id}` });
  expect(aborted.targets['store-003']).toEqual({ state: 'skipped' });
  expect((await t.drover.store.get(`store-002.${r.id}`))?.state).toBe('cancelled');
  hold.resolve();
  // store-001's run, already under way, finishes; nothing else starts.
  await waitFor(async () => (await t.drover.store.get(`store-001.${r.id}`))?.state === 'succeeded', 'store-001 to finish');
  await new Promise((res) => setTimeout(res, 400));
  expect(log.filter((e) => e.event === 'start').map((e) => e.cluster)).toEqual(['store-001']);
  // The stopped agent comes back for the next tests.
  const redis = redisClient();
  connections.push(redis);
  const agent = createAgent({ config: t.config, redis, cluster: 'store-002', runbooks: t.drover.runbooks, k8s: k8sOn('store-002'), logger: pino({ level: 'silent' }), policy: allowAll(), heartbeatMs: 500 });
  await agent.start();
  agents[1] = agent;
}, 40_000);

it('completes after a controller crash mid-batch without running any cluster twice', async () => {
  await controller.close();
  hold = deferred();
  const first = newController();
  const r = await rollouts.start(await rollouts.plan(request({ batchSize: 2 })));
  await first.tick();
  await waitFor(() => log.filter((e) => e.event === 'start').length === 2, 'the first batch to start');
  // The controller goes away mid-batch (its lock expires with it); another takes over.
  await first.close();
  // As if it died holding the rollout's lock: the next controller waits for the lock to expire.
  await t.redis.set(rollouts.deps.store.lockKey(r.id), 'dead-controller', 'PX', 600);
  controller = newController();
  await controller.tick();
  controller.start();
  hold.resolve();
  const done = await settled(r.id, ['succeeded', 'failed', 'stopped']);
  expect(done.state).toBe('succeeded');
  expect(log.filter((e) => e.event === 'start').map((e) => e.cluster).sort()).toEqual(CLUSTERS);
  const queued = (await t.drover.audit.read()).filter((e) => e.type === 'run.queued' && e.runId.endsWith(`.${r.id}`));
  expect(queued).toHaveLength(4);
}, 40_000);

describe('approval of the whole plan', () => {
  it('the requester cannot approve, another plan’s hash does not count, another person starts it', async () => {
    const planned = await rollouts.plan(request({ runbook: 'fleet-guarded', params: { label: 'x', token: 'hunter2' } }));
    expect(planned.text).toMatch(/It needs 1 approval\(s\) of the whole plan before it starts \(4 of 4 cluster\(s\) need approval: runbook fleet-guarded requires approval/);
    expect(JSON.stringify(planned.rollout)).not.toContain('hunter2');
    const r = await rollouts.start(planned);
    expect(r.state).toBe('awaiting_approval');
    await new Promise((res) => setTimeout(res, 300));
    expect(log).toEqual([]);
    await expect(rollouts.approve(r.id, ada, r.hash)).rejects.toThrow('You asked for this rollout; someone else must approve it.');
    await expect(rollouts.approve(r.id, { kind: 'slack', id: 'UADA', name: 'Ada Lovelace' }, r.hash)).rejects.toThrow(/someone else must approve/);
    // A plan with another batch size (or params, or clusters) has another hash: approving that one changes nothing.
    const other = await rollouts.plan(request({ runbook: 'fleet-guarded', params: { label: 'x', token: 'hunter2' }, batchSize: 2 }));
    await expect(rollouts.approve(r.id, bob, other.rollout.hash)).rejects.toThrow(/another plan/);
    expect((await rollouts.get(r.id)).state).toBe('awaiting_approval');
    const answer = await rollouts.approve(r.id, bob, r.hash);
    expect(answer).toMatchObject({ kind: 'approved', approvals: 1, needed: 1 });
    const done = await settled(r.id, ['succeeded', 'failed', 'stopped']);
    expect(done.state).toBe('succeeded');
    const runs = await runsOf(done);
    expect(runs.every((run) => run?.rollout?.approval?.approvers[0]?.id === 'UBOB')).toBe(true);
    const audit = (await t.drover.audit.read()).filter((e) => 'rolloutId' in e && e.rolloutId === r.id).map((e) => e.type);
    expect(audit).toEqual(expect.arrayContaining(['rollout.proposed', 'rollout.refused', 'rollout.approved', 'rollout.finished']));
  }, 40_000);

  it('an approval after the plan expired starts nothing, and the rollout ends expired', async () => {
    const r = await rollouts.start(await rollouts.plan(request({ runbook: 'fleet-guarded' })));
    const later = new Rollouts({ ...rollouts.deps, now: () => new Date(Date.now() + 7 * 86_400_000) });
    await expect(later.approve(r.id, bob, r.hash)).rejects.toThrow(`The approval of rollout ${r.id} has expired; nothing was started.`);
    const ended = await rollouts.get(r.id);
    expect(ended.state).toBe('expired');
    expect(Object.values(ended.targets).every((x) => x.state === 'skipped')).toBe(true);
    expect(await t.redis.sismember(rollouts.deps.store.activeKey, r.id)).toBe(0);
  }, 20_000);

  it('a plan changed in Redis after it was approved is void on the worker: nothing runs', async () => {
    const r = await rollouts.start(await rollouts.plan(request({ runbook: 'fleet-guarded' })));
    // Someone who can write Redis changes the params and the batch size behind the approvers' back.
    const key = `${t.prefix}:rollout:${r.id}`;
    const plan = JSON.parse((await t.redis.hget(key, 'plan')) as string) as { params: Record<string, unknown> };
    await t.redis.hset(key, 'plan', JSON.stringify({ ...plan, params: { ...plan.params, label: 'evil' }, batchSize: 2 }));
    await rollouts.approve(r.id, bob, r.hash);
    const done = await settled(r.id, ['stopped', 'failed', 'succeeded']);
    expect(done.state).toBe('stopped');
    expect(done.targets['store-001']?.error).toMatch(/The rollout approval is void/);
    expect(done.targets['store-003']).toEqual({ state: 'skipped' });
    expect(log).toEqual([]);
  }, 40_000);

  it('the worker refuses a run whose record claims a rollout approval that does not bind it', async () => {
    const r = await rollouts.start(await rollouts.plan(request({ runbook: 'fleet-guarded', selector: 'region=eu' })));
    await rollouts.approve(r.id, bob, r.hash);
    const done = await settled(r.id, ['succeeded', 'failed', 'stopped']);
    const genuine = (await runsOf(done))[0] as RunRecord;
    const marker = genuine.rollout as NonNullable<RunRecord['rollout']>;
    log.length = 0;
    const forge = async (runId: string, p: Record<string, unknown>, rollout: NonNullable<RunRecord['rollout']>) => {
      const prepared = await t.drover.queue.prepare({ runbook: 'fleet-guarded', params: p, cluster: 'store-003', requester: ada, runId });
      const run = await t.drover.queue.submitPrepared({ ...prepared, record: { ...prepared.record, rollout } });
      return waitFor(async () => {
        const now = await t.drover.store.get(run.id);
        return now && isTerminal(now.state) ? now : undefined;
      }, `forged run ${runId} to end`, 20_000);
    };
    // Other params than approved.
    const changed = await forge('forged-params', { label: 'y' }, marker);
    expect(changed.state).toBe('failed');
    expect(changed.error?.code).toBe('approval_void');
    // Another batch size than approved.
    const resized = await forge('forged-batch', { label: 'x' }, { ...marker, batchSize: 3 });
    expect(resized.error?.code).toBe('approval_void');
    // The requester as their own approver.
    const self = await forge('forged-self', { label: 'x' }, { ...marker, approval: { ...(marker.approval as NonNullable<typeof marker.approval>), approvers: [ada] } });
    expect(self.error?.code).toBe('approval_refused');
    expect(self.error?.message).toContain('the requester is among its approvers');
    // No approvers at all.
    const none = await forge('forged-none', { label: 'x' }, { ...marker, approval: undefined });
    expect(none.error?.code).toBe('approval_refused');
    expect(log).toEqual([]);
  }, 60_000);
});
