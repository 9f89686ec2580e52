/**
 * Fault 7: every shipped mutating runbook not covered by worker-kill
 * (scale-deployment, raise-hpa-max, expand-pvc, cordon-node), with the worker
 * SIGKILLed after the API server applied its mutation and before the answer
 * reached it (the proxy holds the answer), so the step's checkpoint is never
 * written and the retry runs it again. The last three need approval: they are
 * submitted with the real CLI and approved through serve's Slack endpoint as a
 * second user (a signed `/drover approve <run> <plan>`), the path a person takes.
 * Counted from the fake's request log, and from the object's final state
 * (a raise applied twice shows as a second raise).
 */
import { signSlackRequest, slashCommandBody } from '../../../src/testing/index.js';
import { describeDuplicates, duplicates } from '../harness/mutations.js';
import { allRuns, isFinished, settle } from '../harness/runs.js';
import { PREFIX, SIGNING_SECRET, Stack } from '../harness/stack.js';
import type { Row } from '../harness/table.js';
import { waitFor } from '../../support/wait-for.js';
import type { Scenario, ScenarioOptions } from './scenario.js';

interface Case {
  runbook: string;
  params: string[];
  /** The mutated object's path (no query). */
  path: string;
  approval: boolean;
  /** The object's value that shows how many times the change was applied, and the value one application gives. */
  read: (stack: Stack) => Promise<unknown>;
  expected: unknown;
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const CASES: Case[] = [
  {
    runbook: 'scale-deployment',
    params: ['namespace=chaos', 'deployment=d-0', 'replicas=3'],
    path: '/apis/apps/v1/namespaces/chaos/deployments/d-0/scale',
    approval: false,
    read: async (s) => ((await s.fakes.objects('deployments', 'chaos')).find((o) => o.metadata.name === 'd-0')?.spec as { replicas?: number } | undefined)?.replicas,
    expected: 3,
  },
  {
    runbook: 'raise-hpa-max',
    params: ['namespace=chaos', 'hpa=h-0'],
    path: '/apis/autoscaling/v2/namespaces/chaos/horizontalpodautoscalers/h-0',
    approval: true,
    read: async (s) => ((await s.fakes.objects('horizontalpodautoscalers', 'chaos')).find((o) => o.metadata.name === 'h-0')?.spec as { maxReplicas?: number } | undefined)?.maxReplicas,
    expected: 9,
  },
  {
    runbook: 'expand-pvc',
    params: ['namespace=chaos', 'pvc=p-0'],
    path: '/api/v1/namespaces/chaos/persistentvolumeclaims/p-0',
    approval: true,
    read: async (s) => ((await s.fakes.objects('persistentvolumeclaims', 'chaos')).find((o) => o.metadata.name === 'p-0')?.spec as { resources?: { requests?: { storage?: string } } } | undefined)?.resources?.requests?.storage,
    expected: '15Gi',
  },
  {
    runbook: 'cordon-node',
    params: ['node=n-0'],
    path: '/api/v1/nodes/n-0',
    approval: true,
    read: async (s) => ((await s.fakes.objects('nodes')).find((o) => o.metadata.name === 'n-0')?.spec as { unschedulable?: boolean } | undefined)?.unschedulable,
    expected: true,
  },
];

/** Approves a held run as U0BOB with a signed slash command naming its plan hash; the HTTP status. */
async function approveInSlack(stack: Stack, runId: string): Promise<string> {
  const redis = stack.redis.client();
  try {
    let hash = '';
    await waitFor(
      async () => {
        const h = await redis.hgetall(`${PREFIX}:run:${runId}`);
        hash = h.state === 'awaiting_approval' && h.approval ? ((JSON.parse(h.approval) as { hash?: string }).hash ?? '') : '';
        return hash.length > 0;
      },
      `run ${runId} awaiting approval`,
      30_000,
    );
    const body = slashCommandBody({ text: `approve ${runId} ${hash.slice(0, 12)}`, userId: 'U0BOB', userName: 'bob', channelId: 'C0OPS' });
    const res = await fetch(`${stack.base}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SIGNING_SECRET, body) },
      body,
    });
    await res.text();
    return String(res.status);
  } finally {
    redis.disconnect();
  }
}

async function run(options: ScenarioOptions): Promise<Row[]> {
  const { log } = options;
  const stack = await Stack.start({ deployments: 2, slack: true });
  const redis = stack.redis.client();
  const rows: Row[] = [];
  try {
    await stack.startServe();
    let worker = await stack.startWorker();
    for (const c of CASES) {
      const notes: string[] = [];
      // Hold the real mutation's answer (not the dry run's, which plans the approval).
      await stack.fakes.hold({ method: 'PATCH', pathPattern: `^${esc(c.path)}(\\?(?!.*dryRun).*)?$`, phase: 'response' });
      const submitted = await stack.cli(['run', c.runbook, ...c.params]);
      const runId = /Run (\S+) /.exec(submitted.out)?.[1];
      if (!runId) throw new Error(`${c.runbook}: drover run exited ${submitted.code}: ${submitted.out} ${submitted.err}`);
      if (c.approval) notes.push(`approved in Slack (HTTP ${await approveInSlack(stack, runId)})`);
      const pinned = await waitFor(async () => (await stack.fakes.held()).length > 0, `${c.runbook}: the held answer`, 30_000).then(
        () => true,
        () => false,
      );
      await worker.stop('SIGKILL');
      await stack.fakes.release();
      worker = await stack.startWorker();
      const runs = await settle(redis, 1, 60_000);
      const mine = (await allRuns(redis)).find((r) => r.id === runId) ?? runs.find((r) => r.id === runId);
      const dup = duplicates(await stack.fakes.mutations(), new RegExp(`^${esc(c.path)}$`));
      const value = await c.read(stack);
      const twice = value !== c.expected;
      log(`idempotency: ${c.runbook}: ${mine?.state ?? 'no run'}, ${describeDuplicates(dup)}, value ${String(value)}`);
      rows.push({
        fault: `SIGKILL after the answer, before its checkpoint: ${c.runbook}`,
        sent: 1,
        accepted: mine ? 1 : 0,
        finished: mine && isFinished(mine) ? 1 : 0,
        lost: mine && isFinished(mine) ? 0 : 1,
        // A second change of the object shows in its value even when the request bodies match.
        duplicated: `${dup.sentTwice} sent again / ${Math.max(dup.appliedTwice, twice ? 1 : 0)} applied twice`,
        crashes: '',
        fiveXx: '',
        leaks: '',
        notes: `${pinned ? 'pinned' : 'not pinned'}; ${mine?.state ?? 'no run'}${mine?.error ? ` (${mine.error.code})` : ''}, attempts ${mine?.attempts ?? 0}; ${notes.join(', ')}${notes.length ? '; ' : ''}value after: ${String(value)} (one application: ${String(c.expected)})`,
      });
    }
    rows[0] = { ...rows[0]!, crashes: stack.crashes(), fiveXx: 0, leaks: await stack.leaks() };
    for (const row of rows.slice(1)) Object.assign(row, { crashes: '″', fiveXx: '″', leaks: '″' });
    return rows;
  } finally {
    redis.disconnect();
    await stack.stop();
  }
}

export const idempotency: Scenario = { name: 'idempotency', run };
