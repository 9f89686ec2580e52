/**
 * Fleet rollouts tried the way an attacker and a tired SRE would, on real
 * Redis with real in-process agents: one person approving under two names,
 * approval fields copied into runs they were not granted for, an agent gone
 * for good while its run is under way, two controllers at once, hostile
 * selectors and numbers, secret params.
 */
import pino from 'pino';
import type { Redis } from 'ioredis';
import { createAgent, type Agent } from '../../../src/fleet/agent.js';
import { startK8sFake, type K8sFake } from '../../../src/testing/index.js';
import { createK8sOps } from '../../../src/k8s/ops.js';
import type { K8sOpsFactory } from '../../../src/jobs/run-worker.js';
import { isTerminal, type RunRecord } from '../../../src/jobs/run-record.js';
import { bindingKeyIn } from '../../../src/approvals/binding-key.js';
import { impersonationSchema } from '../../../src/k8s/impersonation-settings.js';
import { sameListedUser } from '../../../src/k8s/impersonation.js';
import { RolloutStore } from '../../../src/fleet/rollout/rollout-store.js';
import { Rollouts, type RolloutRequest, type RolloutsDeps } from '../../../src/fleet/rollout/rollouts.js';
import { RolloutController } from '../../../src/fleet/rollout/rollout-controller.js';
import { parseSelector } from '../../../src/fleet/rollout/selector.js';
import { rolloutLines } from '../../../src/fleet/rollout/rollout-text.js';
import { rolloutRunId, type Rollout } from '../../../src/fleet/rollout/plan.js';
import { defineRunbook, secret, z } from '../../../src/sdk/index.js';
import type { Runbook } from '../../../src/runbook/types.js';
import { redisClient } from '../../support/redis.js';
import { createDrover, type Drover } from '../../../src/app.js';
import { ClusterRegistry } from '../../../src/k8s/clusters.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { loadPolicyFile, type PolicySource } from '../../../src/policy/index.js';
import { deferred, waitFor, type Deferred } from '../../support/wait-for.js';

const ada = { kind: 'slack' as const, id: 'UADA', name: 'ada' };
const bob = { kind: 'slack' as const, id: 'UBOB', name: 'bob' };
// One person, two names: the operator lists both as the same Kubernetes user.
const carolSlack = { kind: 'slack' as const, id: 'UCAROL', name: 'carol' };
const carolCli = { kind: 'cli' as const, id: 'carol', name: 'carol' };
const IMPERSONATION = impersonationSchema.parse({ elsewhere: { users: { UCAROL: { user: 'carol@example.com' }, 'cli:carol': { user: 'carol@example.com' } } } });

// Everyone may run everything and approve, CLI users too (so a CLI name's approval would count if it were let).
const POLICY = `groups:\n  everyone: ['*', 'cli:*']\nrules:\n  - groups: [everyone]\n    runbooks: ['*']\n    clusters: ['*']\n`;
const policy = (): PolicySource => ({ document: loadPolicyFile('attack-policy.yaml', () => POLICY) });

const started: string[] = [];
let hold: Deferred | undefined;
const params = z.object({ label: z.string(), token: secret(z.string()).optional() });
async function touch(ctx: { cluster: string; step: (name: string, fn: () => Promise<unknown>) => Promise<unknown> }) {
  await ctx.step('touch', async () => {
    started.push(ctx.cluster);
    await hold?.promise;
  });
}
const runbooks: Runbook[] = [
  defineRunbook({ id: 'atk-touch', summary: 'Touches a cluster', params, concurrencyKey: () => 'touch', async run(ctx) { await touch(ctx); } }),
  defineRunbook({ id: 'atk-two', summary: 'Touches a cluster, with two approvals', params, approval: { required: 'always', approvers: 2 }, concurrencyKey: () => 'touch', async run(ctx) { await touch(ctx); } }),
  defineRunbook({ id: 'atk-one', summary: 'Touches a cluster, with one approval', params, approval: { required: 'always', approvers: 1 }, concurrencyKey: () => 'touch', async run(ctx) { await touch(ctx); } }),
  defineRunbook({ id: 'atk-two-noop', summary: 'Does nothing, with two approvals', params, approval: { required: 'always', approvers: 2 }, async run() {} }),
] as Runbook[];

