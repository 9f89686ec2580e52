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

// Takes longer than the interval between its fires: they overlap.
const SLOW = `import { defineRunbook, z } from 'drover';
export default defineRunbook({
  id: 'slow',
  summary: 'Takes its time',
  params: z.object({}),
  triggers: { schedule: { name: 'every-second', cron: '* * * * * *', timeZone: 'UTC' } },
  async run(ctx) {
    await ctx.step('wait', () => new Promise((resolve) => setTimeout(resolve, 2500)));
  },
});
`;

let t: TestDrover;
let ports: number[] = [];
let dir: string;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  t = await buildTestDrover({ runbooks: [] });
  dir = mkdtempSync(join(tmpdir(), 'drover-schedules-twins-'));
  mkdirSync(join(dir, 'runbooks'));
  writeFileSync(join(dir, 'runbooks', 'tick.ts'), RUNBOOK);
  writeFileSync(join(dir, 'runbooks', 'slow.ts'), SLOW);
  writeFileSync(join(dir, 'policy.yaml'), "groups:\n  automation: ['schedule:tick/every-second', 'schedule:slow/*']\nrules:\n  - groups: [automation]\n    runbooks: [tick, slow]\n    clusters: ['*']\n");
  writeFileSync(join(dir, 'kubeconfig'), t.fake.kubeConfigYaml({ contextName: 'test' }));
  ports = [await freePort(), await freePort()];
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
  const due = all.filter((f) => f.schedule === 'tick/every-second').map((f) => f.scheduledAt);
  expect(new Set(due).size).toBe(due.length);
  const runs = all.flatMap((f) => (f.schedule === 'tick/every-second' && f.outcome === 'queued' && f.runId ? [f.runId] : []));
  expect(new Set(runs).size).toBe(runs.length);
  expect(runs.length).toBeGreaterThan(0);
  const queue = new Queue('schedules', { connection: t.redis, prefix: `${t.prefix}:q` });
  try {
    expect((await queue.getJobSchedulers(0, -1)).map((s) => s.key).sort()).toEqual(['slow/every-second', 'tick/every-second']);
  } finally {
    await queue.close();
  }
}, 60_000);

it('a run longer than the interval: the fires meanwhile are skipped, each once, counted once, and runs never overlap', async () => {
  const fires = async () => (await t.drover.audit.read()).filter((e): e is AuditEvent & Fired => e.type === 'schedule.fired' && e.schedule === 'slow/every-second');
  await waitFor(async () => (await fires()).filter((f) => f.outcome === 'queued').length >= 2, 'two runs of the slow schedule', 30_000);
  const all = await fires();
  expect(new Set(all.map((f) => f.scheduledAt)).size).toBe(all.length);
  const skipped = all.filter((f) => f.outcome === 'skipped');
  expect(skipped.length).toBeGreaterThanOrEqual(1);
  for (const f of skipped) expect(f.reason).toMatch(/^the previous run c\w+ is still (queued|running)$/);
  // The runs one after the other.
  const runs = await Promise.all(all.filter((f) => f.outcome === 'queued').map(async (f) => t.drover.store.get(f.runId as string)));
  const spans = runs.flatMap((r) => (r?.startedAt ? [[Date.parse(r.startedAt), r.finishedAt ? Date.parse(r.finishedAt) : Infinity] as const] : [])).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
  // Counted as audited: the two workers' counters add up to the audit log's fires (read after both settle).
  const counted = async () => {
    let sum = 0;
    for (const port of ports) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      for (const m of text.matchAll(/^drover_schedule_fires_total\{[^}]*runbook="slow"[^}]*\} (\d+)$/gm)) sum += Number(m[1]);
    }
    return sum;
  };
  await waitFor(async () => (await counted()) === (await fires()).length, 'the fires counted as audited', 10_000);
}, 60_000);
