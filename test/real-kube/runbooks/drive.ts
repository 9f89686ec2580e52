/**
 * Runs shipped runbooks through the whole Drover pipeline against the real
 * API server: the policy gate, the queue, the BullMQ worker, the runbook,
 * Drover's Kubernetes layer. A run that needs approval is planned (a dry
 * run), held, and approved by someone other than the requester, as people do.
 */
import { isTerminal, type RunRecord } from '../../../src/jobs/run-record.js';
import type { PlannedChange } from '../../../src/k8s/types.js';
import type { Requester } from '../../../src/runbook/types.js';
import { buildDroverOn, type BuildDroverOptions, type ClusterDrover } from '../../support/test-drover.js';
import { waitFor } from '../../support/wait-for.js';
import type { RealKube } from '../cluster.js';

export const REQUESTER: Requester = { kind: 'slack', id: 'U0ALICE', name: 'alice' };
export const APPROVER: Requester = { kind: 'slack', id: 'U0BOB', name: 'bob' };

const RUN_WAIT_MS = 45_000;

export interface Driven {
  run: RunRecord;
  /** What the run was planned to do: the proposal's plan when it was held, a dry run's own changes, else undefined. */
  plan: PlannedChange[] | undefined;
  /** What the run itself recorded (dry-run changes in a dry run). */
  changes: PlannedChange[];
  reports: string[];
  /** Whether it was held for approval (and approved by APPROVER). */
  approved: boolean;
}

export interface DriveOptions {
  dryRun: boolean;
  /** Called while the run is held for approval, after its plan (a dry run) is shown. */
  whileHeld?: (held: RunRecord) => Promise<void>;
}

/**
 * A Drover for this file on the real server, as admin unless another token
 * is given. Call it in a describe nested under useRealKube, so it closes
 * before the control plane stops.
 */
export function useDrover(kube: () => RealKube, options: { token?: string; configure?: BuildDroverOptions['configure'] } = {}): () => ClusterDrover {
  let built: ClusterDrover | undefined;
  beforeAll(async () => {
    const k = kube();
    built = await buildDroverOn(
      { server: k.url, kubeConfig: k.kubeConfig(options.token), source: 'kubeconfig' },
      options.configure ? { configure: options.configure } : {},
    );
    await built.drover.startWorker({ concurrency: 2 });
  }, 30_000);
  afterAll(async () => {
    await built?.close();
  }, 30_000);
  return () => {
    if (!built) throw new Error('Drover did not start (see beforeAll)');
    return built;
  };
}

async function terminal(t: ClusterDrover, id: string, what: string): Promise<RunRecord> {
  return waitFor(async () => {
    const r = await t.drover.store.get(id);
    return r && isTerminal(r.state) ? r : undefined;
  }, what, RUN_WAIT_MS);
}

/** Submits a run as REQUESTER, approves it as APPROVER if it is held, and waits for its end. */
export async function drive(t: ClusterDrover, runbook: string, params: Record<string, unknown>, options: DriveOptions): Promise<Driven> {
  const what = `${runbook}${options.dryRun ? ' (dry run)' : ''}`;
  const submitted = await t.drover.gate.submit({ runbook, params, requester: REQUESTER, dryRun: options.dryRun, cluster: 'test' });
  let approved = false;
  let run: RunRecord;
  if (submitted.state === 'planning') {
    const held = await waitFor(async () => {
      const r = await t.drover.store.get(submitted.id);
      return r && (r.state === 'awaiting_approval' || isTerminal(r.state)) ? r : undefined;
    }, `the plan of ${what}`, RUN_WAIT_MS);
    if (held.state !== 'awaiting_approval') {
      run = held;
    } else {
      await options.whileHeld?.(held);
      const outcome = await t.drover.approvals.approve(held.id, APPROVER, held.approval?.hash ?? '');
      if (outcome.kind !== 'approved') throw new Error(`${what}: approval answered ${outcome.kind}`);
      approved = true;
      run = await terminal(t, held.id, what);
    }
  } else {
    run = await terminal(t, submitted.id, what);
  }
  const changes = await t.drover.store.changes(run.id);
  const plan = submitted.state === 'planning' ? await t.drover.store.plan(run.id) : options.dryRun ? changes : undefined;
  // The runbook's own reports, not Drover's announcement that a proposal is being planned.
  const reports = (await t.drover.store.events(run.id)).flatMap((e) => (e.type === 'report' && !e.text.startsWith('Planning: ') ? [e.text] : []));
  return { run, plan, changes, reports, approved };
}
