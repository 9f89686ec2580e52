/**
 * A rollout over 2,000 registered agent clusters on real Redis: planning asks
 * the policy about every cluster and stays quick, the plan reads as one line,
 * and the controller's first look queues exactly the first batch (nobody
 * serves these clusters; their runs wait in their queues).
 */
import pino from 'pino';
import { createRollouts } from '../../../src/fleet/rollout/create-rollouts.js';
import { RolloutController } from '../../../src/fleet/rollout/rollout-controller.js';
import { rolloutLines } from '../../../src/fleet/rollout/rollout-text.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';

const N = 2000;
let t: TestDrover;

beforeAll(async () => {
  // Runs for clusters without a live agent wait for one (nothing serves them here).
  t = await buildTestDrover({ configure: (c) => void (c.fleet.agentAbsent = 'wait') });
  const pipeline = t.redis.pipeline();
  for (let i = 0; i < N; i++) {
    const name = `store-${String(i).padStart(4, '0')}`;
    pipeline.hset(t.drover.fleet.registry.key, name, JSON.stringify({ name, labels: { region: i % 2 ? 'eu' : 'us', tier: 'store' }, createdAt: new Date().toISOString(), user: 'test' }));
  }
  await pipeline.exec();
}, 30_000);

afterAll(async () => {
  await t?.close();
}, 30_000);

it('plans 1,000 of 2,000 clusters quickly, and the first look queues the first batch only', async () => {
  const rollouts = createRollouts(t.drover, t.redis);
  const started = Date.now();
  const planned = await rollouts.plan({ runbook: 'restart-deployment', params: { namespace: 'shop', deployment: 'web' }, selector: 'region=eu,tier=store', batchSize: 50, requester: { kind: 'slack', id: 'UADA', name: 'ada' } });
  const planMs = Date.now() - started;
  expect(planned.rollout.clusters).toHaveLength(1000);
  expect(planned.text).toBe(
    `Rollout ${planned.rollout.id} of restart-deployment (namespace=shop deployment=web) on 1000 clusters matching region=eu,tier=store: a canary (store-0001), then 20 batches of 50, the last of 49, pause on failure, stop after 1 failure.`,
  );
  expect(planMs).toBeLessThan(10_000);
  const r = await rollouts.start(planned);
  const controller = new RolloutController({ rollouts, logger: pino({ level: 'silent' }) });
  await controller.tick();
  await controller.tick();
  const now = await rollouts.status(r.id);
  const states = Object.values(now.targets).map((x) => x.state);
  expect(states.filter((s) => s === 'queued')).toHaveLength(1);
  expect(states.filter((s) => s === 'pending')).toHaveLength(999);
  expect(rolloutLines(now).length).toBeLessThanOrEqual(6);
  await rollouts.abort(r.id, { kind: 'slack', id: 'UADA', name: 'ada' });
  expect((await t.drover.store.get(`store-0001.${r.id}`))?.state).toBe('cancelled');
  await controller.close();
}, 60_000);
