/**
 * Fault 1: a worker SIGKILLed at each kind of point of a run, then replaced.
 * A held request or answer (the fakes' proxy) pins the point exactly: before
 * the restart step's first request (between steps), with a mutation on its way
 * (inside a step), and with the mutation applied but its answer not yet
 * checkpointed. Then kills at seeded random moments under load. Runs come in
 * as alerts (diagnose-restart-deployment on chaos/d-<i>, delete-pod on its
 * pod), each on a target of its own, so the fake's request log shows any
 * mutation a run sent twice.
 */
import { crashLoop, deliveryBody, mismatch, post } from '../harness/alerts.js';
import { describeDuplicates, duplicates } from '../harness/mutations.js';
import { isFinished, settle } from '../harness/runs.js';
import { Stack } from '../harness/stack.js';
import type { Row } from '../harness/table.js';
import type { TestAlert } from '../../support/alerts.js';
import { waitFor } from '../../support/wait-for.js';
import type { HoldRule } from '../fakes/holding-proxy.js';
import { sleep, type Scenario, type ScenarioOptions } from './scenario.js';

type Target = { kind: 'restart'; i: number } | { kind: 'delete'; pod: string };

interface Point {
  name: string;
  target: 'restart' | 'delete';
  hold: (path: string) => HoldRule;
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const POINTS: Point[] = [
  { name: 'between steps', target: 'restart', hold: (p) => ({ method: 'GET', pathPattern: `${esc(p)}$`, phase: 'request', skip: 1 }) },
  { name: 'inside a step, mutation in flight', target: 'restart', hold: (p) => ({ method: 'PATCH', pathPattern: `${esc(p)}(\\?|$)`, phase: 'request' }) },
  { name: 'after the answer, before its checkpoint', target: 'restart', hold: (p) => ({ method: 'PATCH', pathPattern: `${esc(p)}(\\?|$)`, phase: 'response' }) },
  { name: 'inside a step, delete in flight', target: 'delete', hold: (p) => ({ method: 'DELETE', pathPattern: `${esc(p)}(\\?|$)`, phase: 'request' }) },
  { name: 'after the delete answered, before its checkpoint', target: 'delete', hold: (p) => ({ method: 'DELETE', pathPattern: `${esc(p)}(\\?|$)`, phase: 'response' }) },
];

async function run(options: ScenarioOptions): Promise<Row[]> {
  const { rng, log } = options;
  const rounds = options.short ? 1 : 2;
  const randomKills = options.short ? 2 : options.long ? 8 : 5;
  const deployments = POINTS.length * rounds + randomKills * 4 + 4;
  const stack = await Stack.start({ deployments });
  const redis = stack.redis.client();
  let sent = 0;
  let accepted = 0;
  let fiveXx = 0;
  let kills = 0;
  let pinned = 0;
  const missedPoints: string[] = [];
  try {
    await stack.startServe();
    let worker = await stack.startWorker();
    // One pod per deployment, and a spare count of deployments for restarts.
    const pods = (await stack.fakes.objects('pods', 'chaos')).map((p) => p.metadata.name ?? '').filter(Boolean);
    const podOf = new Map(pods.map((p) => [Number(/^d-(\d+)-/.exec(p)?.[1]), p]));
    let nextDeployment = 0;
    const take = (kind: Target['kind']): Target => {
      const i = nextDeployment++;
      return kind === 'restart' ? { kind, i } : { kind, pod: podOf.get(i) ?? `missing-${i}` };
    };
    const alertFor = (t: Target): TestAlert => {
      const startsAt = new Date(Date.UTC(2026, 0, 1) + sent * 1000).toISOString();
      return t.kind === 'restart' ? mismatch(t.i, startsAt) : crashLoop(t.pod, startsAt);
    };
    const deliver = async (targets: Target[]): Promise<void> => {
      const alerts = targets.map(alertFor);
      sent += alerts.length;
      const answer = await post(stack.base, deliveryBody(alerts));
      if (answer.status === 200) accepted += alerts.length;
      else if (typeof answer.status === 'number' && answer.status >= 500) fiveXx += 1;
    };
    const replace = async (): Promise<void> => {
      await worker.stop('SIGKILL');
      kills += 1;
      await stack.fakes.release();
      worker = await stack.startWorker();
    };

    for (let round = 0; round < rounds; round++) {
      for (const point of POINTS) {
        const target = take(point.target);
        const path = target.kind === 'restart' ? `/apis/apps/v1/namespaces/chaos/deployments/d-${target.i}` : `/api/v1/namespaces/chaos/pods/${target.pod}`;
        await stack.fakes.hold(point.hold(path));
        await deliver([target]);
        const held = await waitFor(async () => (await stack.fakes.held()).length > 0, `${point.name}: the held exchange`, 20_000).catch(() => false);
        if (held) pinned += 1;
        else missedPoints.push(point.name);
        await replace();
        log(`worker-kill: ${point.name} (${held ? 'pinned' : 'not reached'})`);
      }
    }
    for (let k = 0; k < randomKills; k++) {
      await deliver([take('restart'), take('restart'), take('delete'), take('delete')]);
      await sleep(rng.int(50, 2500));
      await replace();
      log(`worker-kill: random kill ${k + 1}/${randomKills}`);
    }
    const runs = await settle(redis, accepted, 90_000);
    const finished = runs.filter(isFinished);
    const succeeded = runs.filter((r) => r.state === 'succeeded').length;
    const failed = runs.filter((r) => r.state !== 'succeeded' && isFinished(r));
    const restarts = duplicates(await stack.fakes.mutations(), /^\/apis\/apps\/v1\/namespaces\/chaos\/deployments\/d-\d+$/);
    const deletes = duplicates(await stack.fakes.mutations(), /^\/api\/v1\/namespaces\/chaos\/pods\//);
    const errors = [...new Set(failed.map((r) => `${r.state}: ${r.error?.code ?? '?'}`))];
    return [
      {
        fault: 'worker SIGKILL (pinned points + random)',
        sent,
        accepted,
        finished: finished.length,
        lost: accepted - finished.length,
        duplicated: `restart: ${describeDuplicates(restarts)}; delete: ${describeDuplicates(deletes)}`,
        crashes: stack.crashes(),
        fiveXx,
        leaks: await stack.leaks(),
        notes:
          `${kills} kills, ${pinned}/${POINTS.length * rounds} points pinned${missedPoints.length ? ` (missed: ${missedPoints.join(', ')})` : ''}; ` +
          `${succeeded} succeeded, ${failed.length} did not${errors.length ? ` (${errors.join(', ')})` : ''}; ${runs.length - finished.length} unfinished`,
      },
    ];
  } finally {
    redis.disconnect();
    await stack.stop();
  }
}

export const workerKill: Scenario = { name: 'worker-kill', run };
