// What every part of the benchmark is given: sizes, the own Redis, the
// Kubernetes fake, the workspace, the processes, and where results go.
import type { Children } from './children.js';
import { profileOf, topSelfTime } from './cpu-profile.js';
import type { FakeProcess } from './k8s-fake-process.js';
import type { BenchRedis } from './redis-server.js';
import type { Row } from './results.js';
import type { Workspace } from './workspace.js';

export interface BenchContext {
  /** Smaller sizes and shorter waits, for a smoke test. */
  quick: boolean;
  /** Heap snapshots of the processes under test, summarised. */
  heap: boolean;
  /** CPU profiles of the processes under test, summarised (the storm parts). */
  profile: boolean;
  /** The fleet part's number of simulated clusters, when given. */
  clusters?: number;
  children: Children;
  redis: BenchRedis;
  fake: FakeProcess;
  workspace: Workspace;
  /** Prints a detail line at once. */
  log(line: string): void;
  /** Adds a line to the closing table. */
  row(row: Row): void;
  rows: Row[];
}

/** After a profiled process has exited: the functions with the most self time. */
export function logProfile(ctx: BenchContext, name: string, pid: number): void {
  if (!ctx.profile) return;
  const file = profileOf(ctx.workspace.profileDir, pid);
  if (!file) {
    ctx.log(`  ${name}: no CPU profile written (did it exit cleanly?)`);
    return;
  }
  ctx.log(`  ${name}: CPU profile ${file}, whole life of the process; top self time:`);
  for (const line of topSelfTime(file)) ctx.log(`    ${line}`);
}

/** Empties the benchmark's Redis between parts, so each starts from nothing. */
export async function resetRedis(ctx: BenchContext): Promise<void> {
  await ctx.redis.client.flushall();
}
