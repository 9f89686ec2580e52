/**
 * A run for an agent cluster whose agent is gone: refused at once with what
 * to check (fleet.agentAbsent: fail), or queued and failed by the sweeper
 * after fleet.agentWait, never touching a run an agent has taken meanwhile.
 */
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { AuditLog } from '../../../src/audit/audit-log.js';
import { DroverError } from '../../../src/errors.js';
import { AbsentAgentSweeper, checkAgentPresent } from '../../../src/fleet/agent-absent.js';
import { AgentHeartbeat, FleetPresence } from '../../../src/fleet/agent-presence.js';
import { fleetQueueName, fleetRunId } from '../../../src/fleet/names.js';
import { FleetRegistry } from '../../../src/fleet/registry.js';
import type { RunRecord } from '../../../src/jobs/run-record.js';
import { RunStore } from '../../../src/jobs/run-store.js';
import { planJobId } from '../../../src/jobs/run-queue.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';
import { waitFor } from '../../support/wait-for.js';

const WAIT = 300;

describe('an agent cluster without a live agent', () => {
  let redis: Redis;
  let prefix: string;
  let registry: FleetRegistry;
  let presence: FleetPresence;
  let store: RunStore;
  let audit: AuditLog;
  let queue: Queue;
  const closers: Array<() => Promise<unknown>> = [];

  const register = (name: string) => registry.register({ name, labels: { tier: 'store' }, createdAt: new Date().toISOString(), user: `u-${name}` });
  const beat = async (id: string, cluster: string) => {
    const hb = new AgentHeartbeat(redis, prefix, cluster, () => ({ id, cluster, version: '1.2.0', host: 'node-3', pid: 7, capacity: 2, inFlight: 0, runbooks: 3, startedAt: new Date().toISOString() }), 50);
    await hb.start();
    return hb;
  };

  /** A queued run of store-7 with its job in that cluster's queue, as RunQueue would leave it. */
  async function queuedRun(base: string, state: 'queued' | 'planning' = 'queued'): Promise<RunRecord> {
    const record: RunRecord = {
      id: fleetRunId('store-7', base),
      runbook: 'restart-deployment',
      cluster: 'store-7',
      params: { namespace: 'shop', deployment: 'web' },
      dryRun: false,
      requester: { kind: 'cli', id: 'dave@laptop', name: 'dave' },
      state,
      concurrencyKey: 'deployment/shop/web',
      timeoutMs: 60_000,
      createdAt: new Date().toISOString(),
      attempts: 0,
    };
    await store.createMany([{ record, secrets: {} }], 60_000);
    const plan = state === 'planning';
    await queue.add(record.runbook, { runId: record.id, runbook: record.runbook, cluster: record.cluster, dryRun: plan, ...(plan ? { phase: 'plan' } : {}) }, { jobId: plan ? planJobId(record.id) : record.id });
    return record;
  }

  const sweeper = (over: Partial<ConstructorParameters<typeof AbsentAgentSweeper>[0]> = {}) =>
    new AbsentAgentSweeper({ redis, connection: redis, prefix, presence, store, audit, waitMs: WAIT, retentionMs: 60_000, ...over });

  beforeEach(async () => {
    redis = redisClient();
    prefix = uniquePrefix('absent');
    registry = new FleetRegistry(redis, prefix, 0);
    presence = new FleetPresence(redis, prefix, registry, 200);
    store = new RunStore({ redis, prefix });
    audit = new AuditLog({ redis, prefix });
    queue = new Queue(fleetQueueName('store-7'), { connection: redis, prefix: `${prefix}:q` });
    await register('store-7');
  });

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await queue.close();
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  describe('checkAgentPresent', () => {
    it('fail: a cluster never seen is refused, saying so and how to install an agent', async () => {
      const err = await checkAgentPresent(presence, 'store-7', 'fail', WAIT).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DroverError);
      expect(err).toMatchObject({ code: 'cluster_unreachable', retryable: false });
      expect((err as Error).message).toBe(
        'Cluster store-7 has never had a live agent: none has connected since it was registered. The run was not queued. Install one with what `drover agent token create store-7` prints, or set fleet.agentAbsent: wait.',
      );
    });

    it('fail: a cluster whose agent is gone is refused with when and which agent was last seen', async () => {
      const hb = await beat('a1', 'store-7');
      await checkAgentPresent(presence, 'store-7', 'fail', WAIT);
      await hb.stop();
      await expect(checkAgentPresent(presence, 'store-7', 'fail', WAIT)).rejects.toThrow(
        /^Cluster store-7 has no live agent \(last seen \d+s ago; agent v1\.2\.0 on host node-3\)\. The run was not queued\. Check the drover-agent pod in that cluster, or set fleet\.agentAbsent: wait\.$/,
      );
    });

    it('wait: returns without throwing; a live agent, or a cluster that is not an agent cluster, passes either way', async () => {
      await expect(checkAgentPresent(presence, 'store-7', 'wait', WAIT)).resolves.toBeUndefined();
      await expect(checkAgentPresent(presence, 'prod', 'fail', WAIT)).resolves.toBeUndefined();
      const hb = await beat('a1', 'store-7');
      closers.push(() => hb.stop());
      await expect(checkAgentPresent(presence, 'store-7', 'fail', WAIT)).resolves.toBeUndefined();
    });
  });

  describe('AbsentAgentSweeper', () => {
    it('fails a queued run once its cluster has had no agent for fleet.agentWait: audited, its job gone', async () => {
      const run = await queuedRun('r1');
      expect(await sweeper().sweep()).toEqual([]);
      expect((await store.get(run.id))?.state).toBe('queued');
      await new Promise((r) => setTimeout(r, WAIT + 50));
      expect(await sweeper().sweep()).toEqual([run.id]);
      const failed = await store.get(run.id);
      expect(failed?.state).toBe('failed');
      expect(failed?.error?.code).toBe('cluster_unreachable');
      expect(failed?.error?.message).toMatch(/^Cluster store-7 had no live agent for \d+ms while this run waited \(no agent has ever connected\); the run was not started\. Check the drover-agent pod in that cluster\.$/);
      expect(await queue.getJob(run.id)).toBeUndefined();
      const finished = (await audit.read()).filter((e) => e.type === 'run.finished');
      expect(finished).toMatchObject([{ runId: run.id, cluster: 'store-7', outcome: 'failed', error: { code: 'cluster_unreachable' } }]);
      // A second pass finds nothing to do.
      expect(await sweeper().sweep()).toEqual([]);
    });

    it('leaves the runs of a cluster whose agent is live, and counts the wait from when the agent was last seen', async () => {
      const run = await queuedRun('r2');
      const hb = await beat('a1', 'store-7');
      await new Promise((r) => setTimeout(r, WAIT + 50));
      expect(await sweeper().sweep()).toEqual([]);
      await hb.stop();
      // Gone just now: the run has waited WAIT with no agent only from here.
      expect(await sweeper().sweep()).toEqual([]);
      await waitFor(async () => (await sweeper().sweep()).includes(run.id), 'the run to be failed', 5000);
      expect((await store.get(run.id))?.error?.message).toMatch(/its agent was last seen \d+s ago/);
    });

    it('never touches a run an agent has taken: its job held by the agent, the run running', async () => {
      const run = await queuedRun('r3');
      const agentWorker = new Worker(fleetQueueName('store-7'), null, { connection: { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null }, prefix: `${prefix}:q`, autorun: false });
      closers.push(() => agentWorker.close(true));
      const job = await agentWorker.getNextJob('token-1');
      expect(job?.id).toBe(run.id);
      await store.start(run.id, ['queued'], { startedAt: new Date().toISOString() });
      await new Promise((r) => setTimeout(r, WAIT + 50));
      expect(await sweeper().sweep()).toEqual([]);
      expect((await store.get(run.id))?.state).toBe('running');
      expect(await queue.getJob(run.id)).toBeDefined();
    });

    it('a run the agent takes between the read and the move is refused by the compare-and-set, and left running', async () => {
      const run = await queuedRun('r4');
      await new Promise((r) => setTimeout(r, WAIT + 50));
      // The store the sweeper reads through: the agent starts the run right after the sweeper read it as queued.
      const racing = Object.create(store) as RunStore;
      racing.getMany = async (ids) => {
        const read = await store.getMany(ids);
        await store.start(run.id, ['queued'], { startedAt: new Date().toISOString() });
        return read;
      };
      expect(await sweeper({ store: racing }).sweep()).toEqual([]);
      const after = await store.get(run.id);
      expect(after?.state).toBe('running');
      expect(after?.error).toBeUndefined();
      expect((await audit.read()).some((e) => e.type === 'run.finished')).toBe(false);
      expect(await queue.getJob(run.id)).toBeDefined();
    });

    it('fails a run held for approval whose plan waits for the agent: the plan job goes, and the proposal', async () => {
      const run = await queuedRun('r6', 'planning');
      await new Promise((r) => setTimeout(r, WAIT + 50));
      expect(await sweeper().sweep()).toEqual([run.id]);
      const failed = await store.get(run.id);
      expect(failed?.state).toBe('failed');
      expect(failed?.error?.message).toMatch(/while this run waited \(no agent has ever connected\); the run was not planned\./);
      expect(await queue.getJob(planJobId(run.id))).toBeUndefined();
    });

    it('looks at a bounded number of runs per pass', async () => {
      for (let i = 0; i < 5; i++) await queuedRun(`r5-${i}`);
      await new Promise((r) => setTimeout(r, WAIT + 50));
      expect(await sweeper({ perPass: 2 }).sweep()).toHaveLength(2);
      expect(await sweeper({ perPass: 2 }).sweep()).toHaveLength(2);
      expect(await sweeper({ perPass: 2 }).sweep()).toHaveLength(1);
    });
  });
});
