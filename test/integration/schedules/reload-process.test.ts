/**
 * A runbook reload (drover worker --watch-runbooks, a real process, real file
 * changes) reconciles the schedules too: a changed cron replaces the job
 * scheduler, a removed schedule is deleted.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { stopProcess } from '../../support/cli-process.js';
import { spawnReadyDrover } from '../../support/ready-worker.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';
import { writeWorkerFiles } from '../../support/worker-files.js';

const runbook = (schedule: string) => `import { defineRunbook, z } from 'drover';

export default defineRunbook({
  id: 'tidy',
  summary: 'Tidies a namespace',
  params: z.object({ namespace: z.string() }),
  triggers: { schedule: ${schedule} },
  async run(ctx, { namespace }) {
    await ctx.step('tidy', () => namespace);
  },
});
`;

let t: TestDrover;
let dir: string;
let env: Record<string, string>;
let child: ChildProcess | undefined;
let queue: Queue;

beforeAll(async () => {
  t = await buildTestDrover({ runbooks: [] });
  ({ dir, env } = writeWorkerFiles(t, 'drover-schedules-reload', {
    runbooks: { 'tidy.ts': runbook(`[{ name: 'nightly', cron: '0 3 * * *', timeZone: 'Europe/Paris', params: { namespace: 'ci' } }, { name: 'hourly', cron: '0 * * * *', timeZone: 'UTC', params: { namespace: 'ci' } }]`) },
    policy: "groups: { automation: ['schedule:*'] }\nrules: [{ groups: [automation], runbooks: ['*'], clusters: ['*'] }]\n",
  }));
  queue = new Queue('schedules', { connection: t.redis, prefix: `${t.prefix}:q` });
}, 30_000);

afterAll(async () => {
  if (child) await stopProcess(child, 'SIGKILL', 5_000);
  await queue?.close();
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 30_000);

const schedulers = async () => (await queue.getJobSchedulers(0, -1)).map((s) => `${s.key} ${s.pattern ?? ''} ${s.tz ?? ''}`).sort();

it('a changed runbook file changes its job schedulers', async () => {
  await spawnReadyDrover(['worker', '--watch-runbooks'], { ...env, LOG_LEVEL: 'warn' }, (spawned) => (child = spawned));
  expect(await schedulers()).toEqual(['tidy/hourly 0 * * * * UTC', 'tidy/nightly 0 3 * * * Europe/Paris']);

  writeFileSync(join(dir, 'runbooks', 'tidy.ts'), runbook(`{ name: 'nightly', cron: '30 4 * * *', timeZone: 'Europe/Paris', params: { namespace: 'ci' } }`));
  await waitFor(async () => (await schedulers()).join(',') === 'tidy/nightly 30 4 * * * Europe/Paris', 'the reload to reach the job schedulers', 20_000);
  // One pending fire, of the new definition.
  expect((await queue.getDelayed()).map((j) => j.repeatJobKey)).toEqual(['tidy/nightly']);
}, 90_000);
