/**
 * Two real `drover worker` processes started at the same instant, following a
 * schedule that fires every second: one job scheduler in Redis, and each fire
 * handled once (one audit event, at most one run per due time).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { AuditEvent } from '../../../src/audit/events.js';
import { spawnDrover, stopProcess } from '../../support/cli-process.js';
import { freePort } from '../../support/free-port.js';
import { buildTestDrover, type TestDrover } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';

type Fired = Extract<AuditEvent, { type: 'schedule.fired' }>;

const RUNBOOK = `import { defineRunbook, z } from 'drover';
export default defineRunbook({
  id: 'tick',
  summary: 'Ticks',
  params: z.object({}),
  triggers: { schedule: { name: 'every-second', cron: '* * * * * *', timeZone: 'UTC' } },
  async run(ctx) {
    await ctx.step('tick', () => 'tock');
  },
});
`;

let t: TestDrover;
let dir: string;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  t = await buildTestDrover({ runbooks: [] });
  dir = mkdtempSync(join(tmpdir(), 'drover-schedules-twins-'));
  mkdirSync(join(dir, 'runbooks'));
  writeFileSync(join(dir, 'runbooks', 'tick.ts'), RUNBOOK);
  writeFileSync(join(dir, 'policy.yaml'), "groups:\n  automation: ['schedule:tick/every-second']\nrules:\n  - groups: [automation]\n    runbooks: [tick]\n    clusters: ['*']\n");
  writeFileSync(join(dir, 'kubeconfig'), t.fake.kubeConfigYaml({ contextName: 'test' }));
  const ports = [await freePort(), await freePort()];
  for (const port of ports) {
    workers.push(
      spawnDrover(['worker'], {
        DROVER_REDIS_PREFIX: t.prefix,
        KUBECONFIG: join(dir, 'kubeconfig'),
        DROVER_SANDBOX: 'off',
        DROVER_RUNBOOKS_DIR: join(dir, 'runbooks'),
        DROVER_RUNBOOKS_CACHE: join(dir, `cache-${port}`),
        DROVER_POLICY: join(dir, 'policy.yaml'),
        DROVER_AUDIT_VERIFY_INTERVAL: '0',
        LOG_LEVEL: 'warn',
        PORT: String(port),
      }),
    );
  }
  for (const port of ports) await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok, 'both workers to be ready', 45_000);
}, 90_000);

afterAll(async () => {
  for (const w of workers) await stopProcess(w, 'SIGKILL', 5_000);
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 30_000);

it('one job scheduler, and each fire handled once', async () => {
  const fires = async () => (await t.drover.audit.read()).filter((e): e is AuditEvent & Fired => e.type === 'schedule.fired');
  await waitFor(async () => (await fires()).length >= 5, 'five fires', 30_000);
  const all = await fires();
  const due = all.map((f) => f.scheduledAt);
  expect(new Set(due).size).toBe(due.length);
  const runs = all.flatMap((f) => (f.outcome === 'queued' && f.runId ? [f.runId] : []));
  expect(new Set(runs).size).toBe(runs.length);
  expect(runs.length).toBeGreaterThan(0);
  const queue = new Queue('schedules', { connection: t.redis, prefix: `${t.prefix}:q` });
  try {
    expect((await queue.getJobSchedulers(0, -1)).map((s) => s.key)).toEqual(['tick/every-second']);
  } finally {
    await queue.close();
  }
}, 60_000);