const EU = ['eu-1', 'eu-2', 'eu-3'];
let t: TestDrover;
let fake: K8sFake;
const agents = new Map<string, Agent>();
const connections: Redis[] = [];
let rollouts: Rollouts;
let controller: RolloutController;

function k8sOn(cluster: string): K8sOpsFactory {
  return ({ dryRun, hooks }) => createK8sOps({ cluster, kubeConfig: fake.kubeConfig(), dryRun, hooks, requestTimeoutMs: 5000 });
}

async function startAgent(cluster: string): Promise<Agent> {
  const redis = redisClient();
  connections.push(redis);
  const agent = createAgent({ config: t.config, redis, cluster, runbooks: t.drover.runbooks, k8s: k8sOn(cluster), logger: pino({ level: 'silent' }), policy: policy(), heartbeatMs: 300 });
  await agent.start();
  agents.set(cluster, agent);
  return agent;
}

function newRollouts(over: Partial<RolloutsDeps> = {}): Rollouts {
  return new Rollouts({
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
    samePerson: (a, b) => sameListedUser(t.config.clusters.impersonation, a, b),
    ...over,
  });
}

beforeAll(async () => {
  fake = await startK8sFake();
  t = await buildTestDrover({
    runbooks,
    fake,
    policy: policy(),
    configure: (c) => {
      c.fleet.agentAbsent = 'wait';
      c.clusters.impersonation = IMPERSONATION;
    },
  });
  for (const name of EU) await t.drover.fleet.registry.register({ name, labels: { region: 'eu' }, createdAt: new Date().toISOString(), user: 'test' });
  await t.drover.fleet.registry.register({ name: 'lost-1', labels: { region: 'ap' }, createdAt: new Date().toISOString(), user: 'test' });
  // As a serving process makes it when it starts: agents only read it.
  await bindingKeyIn(t.redis, t.prefix)();
  for (const name of [...EU, 'lost-1']) await startAgent(name);
  rollouts = newRollouts({ presence: t.drover.fleet.presence, agentWaitMs: 1500 });
  controller = new RolloutController({ rollouts, logger: pino({ level: 'silent' }), intervalMs: 100 });
  controller.start();
}, 30_000);

afterAll(async () => {
  hold?.resolve();
  await controller?.close();
  for (const agent of agents.values()) await agent.close(true).catch(() => undefined);
  for (const redis of connections) await redis.quit().catch(() => undefined);
  await t?.close();
  await fake?.stop();
}, 30_000);

beforeEach(() => {
  started.length = 0;
  hold = undefined;
});

const request = (over: Partial<RolloutRequest> = {}): RolloutRequest => ({ runbook: 'atk-touch', params: { label: 'x' }, selector: 'region=eu', requester: ada, canary: false, ...over });

async function settled(id: string, states: Rollout['state'][], timeoutMs = 20_000): Promise<Rollout> {
  return waitFor(async () => {
    const r = await rollouts.get(id);
    return states.includes(r.state) ? r : undefined;
  }, `rollout ${id} to be ${states.join(' or ')}`, timeoutMs);
}

/** Queues a run on `cluster` carrying `marker`, as someone able to write run records would, and waits for its end. */
async function forge(cluster: string, runId: string, p: Record<string, unknown>, marker: NonNullable<RunRecord['rollout']>, runbook = 'atk-one'): Promise<RunRecord> {
  const prepared = await t.drover.queue.prepare({ runbook, params: p, cluster, requester: ada, runId });
  const run = await t.drover.queue.submitPrepared({ ...prepared, record: { ...prepared.record, rollout: marker } });
  return waitFor(async () => {
    const now = await t.drover.store.get(run.id);
    return now && isTerminal(now.state) ? now : undefined;
  }, `forged run ${runId} to end`, 20_000);
}

