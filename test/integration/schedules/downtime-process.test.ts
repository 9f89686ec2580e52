/**
 * Drover down at fire time, with real processes: `drover worker` takes the
 * schedules' fires, is stopped across fires, and started again. The missed
 * fires of a schedule within its catch-up window run once (not once per
 * missed fire); those of a schedule beyond it are audited as missed, counting
 * the fires they stand for, and run nothing.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { AuditEvent } from '../../../src/audit/events.js';
import { isTerminal } from '../../../src/jobs/run-record.js';
import { stopProcess } from '../../support/cli-process.js';
import { drover } from '../../support/cli.js';
import { spawnReadyDrover } from '../../support/ready-worker.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';
import { writeWorkerFiles } from '../../support/worker-files.js';

type Fired = Extract<AuditEvent, { type: 'schedule.fired' }>;

const RUNBOOK = `import { defineRunbook, z } from 'drover';

export default defineRunbook({
  id: 'tidy',
  summary: 'Tidies a namespace',
  params: z.object({ namespace: z.string() }),
  triggers: {
    schedule: [
      { name: 'catch-up', cron: '*/5 * * * * *', timeZone: 'UTC', params: { namespace: 'ci' }, catchUp: '1m' },
      { name: 'no-catch-up', cron: '*/5 * * * * *', timeZone: 'UTC', params: { namespace: 'qa' }, catchUp: '1s' },
    ],
  },
  concurrencyKey: (p) => 'namespace/' + p.namespace,
  async run(ctx, { namespace }) {
    await ctx.step('tidy', () => namespace);
  },
});
`;

const POLICY = `groups:
  automation: ['schedule:tidy/*']
rules:
  - groups: [automation]
    runbooks: [tidy]
    clusters: ['*']
`;

let t: TestDrover;
let dir: string;
let env: Record<string, string>;
const children: ChildProcess[] = [];

async function startWorker(): Promise<ChildProcess> {
  return spawnReadyDrover(['worker'], env, (child) => children.push(child));
}

async function fires(): Promise<Fired[]> {
  return (await t.drover.audit.read()).filter((e): e is AuditEvent & Fired => e.type === 'schedule.fired');
}

beforeAll(async () => {
  t = await buildTestDrover({ runbooks: [] });
  ({ dir, env } = writeWorkerFiles(t, 'drover-schedules', { runbooks: { 'tidy.ts': RUNBOOK }, policy: POLICY }));
  env.LOG_LEVEL = 'warn';
}, 30_000);

afterAll(async () => {
  for (const child of children) await stopProcess(child, 'SIGKILL', 5_000);
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 30_000);

it('missed fires run once within the catch-up window, and are audited as missed beyond it', async () => {
  const first = await startWorker();
  // Stopped just after a run of the catch-up schedule finished: nothing of it is left queued.
  const fired = await waitFor(async () => (await fires()).find((f) => f.schedule === 'tidy/catch-up' && f.outcome === 'queued'), 'a first scheduled run', 30_000);
  await waitFor(async () => {
    const run = await t.drover.store.get(fired.runId as string);
    return run && isTerminal(run.state);
  }, 'the first scheduled run to finish', 15_000);
  expect(await stopProcess(first, 'SIGTERM')).toBe(0);
  const before = new Set((await fires()).map((f) => f.seq));
  const stoppedAt = Date.now();

  // Down across at least two fires of each schedule (every 5 s): any 10 s window holds two.
  await new Promise((r) => setTimeout(r, 11_000));
  const restartedAt = Date.now();
  await startWorker();

  const late = await waitFor(async () => {
    const after = (await fires()).filter((f) => !before.has(f.seq));
    const caught = after.filter((f) => f.schedule === 'tidy/catch-up' && Date.parse(f.scheduledAt) < restartedAt);
    const missed = after.filter((f) => f.schedule === 'tidy/no-catch-up' && Date.parse(f.scheduledAt) < restartedAt);
    return caught.length && missed.length ? { caught, missed } : undefined;
  }, 'the fires missed while Drover was down', 30_000);
  // Give a second catch-up fire (which must not exist) the time to show.
  await new Promise((r) => setTimeout(r, 1_500));
  const after = (await fires()).filter((f) => !before.has(f.seq));

  const caught = after.filter((f) => f.schedule === 'tidy/catch-up' && Date.parse(f.scheduledAt) < restartedAt);
  expect(caught).toHaveLength(1);
  expect(caught[0]).toMatchObject({ outcome: 'queued', cluster: 'test' });
  expect(Date.parse(caught[0]?.scheduledAt ?? '')).toBeGreaterThanOrEqual(stoppedAt - 1_000);
  const run = await waitFor(async () => {
    const r = await t.drover.store.get(caught[0]?.runId as string);
    return r && isTerminal(r.state) ? r : undefined;
  }, 'the catch-up run to finish', 15_000);
  expect(run).toMatchObject({ state: 'succeeded', requester: { kind: 'schedule', id: 'tidy/catch-up' } });

  const missed = after.filter((f) => f.schedule === 'tidy/no-catch-up' && Date.parse(f.scheduledAt) < restartedAt);
  expect(missed).toHaveLength(1);
  expect(missed[0]?.outcome).toBe('missed');
  expect(missed[0]?.reason).toMatch(/later than its catch-up window \(1s\): Drover was not running then/);
  expect(missed[0]?.missedFires).toBeGreaterThanOrEqual(2);
  expect(missed[0]?.runId).toBeUndefined();
  expect(late.caught.length).toBe(1);

  // After the restart both schedules fire on time again.
  await waitFor(async () => (await fires()).some((f) => f.schedule === 'tidy/no-catch-up' && f.outcome === 'queued' && Date.parse(f.scheduledAt) > restartedAt), 'an on-time fire after the restart', 20_000);

  // `drover schedules` shows each one: next fire in its zone, the policy's word, the last fire and run.
  const listed = await drover(t, ['schedules'], env);
  expect(listed.code).toBe(0);
  expect(listed.out).toMatch(/^tidy\/catch-up {2}\*\/5 \* \* \* \* \* \(UTC\) {2}next: \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? UTC$/m);
  expect(listed.out).toMatch(/^ {2}params: namespace=qa; missed fires run if at most 1\.0s late$/m);
  expect(listed.out).toMatch(/^ {2}cluster test: policy allows it; last fire \d{4}-.* UTC → (queued|skipped) run c\w+.*; last run c\w+: \w+/m);
  // And the policy check names the schedule's identity.
  const check = await drover(t, ['policy', 'check', 'schedule:tidy/catch-up', 'tidy', 'namespace=ci', '--cluster', 'test'], env);
  expect(check.out).toMatch(/Requester: +schedule:tidy\/catch-up \(schedule\)/);
  expect(check.code).toBe(0);
  const other = await drover(t, ['policy', 'check', 'schedule:other/nightly', 'tidy', 'namespace=ci', '--cluster', 'test'], env);
  expect(other.code).toBe(1);
}, 120_000);
