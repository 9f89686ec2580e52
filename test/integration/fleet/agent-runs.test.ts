/**
 * A central Drover and two agents (in this process, each on its own fake
 * API server, on real Redis): each cluster's runs go to its own queue, run on
 * its own agent only, keep their records where the central Drover reads them,
 * and their audit events reach the one hash-chained log through the relay.
 */
import pino from 'pino';
import { createAgent, type Agent } from '../../../src/fleet/agent.js';
import { startK8sFake, seedSandbox, type K8sFake } from '../../../src/testing/index.js';
import { isTerminal, type RunRecord } from '../../../src/jobs/run-record.js';
import { k8sOnFake } from '../../support/fleet-agent.js';
import { redisClient } from '../../support/redis.js';
import { allowAll, buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';
import { webhookPayload } from '../../support/alerts.js';
import type { Redis } from 'ioredis';

const cli = { kind: 'cli' as const, id: 'cli:alice', name: 'alice' };
const approver = { kind: 'slack' as const, id: 'UBOB', name: 'bob' };

let t: TestDrover;
const fakes = new Map<string, K8sFake>();
const agents: Agent[] = [];
const connections: Redis[] = [];

async function startAgent(cluster: string): Promise<Agent> {
  const fake = fakes.get(cluster) as K8sFake;
  const redis = redisClient();
  connections.push(redis);
  const agent = createAgent({ config: t.config, redis, cluster, runbooks: t.drover.runbooks, k8s: k8sOnFake(cluster, fake), logger: pino({ level: 'silent' }), policy: allowAll(), heartbeatMs: 500 });
  await agent.start();
  agents.push(agent);
  return agent;
}

async function finished(id: string, timeoutMs = 20_000): Promise<RunRecord> {
  return waitFor(async () => {
    const run = await t.drover.store.get(id);
    return run && isTerminal(run.state) ? run : undefined;
  }, `run ${id} to finish`, timeoutMs);
}

beforeAll(async () => {
  t = await buildTestDrover({
    configure: (c) => {
      c.fleet.agentStale = 3000;
    },
  });
  for (const cluster of ['store-a', 'store-b']) {
    const fake = await startK8sFake();
    seedSandbox(fake);
    fakes.set(cluster, fake);
    await t.drover.fleet.registry.register({ name: cluster, labels: { tier: 'store' }, createdAt: new Date().toISOString(), user: 'test' });
  }
  t.drover.startHousekeeping();
  await startAgent('store-a');
  await startAgent('store-b');
}, 30_000);

afterAll(async () => {
  for (const agent of agents) await agent.close(true).catch(() => undefined);
  for (const redis of connections) await redis.quit().catch(() => undefined);
  await t?.close();
  for (const fake of fakes.values()) await fake.stop();
}, 30_000);

it('runs each cluster’s run on its own agent, with the cluster in its id, and relays its audit events into the chain', async () => {
  const a = await t.drover.queue.submit({ runbook: 'restart-deployment', cluster: 'store-a', params: { namespace: 'demo', deployment: 'web' }, requester: cli });
  const b = await t.drover.queue.submit({ runbook: 'scale-deployment', cluster: 'store-b', params: { namespace: 'demo', deployment: 'web', replicas: 4 }, requester: cli });
  expect(a.id).toMatch(/^store-a\.r/);
  expect(b.id).toMatch(/^store-b\.r/);
  expect((await finished(a.id)).state).toBe('succeeded');
  expect((await finished(b.id)).state).toBe('succeeded');

  // Each cluster saw only its own run's write; the central worker's cluster saw none.
  const writes = (fake: K8sFake) => fake.requests.filter((r) => !['GET', 'HEAD'].includes(r.method)).map((r) => r.path);
  expect(writes(fakes.get('store-a') as K8sFake)).toEqual(['/apis/apps/v1/namespaces/demo/deployments/web']);
  expect(writes(fakes.get('store-b') as K8sFake)).toEqual(['/apis/apps/v1/namespaces/demo/deployments/web/scale']);
  expect(writes(t.fake)).toEqual([]);

  // The audit events of the agent's work, in the central chain, which verifies.
  const events = await waitFor(async () => {
    const all = await t.drover.audit.forRun(a.id);
    return all.some((e) => e.type === 'run.finished') ? all : undefined;
  }, 'the relayed run.finished');
  expect(events.map((e) => e.type)).toEqual(
    expect.arrayContaining(['run.queued', 'run.started', 'run.step.started', 'k8s.mutation', 'run.step.finished', 'run.finished']),
  );
  expect(events.find((e) => e.type === 'k8s.mutation')).toMatchObject({ cluster: 'store-a', verb: 'patch', outcome: 'succeeded' });
  expect((await t.drover.audit.verify()).ok).toBe(true);
  // The agents' own streams are empty once relayed.
  expect(await t.redis.xlen(`${t.prefix}:fleet:store-a:audit`)).toBe(0);
}, 40_000);

it('a dry run on an agent cluster changes nothing there', async () => {
  const fake = fakes.get('store-a') as K8sFake;
  const before = JSON.stringify(fake.get('pods', 'demo', fake.list('pods', 'demo')[0]?.metadata?.name ?? ''));
  const pod = fake.list('pods', 'demo')[0]?.metadata?.name as string;
  const run = await t.drover.queue.submit({ runbook: 'delete-pod', cluster: 'store-a', params: { namespace: 'demo', pod }, dryRun: true, requester: cli });
  expect((await finished(run.id)).state).toBe('succeeded');
  expect(JSON.stringify(fake.get('pods', 'demo', pod))).toBe(before);
}, 30_000);

it('a run that needs approval is planned by the agent, approved centrally, then run by the agent', async () => {
  const fake = fakes.get('store-b') as K8sFake;
  const pod = fake.list('pods', 'demo')[0]?.metadata?.name as string;
  const held = await t.drover.queue.submit(
    { runbook: 'delete-pod', cluster: 'store-b', params: { namespace: 'demo', pod }, requester: cli },
    { needed: 1, reason: 'test', timeoutMs: 60_000 },
  );
  const proposed = await waitFor(async () => {
    const run = await t.drover.store.get(held.id);
    return run?.state === 'awaiting_approval' ? run : undefined;
  }, 'the agent to plan the proposal', 20_000);
  // Its expiry reached the central set, through the relay.
  await waitFor(async () => (await t.redis.zscore(`${t.prefix}:approvals:expiry`, `${t.prefix}:run:${held.id}`)) !== null, 'the proposal expiry');
  expect(fake.get('pods', 'demo', pod)).toBeDefined();
  const answer = await t.drover.approvals.approve(held.id, approver, proposed.approval?.hash as string);
  expect(answer.kind).toBe('approved');
  expect((await finished(held.id)).state).toBe('succeeded');
  expect(fake.get('pods', 'demo', pod)).toBeUndefined();
}, 40_000);

it('refuses a caller-given id that looks like an agent cluster’s run for another cluster', async () => {
  await expect(t.drover.queue.submit({ runbook: 'restart-deployment', cluster: 'test', runId: 'store-a.r1', params: { namespace: 'demo', deployment: 'web' }, requester: cli })).rejects.toThrow(
    /reserved for agent clusters/,
  );
});

it('an alert labelled with an agent cluster runs its runbook on that cluster’s agent, and names the run by its real id', async () => {
  const fake = fakes.get('store-a') as K8sFake;
  const pod = fake.list('pods', 'demo')[0]?.metadata?.name as string;
  const alert = { labels: { alertname: 'KubePodNotReady', namespace: 'demo', pod, cluster: 'store-a', severity: 'warning' }, startsAt: new Date().toISOString() };
  const outcomes = await t.drover.alerts.intake.receive(webhookPayload([alert]) as unknown as Parameters<typeof t.drover.alerts.intake.receive>[0]);
  expect(outcomes.enqueued).toBe(1);
  const received = await waitFor(async () => (await t.drover.audit.read()).find((e) => e.type === 'alert.received' && e.alertname === 'KubePodNotReady'), 'alert.received');
  const runId = (received as unknown as { runIds: string[] }).runIds[0] as string;
  expect(runId).toMatch(/^store-a\.a/);
  const run = await finished(runId);
  expect(run).toMatchObject({ cluster: 'store-a', runbook: 'capture-diagnostics', state: 'succeeded' });
}, 30_000);

it('a record an agent forged naming another cluster is never approved, nor run by a central worker', async () => {
  // What a compromised agent of store-a can write: a record under its own ids, naming the central worker's cluster.
  const id = 'store-a.rforged1';
  const key = `${t.prefix}:run:${id}`;
  const forged = { id, runbook: 'delete-pod', cluster: 'test', params: JSON.stringify({ namespace: 'demo', pod: 'web-1' }), dryRun: 'false', requester: JSON.stringify(cli), state: 'queued', concurrencyKey: 'pod/demo/web-1', timeoutMs: '60000', createdAt: new Date().toISOString(), attempts: '0' };
  await t.redis.hset(key, forged);
  // Released by a central process (as an approval would): the shared queue, which central workers take.
  await t.drover.queue.release((await t.drover.store.get(id)) as RunRecord);
  await t.drover.startWorker({ concurrency: 1 });
  const run = await finished(id);
  expect(run.state).toBe('failed');
  expect(run.error?.message).toMatch(/belongs to agent cluster store-a but names cluster test/);
  expect(t.fake.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
  // And held for approval, no approver can approve it.
  const heldId = 'store-a.rforged2';
  await t.redis.hset(`${t.prefix}:run:${heldId}`, { ...forged, id: heldId, state: 'awaiting_approval', approval: JSON.stringify({ needed: 1, reason: 'x', timeoutMs: 60_000, approvers: [], hash: 'h', expiresAt: new Date(Date.now() + 60_000).toISOString() }) });
  await expect(t.drover.approvals.approve(heldId, approver, 'h')).rejects.toThrow(/belongs to agent cluster store-a but names cluster test/);
}, 30_000);
