import type { Redis } from 'ioredis';
import type { Presence } from '../jobs/presence.js';
import { isAgentRun } from '../fleet/names.js';
import { isTerminal, type RunRecord, type StoredRunEvent } from '../jobs/run-record.js';
import type { RunStore } from '../jobs/run-store.js';
import { formatEvent, type Printer } from './output.js';

/**
 * Prints a run's events as they happen until it ends; returns the final record.
 * Uses its own blocking connection so the shared one stays free.
 */
export async function followRun(
  runId: string,
  deps: { store: RunStore; presence: Presence; blocking: Redis; output: Printer; noWorkerHintMs?: number; agentLive?: (cluster: string) => Promise<boolean> },
): Promise<RunRecord> {
  const { store, output } = deps;
  let after = '0';
  const started = Date.now();
  let hinted = false;
  const print = (events: StoredRunEvent[]) => {
    for (const event of events) {
      after = event.id;
      const line = formatEvent(event);
      if (line) output.out(line);
    }
  };
  for (;;) {
    print(await store.events(runId, after, 1000, deps.blocking));
    const run = await store.get(runId);
    if (!run) throw new Error(`run ${runId} disappeared`);
    if (isTerminal(run.state)) {
      // The terminal state is written before its last events; drain them.
      print(await store.events(runId, after));
      return run;
    }
    if (!hinted && run.state === 'queued' && Date.now() - started > (deps.noWorkerHintMs ?? 5000)) {
      hinted = true;
      if (isAgentRun(run)) {
        if (deps.agentLive && !(await deps.agentLive(run.cluster))) output.err(`  (no agent of cluster ${run.cluster} is live: \`drover clusters\` shows when it was last seen)`);
      } else if ((await deps.presence.workers()).length === 0) {
        output.err('  (no worker is running: start one with `drover worker`, or run everything with `npm start`)');
      }
    }
  }
}
