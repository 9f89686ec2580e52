// The processes that hold the fleet benchmark's simulated clusters
// (processes/fleet-agents.js), a few hundred per process so that each stays
// well under its file descriptor limit (an agent holds four sockets).
import type { Children, Child } from './children.js';
import { droverEnv } from './drover-process.js';
import { FLOOR_PREFIX } from './floor-jobs.js';
import { ask } from './ipc.js';
import { benchJs, repoRoot } from './paths.js';
import { procMemory } from './proc-memory.js';
import type { Workspace } from './workspace.js';

export interface FleetProcess {
  child: Child;
  count: number;
  /** Milliseconds it took to start all of its clusters. */
  startMs: number;
}

export interface FleetProcesses {
  all: FleetProcess[];
  /** Jobs the raw workers processed so far (IPC, no Redis command). */
  processed(): Promise<number>;
  /** Raw workers: job id → wall-clock ms when its processor began. */
  startedAt(): Promise<Map<string, number>>;
  /** Resident memory of each process, in bytes. */
  rss(): number[];
  stop(): Promise<void>;
}

export async function startFleetProcesses(
  children: Children,
  options: { mode: 'agents' | 'raw'; redisUrl: string; workspace: Workspace; clusters: number; perProcess: number; timeoutMs: number },
): Promise<FleetProcesses> {
  const { mode, redisUrl, clusters, perProcess } = options;
  const env = droverEnv({ redisUrl, workspace: options.workspace, port: 0 });
  const slices = Array.from({ length: Math.ceil(clusters / perProcess) }, (_, p) => ({ first: 1 + p * perProcess, count: Math.min(perProcess, clusters - p * perProcess) }));
  const all: FleetProcess[] = [];
  const stop = async () => {
    await Promise.all(all.map((p) => p.child.stop(20_000)));
  };
  try {
    // One process at a time: each starts its clusters 25 at a time, and two cores are shared with Redis.
    for (const [p, { first, count }] of slices.entries()) {
      const args = mode === 'agents' ? [redisUrl, String(first), String(count)] : [redisUrl, FLOOR_PREFIX, String(first), String(count)];
      const child = children.start(`fleet-${mode}-${p}`, benchJs('processes/fleet-agents.js'), [mode, ...args], { ipc: true, execArgv: [], cwd: repoRoot, env });
      all.push({ child, count, startMs: 0 });
      const ready = await Promise.race([
        ask<{ count: number; ms: number }>(child.process, undefined, 'ready', options.timeoutMs),
        ask<string>(child.process, undefined, 'failed', options.timeoutMs).then((why) => Promise.reject(new Error(`fleet-${mode}-${p} failed to start: ${why}`))),
        child.exited.then((code) => Promise.reject(new Error(`fleet-${mode}-${p} exited (${code}) while starting:\n${child.logTail()}`))),
      ]);
      const entry = all[p];
      if (entry) entry.startMs = ready.ms;
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    all,
    processed: async () => (await Promise.all(all.map((p) => ask<number>(p.child.process, 'count', 'processed', 10_000)))).reduce((a, b) => a + b, 0),
    startedAt: async () => new Map((await Promise.all(all.map((p) => ask<Array<[string, number]>>(p.child.process, 'latencies', 'latencies', 30_000)))).flat()),
    rss: () => all.map((p) => procMemory(p.child.pid)?.rss ?? 0),
    stop,
  };
}
