// Submits runs as `drover run` does: the compiled CLI's runtime (config from
// the same environment as the processes under test, the same runbooks) and its
// run queue, in the benchmark's process. No worker: the workers under test run them.
import { droverEnv } from './drover-process.js';
import { repoRoot } from './paths.js';
import type { Workspace } from './workspace.js';
import type { Runtime } from '../../src/cli/runtime.js';

export interface RunStates {
  counts: Record<string, number>;
  errors: string[];
}

export interface Submitter {
  submitAll(runs: Array<{ runbook: string; params: Record<string, unknown> }>, parallel: number): Promise<string[]>;
  /** States of these runs, counted, and the first few distinct errors. */
  states(ids: string[]): Promise<RunStates>;
  close(): Promise<void>;
}

let tsxRegistered = false;

export async function openSubmitter(redisUrl: string, workspace: Workspace): Promise<Submitter> {
  if (!tsxRegistered) {
    // Runbooks are TypeScript, loaded as the compiled Drover loads them.
    const { register } = await import('tsx/esm/api');
    register();
    tsxRegistered = true;
  }
  const { openRuntime } = await import('../../src/cli/runtime.js');
  const rt: Runtime = await openRuntime({ env: droverEnv({ redisUrl, workspace, port: 0 }), cwd: repoRoot }, { withClusters: false, logLevel: 'warn' });
  const { drover } = rt;
  return {
    async submitAll(runs, parallel) {
      const ids: string[] = new Array<string>(runs.length);
      let next = 0;
      await Promise.all(
        Array.from({ length: parallel }, async () => {
          while (next < runs.length) {
            const i = next++;
            const run = runs[i];
            if (!run) continue;
            ids[i] = (await drover.queue.submit({ ...run, requester: { kind: 'cli', id: 'bench@localhost', name: 'bench@localhost' } })).id;
          }
        }),
      );
      return ids;
    },
    async states(ids) {
      const counts: Record<string, number> = {};
      const errors = new Set<string>();
      for (let i = 0; i < ids.length; i += 500) {
        for (const run of await Promise.all(ids.slice(i, i + 500).map((id) => drover.store.get(id)))) {
          const state = run?.state ?? 'missing';
          counts[state] = (counts[state] ?? 0) + 1;
          // The first error of each kind, so that a figure made of failures says why.
          const error = run?.error ? `${state}: ${run.error.code ?? ''} ${run.error.message}`.slice(0, 200) : undefined;
          if (error && errors.size < 3) errors.add(error);
        }
      }
      return { counts, errors: [...errors] };
    },
    close: () => rt.close(),
  };
}