describe('one person, one approval', () => {
  it('an approver counts once under a Slack id and a CLI name the operator mapped to one user, even both at once', async () => {
    const r = await rollouts.start(await rollouts.plan(request({ runbook: 'atk-two' })));
    expect(r.approval?.needed).toBe(2);
    await expect(rollouts.approve(r.id, carolSlack, r.hash)).resolves.toMatchObject({ kind: 'counted', approvals: 1 });
    await expect(rollouts.approve(r.id, carolSlack, r.hash)).resolves.toMatchObject({ kind: 'duplicate', approvals: 1 });
    await expect(rollouts.approve(r.id, carolCli, r.hash)).resolves.toMatchObject({ kind: 'duplicate', approvals: 1 });
    expect((await rollouts.get(r.id)).state).toBe('awaiting_approval');

    // Both names at the same moment: still one approval.
    const s = await rollouts.start(await rollouts.plan(request({ runbook: 'atk-two' })));
    const both = await Promise.all([rollouts.approve(s.id, carolSlack, s.hash), rollouts.approve(s.id, carolCli, s.hash)]);
    expect(both.map((b) => b.kind).sort()).toEqual(['counted', 'duplicate']);
    expect((await rollouts.get(s.id)).approval?.approvers).toHaveLength(1);
    expect((await rollouts.get(s.id)).state).toBe('awaiting_approval');
    await expect(rollouts.approve(s.id, bob, s.hash)).resolves.toMatchObject({ kind: 'approved', approvals: 2 });
    await settled(s.id, ['succeeded']);
    await rollouts.abort(r.id, ada);
  }, 40_000);

  it('nothing to approve once aborted, rejected or finished; the requester under another name is refused', async () => {
    const r = await rollouts.start(await rollouts.plan(request({ runbook: 'atk-one', requester: carolSlack })));
    await expect(rollouts.approve(r.id, carolCli, r.hash)).rejects.toMatchObject({ code: 'approval_refused' });
    await rollouts.abort(r.id, carolCli);
    await expect(rollouts.approve(r.id, bob, r.hash)).rejects.toMatchObject({ code: 'run_not_pending' });
    const done = await rollouts.start(await rollouts.plan(request()));
    await settled(done.id, ['succeeded']);
    await expect(rollouts.approve(done.id, bob, done.hash)).rejects.toMatchObject({ code: 'run_not_pending' });
    await expect(rollouts.resume(done.id, ada)).rejects.toMatchObject({ code: 'run_not_pending' });
    await expect(rollouts.abort(done.id, ada)).rejects.toMatchObject({ code: 'run_not_cancellable' });
  }, 40_000);

  it('an agent counts one person under two names once, whatever the run record claims', async () => {
    // A rollout nobody approved: its hash is shown to everyone asked to approve it.
    const r = await rollouts.start(await rollouts.plan(request({ runbook: 'atk-two', selector: 'region=eu' })));
    const marker = {
      id: r.id,
      hash: r.hash,
      clusters: r.clusters,
      batchSize: r.batchSize,
      canary: r.canary,
      pauseOnFailure: r.pauseOnFailure,
      maxFailures: r.maxFailures,
      approval: { needed: 2, reason: 'forged', timeoutMs: 60_000, approvers: [carolSlack, carolCli] },
    };
    const run = await forge('eu-2', rolloutRunId(r.id, 'eu-2'), { label: 'x' }, marker, 'atk-two');
    expect(run.state).toBe('failed');
    expect(run.error?.code).toBe('approval_refused');
    expect(run.error?.message).toContain('1 of the 2 approval(s)');
    expect(started).toEqual([]);
    await rollouts.abort(r.id, ada);
  }, 40_000);
});

