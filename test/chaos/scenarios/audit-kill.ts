/**
 * Fault 6: audit events under SIGKILL. Workers and serve are killed at
 * seeded moments while alert runs proceed, then replaced; once the runs are
 * finished and the audit outbox has drained, the real `drover audit verify`
 * (a process of its own, keyed with DROVER_AUDIT_KEY as every process is)
 * checks Redis against the checkpoints in DROVER_AUDIT_FILE, and
 * `drover audit verify --file` checks that file on its own. A gap is a
 * finished run without its run.finished event, or a succeeded restart
 * without its k8s.mutation event.
 */
import type { Redis } from 'ioredis';
import { deliveryBody, mismatch, post } from '../harness/alerts.js';
import { auditEvents } from '../harness/audit.js';
import { isFinished, settle } from '../harness/runs.js';
import { PREFIX, Stack } from '../harness/stack.js';
import type { Row } from '../harness/table.js';
import { sleep, type Scenario, type ScenarioOptions } from './scenario.js';

const AUDIT_KEY = 'chaos-audit-key-0123456789abcdef0123456789abcdef';

/** Waits until the audit stream stops growing for `quietMs` (bounded by `timeoutMs`). */
async function drained(redis: Redis, quietMs: number, timeoutMs: number): Promise<void> {
  let last = -1;
  let since = Date.now();
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline && Date.now() - since < quietMs; ) {
    const n = await redis.xlen(`${PREFIX}:audit`);
    if (n !== last) {
      last = n;
      since = Date.now();
    }
    await sleep(250);
  }
}

const lastLine = (text: string): string => text.split('\n').filter(Boolean).pop()?.slice(0, 160) ?? '';

async function run(options: ScenarioOptions): Promise<Row[]> {
  const { rng, log } = options;
  const kills = options.short ? 4 : options.long ? 12 : 8;
  const perKill = 3;
  const stack = await Stack.start({ deployments: kills * perKill + 2, auditKey: AUDIT_KEY });
  const redis = stack.redis.client();
  let sent = 0;
  let accepted = 0;
  let fiveXx = 0;
  let next = 0;
  const killed = { worker: 0, serve: 0 };
  const refused: string[] = [];
  try {
    await stack.startServe();
    let worker = await stack.startWorker();
    for (let k = 0; k < kills; k++) {
      const alerts = Array.from({ length: perKill }, () => mismatch(next++, new Date(Date.UTC(2026, 5, 1)).toISOString()));
      sent += alerts.length;
      const answer = await post(stack.base, deliveryBody(alerts));
      if (answer.status === 200) accepted += alerts.length;
      else {
        refused.push(`${answer.status} after ${answer.ms} ms`);
        if (typeof answer.status === 'number' && answer.status >= 500) fiveXx += 1;
      }
      await sleep(rng.int(50, 2000));
      // Every third kill takes serve (which audits alert intake and announcements) instead of the worker.
      if (k % 3 === 2 && stack.serve) {
        await stack.serve.stop('SIGKILL');
        killed.serve += 1;
        await stack.startServe();
      } else {
        await worker.stop('SIGKILL');
        killed.worker += 1;
        worker = await stack.startWorker();
      }
      log(`audit-kill: kill ${k + 1}/${kills}`);
    }
    const runs = await settle(redis, accepted, 90_000);
    await drained(redis, 3000, 30_000);
    const events = await auditEvents(redis);
    const finishedIds = new Set(events.filter((e) => e.type === 'run.finished').map((e) => String(e.runId)));
    const mutated = new Set(events.filter((e) => e.type === 'k8s.mutation' && e.dryRun !== true).map((e) => String(e.runId)));
    const finished = runs.filter(isFinished);
    const noFinished = finished.filter((r) => !finishedIds.has(r.id)).length;
    const noMutation = runs.filter((r) => r.state === 'succeeded' && !mutated.has(r.id)).length;
    // Stop the Drover processes first, so the file is complete and nothing writes while verifying.
    for (const p of [...stack.workers, ...(stack.serve ? [stack.serve] : [])]) await p.stop('SIGTERM', 15_000);
    const verify = await stack.cli(['audit', 'verify']);
    const file = stack.auditFile;
    const verifyFile = file ? await stack.cli(['audit', 'verify', '--file', file]) : undefined;
    log(`audit-kill: verify exit ${verify.code}; --file exit ${verifyFile?.code}`);
    const gaps = noFinished + noMutation;
    return [
      {
        fault: `audit under SIGKILL (${killed.worker} workers, ${killed.serve} serve)`,
        sent,
        accepted,
        finished: finished.length,
        lost: gaps + (verify.code === 0 ? 0 : 1) + (verifyFile?.code === 0 ? 0 : 1),
        duplicated: '',
        crashes: stack.crashes(),
        fiveXx,
        leaks: await stack.leaks(),
        notes:
          `${refused.length ? `webhook refused ${refused.length} deliveries (${refused.join(', ')}); ` : ''}${events.length} audit events; gaps: ${noFinished} finished runs without run.finished, ${noMutation} succeeded without k8s.mutation; ` +
          `audit verify exit ${verify.code} (${lastLine(verify.out + '\n' + verify.err)}); ` +
          `verify --file exit ${verifyFile?.code ?? 'not run'} (${lastLine(`${verifyFile?.out ?? ''}\n${verifyFile?.err ?? ''}`)})`,
      },
    ];
  } finally {
    redis.disconnect();
    await stack.stop();
  }
}

export const auditKill: Scenario = { name: 'audit-kill', run };
