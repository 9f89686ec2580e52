/**
 * The real CLI (`drover rollout …`, `drover clusters`) the way a tired SRE
 * meets it: no Redis, an unknown runbook, a selector matching nothing, a
 * policy saying no, bad numbers, and 2,000 registered clusters.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createRollouts } from '../../../src/fleet/rollout/create-rollouts.js';
import { RolloutController } from '../../../src/fleet/rollout/rollout-controller.js';
import { drover } from '../../support/cli.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';

let t: TestDrover;
let dir: string;
let denyPolicy: string;

beforeAll(async () => {
  t = await buildTestDrover({ configure: (c) => { c.fleet.agentAbsent = 'wait'; } });
  dir = mkdtempSync(join(tmpdir(), 'drover-rollout-attack-'));
  denyPolicy = join(dir, 'deny.yaml');
  // Only hq may be touched: a rollout over the eu clusters is refused.
  writeFileSync(denyPolicy, "groups:\n  everyone: ['*', 'cli:*']\nrules:\n  - groups: [everyone]\n    runbooks: ['*']\n    clusters: [hq]\n");
  const names = Array.from({ length: 2000 }, (_, i) => `store-${i + 1}`);
  const at = new Date().toISOString();
  for (let i = 0; i < names.length; i += 200) {
    await Promise.all(names.slice(i, i + 200).map((name, j) => t.drover.fleet.registry.register({ name, labels: { region: (i + j) % 2 ? 'us' : 'eu' }, createdAt: at, user: 'test' })));
  }
}, 120_000);

afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = { DROVER_FLEET_AGENT_ABSENT: 'wait' };

const RESTART = ['rollout', 'restart-deployment', 'namespace=shop', 'deployment=web'];
const NO_REDIS = { REDIS_URL: 'redis://127.0.0.1:1' };

it.each([
  ['rollout, no Redis', [...RESTART, '--clusters', 'region=eu', '--yes'], NO_REDIS, 5, /Redis is not answering at redis:\/\/127\.0\.0\.1:1.*Start Redis or set REDIS_URL/],
  ['rollout status, no Redis', ['rollout', 'status', 'oabcdefg'], NO_REDIS, 5, /Redis is not answering/],
  ['clusters, no Redis', ['clusters'], NO_REDIS, 5, /Redis is not answering/],
  ['an unknown runbook', ['rollout', 'no-such-runbook', '--clusters', 'region=eu', '--yes'], {}, 2, /Unknown runbook "no-such-runbook"\. Known runbooks: /],
  ['a selector matching nothing', [...RESTART, '--clusters', 'region=mars', '--yes'], {}, 2, /^error: No cluster matches region=mars \(2000 agent clusters registered; drover clusters shows their labels\)\.$/],
  ['a hostile selector', [...RESTART, '--clusters', '=,=,', '--yes'], {}, 2, /Invalid cluster selector: "" is not a label key/],
  ['--batch 0', [...RESTART, '--clusters', 'region=eu', '--batch', '0', '--yes'], {}, 2, /--batch must be a whole number of at least 1 \(got "0"\)/],
  ['--batch -1', [...RESTART, '--clusters', 'region=eu', '--batch', '-1', '--yes'], {}, 2, /--batch must be a whole number/],
  ['a huge --batch', [...RESTART, '--clusters', 'region=eu', '--batch', '99999999999', '--yes'], {}, 2, /--batch must be a whole number/],
  ['--batch above the limit', [...RESTART, '--clusters', 'region=eu', '--batch', '10001', '--yes'], {}, 2, /The batch size must be a whole number from 1 to 10000 \(got 10001\)/],
  ['--max-failures 0', [...RESTART, '--clusters', 'region=eu', '--max-failures', '0', '--yes'], {}, 2, /--max-failures must be a whole number of at least 1/],
])('%s', async (_name, args, over, code, message) => {
  const r = await drover(t, args, { ...env, ...over });
  expect(r.code).toBe(code);
  expect(r.err).toMatch(message);
  expect(await t.redis.zcard(`${t.prefix}:rollouts`)).toBe(0);
}, 30_000);

it('a policy refusing 1,000 clusters says so in a bounded message, exit 7, and stores nothing', async () => {
  const r = await drover(t, [...RESTART, '--clusters', 'region=eu', '--yes'], { ...env, DROVER_POLICY: denyPolicy });
  expect(r.code).toBe(7);
  expect(r.err).toMatch(/^error: The policy refuses restart-deployment on 1000 of 1000 cluster\(s\): store-1: Denied: /);
  expect(r.err).toContain('; and 990 more.');
  expect(r.err.length).toBeLessThan(3000);
  expect(await t.redis.zcard(`${t.prefix}:rollouts`)).toBe(0);
}, 30_000);

it('a rollout over 1,000 of 2,000 clusters: its plan is one line, its status a few; drover clusters answers quickly', async () => {
  const started = Date.now();
  const r = await drover(t, [...RESTART, '--clusters', 'region=eu', '--batch', '50', '--yes'], env);
  expect(r.code).toBe(0);
  expect(Date.now() - started).toBeLessThan(10_000);
  const lines = r.out.split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/^Rollout o[a-z0-9]+ of restart-deployment \(namespace=shop deployment=web\) on 1000 clusters matching region=eu: a canary \(store-1\), then 20 batches of 50, the last of 49, pause on failure, stop after 1 failure\.$/);
  const id = /Rollout (o[a-z0-9]+) started/.exec(r.out)?.[1] as string;
  const status = await drover(t, ['rollout', 'status', id], env);
  expect(status.code).toBe(0);
  expect(status.out.split('\n').length).toBeLessThanOrEqual(6);
  expect(status.out.length).toBeLessThan(3000);

  const t0 = Date.now();
  const json = await drover(t, ['clusters', '--json'], env);
  expect(json.code).toBe(0);
  expect(JSON.parse(json.out)).toHaveLength(2000);
  const table = await drover(t, ['clusters', '--label', 'region=us'], env);
  expect(table.code).toBe(0);
  expect(table.out.split('\n')).toHaveLength(1002);
  expect(Date.now() - t0).toBeLessThan(10_000);
}, 60_000);

it('a batch too large to queue within half the controller\'s lock is queued over several looks, each run once', async () => {
  const rollouts = createRollouts(t.drover, t.redis);
  const r = await rollouts.start(await rollouts.plan({ runbook: 'restart-deployment', params: { namespace: 'shop', deployment: 'web' }, selector: 'region=us', batchSize: 1000, canary: false, requester: { kind: 'slack', id: 'UX' } }));
  const controller = new RolloutController({ rollouts, logger: pino({ level: 'silent' }), lockMs: 400 });
  const queued = async () => Object.values((await rollouts.get(r.id)).targets).filter((x) => x.state === 'queued').length;
  const t0 = Date.now();
  await controller.advance(r.id);
  expect(Date.now() - t0).toBeLessThan(2000);
  const first = await queued();
  expect(first).toBeGreaterThan(0);
  expect(first).toBeLessThan(1000);
  for (let look = 0; look < 200 && (await queued()) < 1000; look += 1) await controller.advance(r.id);
  expect(await queued()).toBe(1000);
  const events = await t.drover.audit.read();
  expect(events.filter((e) => e.type === 'run.queued' && e.runId.endsWith(`.${r.id}`))).toHaveLength(1000);
  expect(events.filter((e) => e.type === 'rollout.batch.started' && e.rolloutId === r.id)).toHaveLength(1);
}, 120_000);
