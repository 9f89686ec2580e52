// What every part of the benchmark is given: sizes, the own Redis, the
// Kubernetes fake, the workspace, the processes, and where results go.
import type { Children } from './children.js';
import type { FakeProcess } from './k8s-fake-process.js';
import type { BenchRedis } from './redis-server.js';
import type { Row } from './results.js';
import type { Workspace } from './workspace.js';

export interface BenchContext {
  /** Smaller sizes and shorter waits, for a smoke test. */
  quick: boolean;
  /** Heap snapshots of the processes under test, summarised. */
  heap: boolean;
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

/** Empties the benchmark's Redis between parts, so each starts from nothing. */
export async function resetRedis(ctx: BenchContext): Promise<void> {
  await ctx.redis.client.flushall();
}
