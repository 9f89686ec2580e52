/**
 * A fleet rollout whose agents authenticate as their clusters' ACL users (on a
 * Redis of the test's own): the agent checks the rollout's approval from what
 * its run carries and its own keys only (the rollout record, the registry and
 * the central indexes are out of its reach), the rollout completes, and Redis
 * logs no refusal for either agent. A run claiming that approval for other
 * params is refused by the agent.
 */
import type { Redis } from 'ioredis';
import pino from 'pino';
import { isTerminal, type RunRecord } from '../../../src/jobs/run-record.js';
import { createRollouts } from '../../../src/fleet/rollout/create-rollouts.js';
import { RolloutController } from '../../../src/fleet/rollout/rollout-controller.js';
import type { Rollout } from '../../../src/fleet/rollout/plan.js';
import type { Rollouts } from '../../../src/fleet/rollout/rollouts.js';
import { defineRunbook, secret, z } from '../../../src/sdk/index.js';
import type { Runbook } from '../../../src/runbook/types.js';
import { startK8sFake, type K8sFake } from '../../../src/testing/index.js';
import { startPrivateRedis, type PrivateRedis } from '../../support/redis-server.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { aclDenials, startAclAgent, type AclAgent } from '../../support/fleet-agent.js';
import { waitFor } from '../../support/wait-for.js';

const CLUSTERS = ['acl-a', 'acl-b'];
const ada = { kind: 'slack' as const, id: 'UADA', name: 'ada' };
const bob = { kind: 'slack' as const, id: 'UBOB', name: 'bob' };
const ran: string[] = [];

const runbooks = [
  defineRunbook({
    id: 'fleet-guarded',
    summary: 'Touches a cluster with a secret, with approval',
    params: z.object({ label: z.string(), pin: secret(z.string()) }),
    approval: { required: 'always', approvers: 1 },
    async run(ctx, p) {
      await ctx.step('touch', () => {
        ran.push(`${ctx.cluster}:${p.label}:${p.pin}`);
        return Promise.resolve();
      });
    },
  }),
] as Runbook[];

let server: PrivateRedis;
let t: TestDrover;
let fake: K8sFake;
let rollouts: Rollouts;
let controller: RolloutController;
const agents: AclAgent[] = [];

function denied(): Promise<string[]> {
  return aclDenials(
    t.redis,
    agents.map((a) => a.user),
  );
}

beforeAll(async () => {
  server = await startPrivateRedis();
  fake = await startK8sFake();
  t = await buildTestDrover({ redisUrl: server.url, runbooks, fake });
  t.drover.startHousekeeping();
  for (const cluster of CLUSTERS) agents.push(await startAclAgent(t, server.url, { cluster, fake, labels: { tier: 'acl' } }));
  await t.redis.call('ACL', 'LOG', 'RESET');
  rollouts = createRollouts(t.drover, t.redis);
  controller = new RolloutController({ rollouts, logger: pino({ level: 'silent' }), intervalMs: 100 });
  controller.start();
}, 30_000);

afterAll(async () => {
  await controller?.close();
  for (const agent of agents) await agent.close();
  await t?.close();
  await fake?.stop();
  await server?.stop();
}, 30_000);

it('agents under their ACL users check the rollout approval themselves and run it, with no refusal logged', async () => {
  const planned = await rollouts.plan({ runbook: 'fleet-guarded', params: { label: 'x', pin: '4711' }, selector: 'tier=acl', requester: ada });
  const r = await rollouts.start(planned);
  await rollouts.approve(r.id, bob, r.hash);
  const done = await waitFor(async () => {
    const now: Rollout = await rollouts.get(r.id);
    return ['succeeded', 'failed', 'stopped'].includes(now.state) ? now : undefined;
  }, 'the rollout to end', 30_000);
  expect(done.state).toBe('succeeded');
  expect(ran.sort()).toEqual(['acl-a:x:4711', 'acl-b:x:4711']);
  expect(await denied()).toEqual([]);
  // What the agent checked it against is out of its reach.
  await expect((agents[0]?.redis as Redis).hgetall(`${t.prefix}:rollout:${r.id}`)).rejects.toThrow(/NOPERM/);

  // A run on acl-a claiming this approval for another secret is refused by acl-a's agent.
  const genuine = (await t.drover.store.get(`acl-a.${r.id}`)) as RunRecord;
  const prepared = await t.drover.queue.prepare({ runbook: 'fleet-guarded', params: { label: 'x', pin: '0000' }, cluster: 'acl-a', requester: ada, runId: 'forged-pin' });
  const forged = await t.drover.queue.submitPrepared({ ...prepared, record: { ...prepared.record, rollout: genuine.rollout } });
  const ended = await waitFor(async () => {
    const now = await t.drover.store.get(forged.id);
    return now && isTerminal(now.state) ? now : undefined;
  }, 'the forged run to end', 20_000);
  expect(ended.error?.code).toBe('approval_void');
  expect(ran).toHaveLength(2);
}, 60_000);