it('a real rollout’s approval copied into another run (another rollout’s, same params) does not approve it', async () => {
  const genuine = await rollouts.start(await rollouts.plan(request({ runbook: 'atk-one' })));
  await rollouts.approve(genuine.id, bob, genuine.hash);
  await settled(genuine.id, ['succeeded']);
  const marker = (await t.drover.store.get(rolloutRunId(genuine.id, 'eu-3')))?.rollout as NonNullable<RunRecord['rollout']>;
  expect(marker.approval?.approvers).toEqual([bob]);
  const other = await rollouts.start(await rollouts.plan(request({ runbook: 'atk-one' })));
  started.length = 0;
  const copied = await forge('eu-3', rolloutRunId(other.id, 'eu-3'), { label: 'x' }, marker);
  expect(copied.state).toBe('failed');
  expect(copied.error?.code).toBe('approval_void');
  // Under a run id of no rollout at all.
  const loose = await forge('eu-3', 'eu-3.again', { label: 'x' }, marker);
  expect(loose.error?.code).toBe('approval_void');
  expect(started).toEqual([]);
  await rollouts.abort(other.id, ada);
}, 40_000);

it('a cluster whose agent goes away for good while its run is under way fails after agentWait: the rollout does not wait for ever', async () => {
  hold = deferred();
  const r = await rollouts.start(await rollouts.plan(request({ selector: 'region=ap' })));
  await waitFor(() => started.includes('lost-1'), 'lost-1 to start');
  // The agent dies mid-run (the pod gone with its cluster): its entry goes, its run stays running.
  await (agents.get('lost-1') as Agent).close(true);
  const gone = Date.now();
  const done = await settled(r.id, ['failed', 'stopped', 'succeeded'], 15_000);
  expect(Date.now() - gone).toBeGreaterThanOrEqual(1400);
  expect(done.state).toBe('stopped');
  expect(done.targets['lost-1']).toMatchObject({ state: 'failed', runId: rolloutRunId(r.id, 'lost-1') });
  expect(done.targets['lost-1']?.error).toMatch(/no agent has been live for \d+ s; the run's outcome is unknown/);
  // The run itself is left alone: nobody knows what it did.
  expect((await t.drover.store.get(rolloutRunId(r.id, 'lost-1')))?.state).toBe('running');
  hold.resolve();
}, 40_000);

it('an agent that is back before agentWait keeps its run: the cluster is not failed', async () => {
  // Presence that says "gone" for a while, then "up" again (a pod restart), with the run still running.
  let away = true;
  const flaky = newRollouts({
    presence: {
      now: () => Date.now(),
      status: async () => (await t.drover.fleet.presence.status()).map((real) => (away ? { ...real, state: 'absent', agents: [], lastSeen: Date.now() - 1000 } : real)),
    },
    agentWaitMs: 2500,
  });
  const c2 = new RolloutController({ rollouts: flaky, logger: pino({ level: 'silent' }), intervalMs: 100 });
  await controller.close();
  try {
    hold = deferred();
    const r = await flaky.start(await flaky.plan(request({ selector: 'region=eu', batchSize: 3 })));
    c2.start();
    await waitFor(() => started.length === 3, 'the batch to start');
    const noted = await waitFor(async () => {
      const now = await flaky.get(r.id);
      return Object.values(now.targets).some((x) => x.agentAbsentSince !== undefined) ? now : undefined;
    }, 'the absence to be noted');
    // drover rollout status (and the Slack message) say so.
    expect(rolloutLines(noted).some((l) => /^\? eu-\d: its run is under way, but no agent has been live since \d{4}-/.test(l))).toBe(true);
    away = false;
    await new Promise((res) => setTimeout(res, 2500));
    const mid = await flaky.get(r.id);
    expect(Object.values(mid.targets).map((x) => [x.state, x.agentAbsentSince])).toEqual(EU.map(() => ['running', undefined]));
    hold.resolve();
    expect((await settled(r.id, ['succeeded', 'failed', 'stopped'])).state).toBe('succeeded');
  } finally {
    await c2.close();
    controller = new RolloutController({ rollouts, logger: pino({ level: 'silent' }), intervalMs: 100 });
    controller.start();
  }
}, 40_000);

it('two controllers (two serving processes) at once: no run queued twice, batches never overlap', async () => {
  await controller.close();
  const a = new RolloutController({ rollouts: newRollouts(), logger: pino({ level: 'silent' }), intervalMs: 20 });
  const b = new RolloutController({ rollouts: newRollouts(), logger: pino({ level: 'silent' }), intervalMs: 20 });
  try {
    const r = await rollouts.start(await rollouts.plan(request({ selector: 'region=eu' })));
    a.start();
    b.start();
    const done = await settled(r.id, ['succeeded', 'failed', 'stopped']);
    expect(done.state).toBe('succeeded');
    expect(started).toEqual(EU);
    const events = await t.drover.audit.read();
    expect(events.filter((e) => e.type === 'run.queued' && e.runId.endsWith(`.${r.id}`))).toHaveLength(3);
    expect(events.filter((e) => e.type === 'rollout.batch.started' && e.rolloutId === r.id)).toHaveLength(3);
    expect(events.filter((e) => e.type === 'rollout.finished' && e.rolloutId === r.id)).toHaveLength(1);
  } finally {
    await a.close();
    await b.close();
    controller = new RolloutController({ rollouts, logger: pino({ level: 'silent' }), intervalMs: 100 });
    controller.start();
  }
}, 40_000);

it('hostile selectors and numbers are refused with params_invalid, naming no more than 40 characters of them', async () => {
  for (const bad of ['région=eu', 'a'.repeat(10_000), '=,=,', 'a=b=c', 'region=eu,', ',', ' ', 'x=\u202e', 'k=v\nother']) {
    let thrown: unknown;
    try {
      parseSelector(bad);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ code: 'params_invalid' });
    expect((thrown as Error).message.length).toBeLessThan(300);
  }
  for (const batchSize of [0, -1, 1.5, 10_001, Number.MAX_SAFE_INTEGER, Number.NaN]) {
    await expect(rollouts.plan(request({ batchSize }))).rejects.toMatchObject({ code: 'params_invalid' });
  }
  for (const maxFailures of [0, -1, 1e12]) await expect(rollouts.plan(request({ maxFailures }))).rejects.toMatchObject({ code: 'params_invalid' });
}, 20_000);

