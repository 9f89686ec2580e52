/**
 * `drover rollout` in-process against a test Drover's Redis: the plan shown
 * before anything starts, --yes, approval by plan hash (never by the
 * requester), status, rollouts. The rollouts' runs are not executed here
 * (rollout.test.ts does that): no controller runs.
 */
import { Command, CommanderError } from 'commander';
import { Readable } from 'node:stream';
import { registerRolloutCommands } from '../../../src/cli/commands/rollout.js';
import type { CommandDeps } from '../../../src/cli/deps.js';
import { DroverError } from '../../../src/errors.js';
import { ALLOW_ALL_POLICY, ROOT, buildTestDrover, type TestDrover } from '../../support/test-drover.js';

let t: TestDrover;

beforeAll(async () => {
  t = await buildTestDrover();
  for (const name of ['store-001', 'store-002', 'store-003']) await t.drover.fleet.registry.register({ name, labels: { region: 'eu' }, createdAt: new Date().toISOString(), user: 'test' });
}, 30_000);

afterAll(async () => {
  await t?.close();
});

async function cli(args: string[], user = 'dave@laptop', input: string[] = []): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  let code = 0;
  const deps: CommandDeps = {
    env: { DROVER_REDIS_PREFIX: t.prefix, DROVER_POLICY: ALLOW_ALL_POLICY, DROVER_FLEET_AGENT_ABSENT: 'wait' },
    cwd: ROOT,
    user,
    stopSignal: new Promise(() => undefined),
    input: Readable.from(input.map((l) => `${l}\n`)),
    interactive: false,
    output: { out: (l) => out.push(l), err: (l) => err.push(l) },
  };
  const program = new Command('drover').exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  registerRolloutCommands(program, deps, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (e instanceof DroverError) {
      err.push(`error: ${e.message}`);
      code = 1;
    } else if (e instanceof CommanderError) code = 2;
    else throw e;
  }
  return { code, out: out.join('\n'), err: err.join('\n') };
}

it('shows the plan and starts nothing unless confirmed', async () => {
  const no = await cli(['rollout', 'expand-pvc', 'namespace=shop', 'pvc=data', '--clusters', 'region=eu', '--batch', '2', '--no-canary'], 'dave@laptop', ['n']);
  expect(no.out).toMatch(/^Rollout o[a-z0-9]+ of expand-pvc \(namespace=shop pvc=data growPercent=50 maxSize=1Ti\) on 3 clusters matching region=eu: 2 batches of 2, the last of 1 \(first: store-001, store-002\), pause on failure, stop after 1 failure\. It needs 1 approval/);
  expect(no.out).toContain('Not started.');
  expect(no.code).toBe(3);
  expect(await t.redis.zcard(`${t.prefix}:rollouts`)).toBe(0);
}, 30_000);

it('refuses a selector that matches nothing, naming it', async () => {
  const none = await cli(['rollout', 'expand-pvc', 'namespace=shop', 'pvc=data', '--clusters', 'region=mars', '--yes']);
  expect(none.err).toContain('No cluster matches region=mars (3 agent clusters registered');
  const bad = await cli(['rollout', 'expand-pvc', 'namespace=shop', 'pvc=data', '--clusters', 'region=e u', '--yes']);
  expect(bad.err).toContain('Invalid cluster selector');
}, 30_000);

it('with --yes stores it awaiting approval; the requester cannot approve it, someone else can, by its plan hash', async () => {
  const asked = await cli(['rollout', 'expand-pvc', 'namespace=shop', 'pvc=data', '--clusters', 'region=eu', '--yes']);
  const [, id, hash] = /Rollout (o[a-z0-9]+) awaits approval of plan ([0-9a-f]{12})/.exec(asked.out) ?? [];
  expect(id).toBeDefined();
  const listed = await cli(['rollouts']);
  expect(listed.out).toContain(`${id as string}  awaiting_approval`);
  const status = await cli(['rollout', 'status', id as string]);
  expect(status.out).toContain('awaiting approval: ✓ 0 succeeded, ✗ 0 failed, … 0 in progress, · 3 not started (of 3).');
  const self = await cli(['rollout', 'approve', id as string, hash as string]);
  expect(self.err).toContain('You asked for this rollout; someone else must approve it.');
  const unseen = await cli(['rollout', 'approve', id as string], 'erin@desk');
  expect(unseen.err).toContain(`To approve exactly this plan: drover rollout approve ${id as string} ${hash as string}`);
  // The allow-all policy names no cli: approver: a terminal name is typed, not authenticated.
  const typed = await cli(['rollout', 'approve', id as string, hash as string], 'erin@desk');
  expect(typed.err).toMatch(/may not approve it on store-001/);
  const rejected = await cli(['rollout', 'reject', id as string]);
  expect(rejected.out).toBe(`Rollout ${id as string} rejected; nothing was started.`);
  const after = await cli(['rollout', 'status', id as string, '--wait']);
  expect(after.out).toContain('Withdrawn by dave@laptop.');
  expect(after.code).toBe(6);
  expect((await cli(['rollout', 'resume', id as string])).err).toContain(`Rollout ${id as string} is rejected, not paused; there is nothing to resume.`);
}, 30_000);
