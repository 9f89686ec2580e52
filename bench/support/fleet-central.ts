// The central Drover as the fleet benchmark's load generator sees it: the
// compiled CLI's runtime (as `drover run` and `drover agent token create`
// use it: the registry, the run queue, the run store, the audit log), in the
// benchmark's process. The relay runs in a separate `drover serve`.
import { droverEnv } from './drover-process.js';
import { repoRoot } from './paths.js';
import type { Workspace } from './workspace.js';
import type { Runtime } from '../../src/cli/runtime.js';
import { isTerminal, type RunRecord } from '../../src/jobs/run-record.js';
import { roomPrefix } from '../../src/fleet/names.js';
import { clusterName } from './fleet-names.js';
import { waitFor } from './stats.js';

export const BENCH_REQUESTER = { kind: 'cli' as const, id: 'bench@localhost', name: 'bench@localhost' };

export async function openCentral(redisUrl: string, workspace: Workspace): Promise<Runtime> {
  const { openRuntime } = await import('../../src/cli/runtime.js');
  return openRuntime({ env: droverEnv({ redisUrl, workspace, port: 0 }), cwd: repoRoot }, { withClusters: false, logLevel: 'warn' });
}

/** The records of these runs, 500 per round trip. */
export async function recordsOf(rt: Runtime, ids: string[]): Promise<Array<RunRecord | undefined>> {
  const out: Array<RunRecord | undefined> = [];
  for (let i = 0; i < ids.length; i += 500) out.push(...(await rt.drover.store.getMany(ids.slice(i, i + 500))));
  return out;
}

/** Polls the run records until every one is terminal; how many are, by state. */
export async function untilTerminal(rt: Runtime, ids: string[], timeoutMs: number): Promise<Record<string, number>> {
  let counts: Record<string, number> = {};
  await waitFor(async () => {
    counts = {};
    for (const run of await recordsOf(rt, ids)) {
      const state = run ? (isTerminal(run.state) ? run.state : 'unfinished') : 'missing';
      counts[state] = (counts[state] ?? 0) + 1;
    }
    return !counts.unfinished && !counts.missing;
  }, timeoutMs, 100);
  return counts;
}

/** Waits until no cluster's stream or outbox holds an event the relay has not moved into the chain. */
export async function untilRelayed(rt: Runtime, prefix: string, clusters: number, timeoutMs: number): Promise<number> {
  let left = 0;
  await waitFor(async () => {
    const pipeline = rt.redis.pipeline();
    for (let n = 1; n <= clusters; n++) pipeline.xlen(`${roomPrefix(prefix, clusterName(n))}:audit`).hlen(`${roomPrefix(prefix, clusterName(n))}:audit:outbox`);
    pipeline.hlen(`${prefix}:audit:outbox`);
    left = ((await pipeline.exec()) ?? []).reduce((sum, [, v]) => sum + Number(v ?? 0), 0);
    return left === 0;
  }, timeoutMs, 100);
  return left;
}

/**
 * Follows the central chain from stream id `after` until each of `ids` has its
 * run.finished there (a few reads of 1,000 events, not a look at every run);
 * the events read and the ms (performance.now()) the last one was seen.
 */
export async function untilFinishedInChain(rt: Runtime, after: string, ids: Set<string>, timeoutMs: number): Promise<{ finished: number; events: number; at: number }> {
  let cursor = after;
  let finished = 0;
  let events = 0;
  let at = performance.now();
  await waitFor(async () => {
    for (let round = 0; round < 1000; round++) {
      const batch = await rt.drover.audit.read({ after: cursor, count: 1000 });
      if (!batch.length) break;
      events += batch.length;
      for (const e of batch) {
        if (e.type === 'run.finished' && 'runId' in e && ids.has(e.runId)) {
          finished++;
          at = performance.now();
        }
      }
      cursor = batch.at(-1)?.id ?? cursor;
    }
    return finished >= ids.size;
  }, timeoutMs, 100);
  return { finished, events, at };
}
