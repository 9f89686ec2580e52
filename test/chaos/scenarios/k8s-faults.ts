/**
 * Fault 4: the Kubernetes API misbehaving under a run's mutation (the restart
 * PATCH of diagnose-restart-deployment): 500s, 429 with Retry-After, a
 * connection reset before the server has the request, one after it applied it
 * (the outcome is unknown to Drover), answers slower than
 * clusters.requestTimeout, and an API that stays down. Retries must be bounded
 * (jobs.attempts), waits must honour Retry-After, nothing may be applied twice,
 * and the audit log must not claim a mutation failed when the server applied it.
 */
import { deliveryBody, mismatch, post } from '../harness/alerts.js';
import { auditedMutations } from '../harness/audit.js';
import { describeDuplicates, duplicates } from '../harness/mutations.js';
import { isFinished, settle } from '../harness/runs.js';
import { Stack } from '../harness/stack.js';
import type { Row } from '../harness/table.js';
import type { Fakes } from '../harness/fakes.js';
import { sleep, type Scenario, type ScenarioOptions } from './scenario.js';

const ATTEMPTS = 4;
const REQUEST_TIMEOUT_MS = 3000;

interface FaultKind {
  name: string;
  /** Arms the fault on deployment chaos/d-<i>'s PATCH. */
  arm(fakes: Fakes, i: number): Promise<void>;
  /** What a correct Drover ends with. */
  expect: 'succeeded' | 'failed';
  /** The server applied the mutation though the client saw an error. */
  appliedUnseen?: boolean;
}

const patchOf = (i: number): string => `/apis/apps/v1/namespaces/chaos/deployments/d-${i}(\\?|$)`;

const KINDS: FaultKind[] = [
  { name: '500 twice', arm: (f, i) => f.fail({ method: 'PATCH', pathPattern: patchOf(i), status: 500, times: 2 }), expect: 'succeeded' },
  { name: '500 for good', arm: (f, i) => f.fail({ method: 'PATCH', pathPattern: patchOf(i), status: 500, times: 50 }), expect: 'failed' },
  { name: '429 Retry-After 2', arm: (f, i) => f.fail({ method: 'PATCH', pathPattern: patchOf(i), status: 429, retryAfterSeconds: 2, times: 1 }), expect: 'succeeded' },
  { name: 'reset before the server has it', arm: (f, i) => f.fail({ method: 'PATCH', pathPattern: patchOf(i), drop: true, times: 1 }), expect: 'succeeded' },
  { name: 'reset after the server applied it', arm: (f, i) => f.hold({ method: 'PATCH', pathPattern: patchOf(i), phase: 'reset' }), expect: 'succeeded', appliedUnseen: true },
  { name: 'slower than requestTimeout', arm: (f, i) => f.fail({ method: 'PATCH', pathPattern: patchOf(i), delayMs: REQUEST_TIMEOUT_MS + 1500, times: 1 }), expect: 'succeeded', appliedUnseen: true },
  { name: 'slow, within requestTimeout', arm: (f, i) => f.fail({ method: 'PATCH', pathPattern: patchOf(i), delayMs: REQUEST_TIMEOUT_MS / 2, times: 1 }), expect: 'succeeded' },
  { name: 'API down (every request reset)', arm: (f, i) => f.fail({ pathPattern: `/deployments/d-${i}(\\?|$)`, drop: true, times: 1000 }), expect: 'failed' },
];