it('a secret param is kept apart: not in the rollout record, its plan text or audit, and gone once it ends', async () => {
  const value = 'hunter2-very-secret-value';
  const planned = await rollouts.plan(request({ params: { label: 'x', token: value } }));
  expect(planned.text).not.toContain(value);
  const r = await rollouts.start(planned);
  const raw = JSON.stringify(await t.redis.hgetall(`${t.prefix}:rollout:${r.id}`));
  expect(raw).not.toContain(value);
  await settled(r.id, ['succeeded']);
  expect(await t.redis.exists(`${t.prefix}:rollout:${r.id}:secrets`)).toBe(0);
  const audit = JSON.stringify((await t.drover.audit.read()).filter((e) => 'rolloutId' in e && e.rolloutId === r.id));
  expect(audit).not.toContain(value);
  expect(audit).toContain('rollout.proposed');
}, 40_000);

it('a cluster deregistered mid-rollout fails with a clear message, and one deregistered and registered again runs; nothing hangs', async () => {
  hold = deferred();
  const r = await rollouts.start(await rollouts.plan(request({ runbook: 'atk-one', pauseOnFailure: false, maxFailures: 2 })));
  // Deregistered while awaiting approval: the approval still counts for the plan as it was (its cluster list is frozen).
  await t.drover.fleet.registry.remove('eu-2');
  await expect(rollouts.approve(r.id, bob, r.hash)).resolves.toMatchObject({ kind: 'approved' });
  await waitFor(() => started.includes('eu-1'), 'eu-1 to start');
  // eu-3 is rebuilt meanwhile: gone from the registry, then back under the same name before its batch.
  await t.drover.fleet.registry.remove('eu-3');
  await t.drover.fleet.registry.register({ name: 'eu-3', labels: { region: 'eu' }, createdAt: new Date().toISOString(), user: 'test' });
  hold.resolve();
  const done = await settled(r.id, ['failed', 'stopped', 'succeeded']);
  expect(done.state).toBe('failed');
  expect(done.targets['eu-2']?.state).toBe('failed');
  expect(done.targets['eu-2']?.error).toMatch(/^Unknown cluster "eu-2"\./);
  expect(done.targets['eu-3']?.state).toBe('succeeded');
  expect(started).toEqual(['eu-1', 'eu-3']);
  await t.drover.fleet.registry.register({ name: 'eu-2', labels: { region: 'eu' }, createdAt: new Date().toISOString(), user: 'test' });
}, 40_000);

