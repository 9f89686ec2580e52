/**
 * Redis going away under a real `drover worker` that follows a schedule (a
 * Redis of the test's own, on its own port): killed and started again with its
 * data (AOF), the fires due meanwhile collapse into one (as when Drover is
 * down), no fire makes two runs, and fires go on after; started again empty
 * (no persistence), the schedule is registered again without restarting Drover.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { AuditEvent } from '../../../src/audit/events.js';
import { stopProcess } from '../../support/cli-process.js';
import { spawnReadyDrover } from '../../support/ready-worker.js';
import { startPrivateRedis, type PrivateRedis } from '../../support/redis-server.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';
import { writeWorkerFiles } from '../../support/worker-files.js';

type Fired = Extract<AuditEvent, { type: 'schedule.fired' }>;

const RUNBOOK = `import { defineRunbook, z } from 'drover';

export default defineRunbook({
  id: 'tidy',
  summary: 'Tidies a namespace',
  params: z.object({ namespace: z.string() }),
  triggers: { schedule: { name: 'often', cron: '*/2 * * * * *', timeZone: 'UTC', params: { namespace: 'ci' }, catchUp: '1m' } },
  concurrencyKey: (p) => 'namespace/' + p.namespace,
  async run(ctx, { namespace }) {
    await ctx.step('tidy', () => namespace);
  },
});
`;

const POLICY = `groups:
  automation: ['schedule:tidy/often']
rules:
  - groups: [automation]
    runbooks: [tidy]
    clusters: ['*']
`;

let redis: PrivateRedis;
let t: TestDrover;
let dir: string;
let worker: ChildProcess | undefined;
let logs = '';

async function fires(): Promise<Fired[]> {
  return (await t.drover.audit.read()).filter((e): e is AuditEvent & Fired => e.type === 'schedule.fired');
}

beforeAll(async () => {
  redis = await startPrivateRedis();
  t = await buildTestDrover({ runbooks: [], redisUrl: redis.url });
  let env: Record<string, string>;
  ({ dir, env } = writeWorkerFiles(t, 'drover-schedules-redis', { runbooks: { 'tidy.ts': RUNBOOK }, policy: POLICY }));
  await spawnReadyDrover(['worker'], { REDIS_URL: redis.url, ...env, LOG_LEVEL: 'info' }, (child) => {
    worker = child;
    child.stdout?.on('data', (d: Buffer) => (logs += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (logs += d.toString()));
  });
}, 60_000);

afterAll(async () => {
  if (worker) await stopProcess(worker, 'SIGKILL', 5_000);
  await t?.close().catch(() => undefined);
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 30_000);

it('Redis killed and restarted with its data: the fires due meanwhile run once, none makes two runs, and fires go on', async () => {
  await waitFor(async () => (await fires()).find((f) => f.outcome === 'queued'), 'a first scheduled run', 20_000);
  await redis.kill();
  const killedAt = Date.now();
  await new Promise((r) => setTimeout(r, 5_000));
  await redis.restart();
  const restartedAt = Date.now();

  await waitFor(async () => (await fires()).some((f) => Date.parse(f.scheduledAt) > restartedAt + 2_000 && f.outcome === 'queued'), 'an on-time fire after Redis came back', 30_000);
  const all = await fires();
  // Due while Redis was away (two or three fires every 2 s): one fire stands for them.
  const during = all.filter((f) => Date.parse(f.scheduledAt) > killedAt && Date.parse(f.scheduledAt) < restartedAt);
  expect(during.length).toBeLessThanOrEqual(1);
  // One fire per due time, and never two runs for one.
  const due = all.map((f) => f.scheduledAt);
  expect(new Set(due).size).toBe(due.length);
  const runIds = all.flatMap((f) => (f.outcome === 'queued' && f.runId ? [f.runId] : []));
  expect(new Set(runIds).size).toBe(runIds.length);
}, 90_000);

it('Redis started again empty (no persistence): the schedule is registered again without restarting Drover', async () => {
  const flusher = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  try {
    await flusher.flushall();
  } finally {
    flusher.disconnect();
  }
  const flushedAt = Date.now();
  // A restart without data, as a Redis in an emptyDir comes back.
  await redis.kill();
  await redis.restart();
  await waitFor(async () => (await fires().catch(() => [])).some((f) => Date.parse(f.scheduledAt) > flushedAt && f.outcome === 'queued'), `a fire after Redis lost its data (worker said: ${logs.slice(-2000)})`, 30_000);
}, 60_000);