async function run(options: ScenarioOptions): Promise<Row[]> {
  const { log } = options;
  const perKind = options.short ? 1 : 2;
  const stack = await Stack.start({
    deployments: KINDS.length * perKind,
    config: { jobs: { attempts: ATTEMPTS, backoff: '200ms', maxBackoff: '5s' }, clusters: { requestTimeout: `${REQUEST_TIMEOUT_MS}ms` } },
  });
  const redis = stack.redis.client();
  try {
    await stack.startServe();
    await stack.startWorker();
    const targets: Array<{ kind: FaultKind; i: number }> = [];
    let fiveXx = 0;
    let accepted = 0;
    for (const kind of KINDS) {
      for (let n = 0; n < perKind; n++) {
        const i = targets.length;
        await kind.arm(stack.fakes, i);
        targets.push({ kind, i });
      }
    }
    const answer = await post(stack.base, deliveryBody(targets.map(({ i }) => mismatch(i, new Date(Date.UTC(2026, 3, 1)).toISOString()))));
    if (answer.status === 200) accepted = targets.length;
    else if (typeof answer.status === 'number' && answer.status >= 500) fiveXx += 1;
    const runs = await settle(redis, accepted, 120_000);
    await sleep(500);
    const mutations = await stack.fakes.mutations();
    const audited = await auditedMutations(redis);
    const rows: Row[] = [];
    for (const kind of KINDS) {
      const mine = targets.filter((t) => t.kind === kind);
      const kindRuns = mine.map(({ i }) => runs.find((r) => r.params.deployment === `d-${i}`));
      const finished = kindRuns.filter((r) => r && isFinished(r));
      const asExpected = kindRuns.filter((r) => r?.state === kind.expect).length;
      const patches = mine.map(({ i }) => mutations.filter((m) => m.method === 'PATCH' && m.path.endsWith(`/deployments/d-${i}`)).length);
      const dup = duplicates(
        mutations.filter((m) => mine.some(({ i }) => m.path.endsWith(`/deployments/d-${i}`))),
        /\/deployments\/d-\d+$/,
      );
      const outcomes = kindRuns.flatMap((r) => audited.filter((a) => a.runId === r?.id && !a.dryRun).map((a) => `${a.outcome}${a.errorCode ? `(${a.errorCode})` : ''}`));
      const retryWaits = await Promise.all(kindRuns.map((r) => (r ? retryDelays(stack, r.id) : Promise.resolve([]))));
      rows.push({
        fault: `k8s API: ${kind.name}`,
        sent: mine.length,
        accepted: mine.length,
        finished: finished.length,
        lost: mine.length - finished.length,
        duplicated: describeDuplicates(dup),
        crashes: '',
        fiveXx: '',
        leaks: '',
        notes:
          `${asExpected}/${mine.length} ${kind.expect} as expected${kindRuns.some((r) => r?.state !== kind.expect) ? ` (got ${kindRuns.map((r) => `${r?.state ?? 'none'}${r?.error ? `: ${r.error.code}` : ''}`).join(', ')})` : ''}; ` +
          `PATCHes per run ${patches.join(', ')} (attempts ≤ ${ATTEMPTS}); retry waits ${retryWaits.map((w) => `[${w.join(', ')}]`).join(' ')} ms; ` +
          `audit: ${outcomes.join(', ') || 'no mutation recorded'}${kind.appliedUnseen ? ' (the server applied the first one)' : ''}`,
      });
      log(`k8s-faults: ${kind.name}: ${kindRuns.map((r) => r?.state).join(', ')}`);
    }
    const leaks = await stack.leaks();
    // The process-wide counts once, on the first row.
    rows[0] = { ...rows[0]!, crashes: stack.crashes(), fiveXx, leaks };
    for (const row of rows.slice(1)) Object.assign(row, { crashes: '″', fiveXx: '″', leaks: '″' });
    return rows;
  } finally {
    redis.disconnect();
    await stack.stop();
  }
}

/** The waits a run's retries announced (its event stream), in ms. */
async function retryDelays(stack: Stack, runId: string): Promise<number[]> {
  const redis = stack.redis.client();
  try {
    const entries = (await redis.xrange(`chaos:run:${runId}:events`, '-', '+')) as Array<[string, string[]]>;
    return entries
      .map(([, f]) => JSON.parse(f[f.indexOf('e') + 1] ?? '{}') as { type?: string; delayMs?: number })
      .filter((e) => e.type === 'retry')
      .map((e) => e.delayMs ?? 0);
  } finally {
    redis.disconnect();
  }
}

export const k8sFaults: Scenario = { name: 'k8s-faults', run };