it('a single run’s approvals count one person under two names once too (centrally, as the agent counts them)', async () => {
  const run = await t.drover.gate.submit({ runbook: 'atk-two-noop', params: { label: 'x' }, cluster: 'eu-1', requester: ada });
  const held = await waitFor(async () => {
    const now = await t.drover.store.get(run.id);
    return now?.state === 'awaiting_approval' ? now : undefined;
  }, 'the run to await approval');
  const hash = held.approval?.hash ?? '';
  await expect(t.drover.approvals.approve(run.id, carolSlack, hash)).resolves.toMatchObject({ kind: 'counted', approvals: 1 });
  await expect(t.drover.approvals.approve(run.id, carolCli, hash)).resolves.toMatchObject({ kind: 'duplicate', approvals: 1 });
  expect((await t.drover.store.get(run.id))?.state).toBe('awaiting_approval');
  await t.drover.approvals.reject(run.id, ada);
}, 30_000);

it('two serving processes (two createDrover on one prefix): one cut off mid-batch, the other finishes the rollout; nothing queued or started twice', async () => {
  await controller.close();
  const serving: Array<{ drover: Drover; redis: Redis }> = [];
  for (let i = 0; i < 2; i += 1) {
    const redis = redisClient();
    const drover = createDrover({
      config: t.config,
      redis,
      logger: pino({ level: 'silent' }),
      runbooks: t.drover.runbooks,
      clusters: new ClusterRegistry({ extra: [{ name: 'test', source: 'sandbox', server: fake.url, kubeConfig: fake.kubeConfig() }] }),
      policy: policy(),
    });
    drover.startHousekeeping();
    serving.push({ drover, redis });
  }
  const [a, b] = serving as [{ drover: Drover; redis: Redis }, { drover: Drover; redis: Redis }];
  try {
    hold = deferred();
    const r = await a.drover.rollouts.start(await a.drover.rollouts.plan(request({ selector: 'region=eu' })));
    await waitFor(() => started.includes('eu-1'), 'eu-1 to start', 15_000);
    // One process loses Redis for good mid-batch (as a crash would, without closing).
    b.redis.disconnect();
    hold.resolve();
    const t0 = Date.now();
    const done = await waitFor(async () => {
      const now = await rollouts.get(r.id);
      return ['succeeded', 'failed', 'stopped'].includes(now.state) ? now : undefined;
    }, 'the rollout to end on the other process', 30_000);
    expect(done.state).toBe('succeeded');
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(started).toEqual(EU);
    const events = await t.drover.audit.read();
    expect(events.filter((e) => e.type === 'run.queued' && e.runId.endsWith(`.${r.id}`))).toHaveLength(3);
    expect(events.filter((e) => e.type === 'rollout.batch.started' && e.rolloutId === r.id)).toHaveLength(3);
    expect(events.filter((e) => e.type === 'rollout.finished' && e.rolloutId === r.id)).toHaveLength(1);
  } finally {
    hold?.resolve();
    await a.drover.close();
    await b.drover.close().catch(() => undefined);
    await a.redis.quit().catch(() => undefined);
    controller = new RolloutController({ rollouts, logger: pino({ level: 'silent' }), intervalMs: 100 });
    controller.start();
  }
}, 60_000);
