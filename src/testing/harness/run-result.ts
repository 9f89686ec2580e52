import type { AuditEvent } from '../../audit/events.js';
import type { RunRecord, RunState } from '../../jobs/run-record.js';
import type { RunStore } from '../../jobs/run-store.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { PlannedChange } from '../../k8s/types.js';
import type { RecordedRequest } from '../k8s-fake/index.js';

/** A request that changed (or, with dryRun, would have changed) something on the sandbox API server. */
export interface ApiWrite {
  method: string;
  /** Without the query string: `/apis/apps/v1/namespaces/demo/deployments/web`. */
  path: string;
  /** Sent with `dryRun=All`: the API server checked it and changed nothing. */
  dryRun: boolean;
  /** The HTTP status the API server answered. */
  status: number;
  query: Record<string, string>;
  /** The request body (JSON, or the YAML of a server-side apply), if any. */
  body?: unknown;
}

/** One step of a run, as it was reported. */
export interface StepRecord {
  name: string;
  phase: 'started' | 'succeeded' | 'failed' | 'replayed' | 'skipped';
  error?: { code: string; message: string };
}

/** A finished run (or one left awaiting approval), as the harness saw it. */
export interface HarnessRun {
  id: string;
  runbook: string;
  /** The run's final state: `succeeded`, `failed` (a refusal too: see `refusal`), `cancelled`, `timed-out`, `rejected`, `expired`, or `awaiting_approval` when not approved. */
  status: RunState;
  dryRun: boolean;
  /** The params as the run received them (parsed: defaults filled in). */
  params: Record<string, unknown>;
  /**
   * What the run would change: a dry run's changes; for a real run, the plan its
   * approvers saw when it needed approval, else the changes it made.
   */
  plan: PlannedChange[];
  /** The changes the run itself recorded (planned in a dry run, made in a real one). */
  changes: PlannedChange[];
  /** What reached the API server while the run (and its plan) ran: every POST, PUT, PATCH and DELETE, in order. */
  writes: ApiWrite[];
  /** The lines the run reported (ctx.report), in order. */
  reports: string[];
  steps: StepRecord[];
  /** What `run()` returned. */
  result: unknown;
  error?: { code: string; message: string };
  /** The message of a RunbookRefusal (error code `runbook_refused`). */
  refusal?: string;
  /** Who approved it, when it needed approval. */
  approvers: string[];
  /** The audit events of this run, oldest first. */
  auditEvents: AuditEvent[];
  /** The stored run record, for anything not above. */
  record: RunRecord;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The requests the fake received after `since` (the last request before the run, or undefined for all). */
export function writesSince(requests: readonly RecordedRequest[], since: RecordedRequest | undefined): ApiWrite[] {
  const start = since ? requests.lastIndexOf(since) + 1 : 0;
  return requests
    .slice(start)
    .filter((r) => WRITE_METHODS.has(r.method))
    .map((r) => ({
      method: r.method,
      path: r.path,
      dryRun: r.query.dryRun === 'All',
      status: r.status,
      query: r.query,
      ...(r.body !== undefined ? { body: r.body } : {}),
    }));
}

/** Everything the harness answers about a run, read from where Drover keeps it. */
export async function collectRun(deps: { store: RunStore; audit: AuditLog }, record: RunRecord, writes: ApiWrite[]): Promise<HarnessRun> {
  const [events, changes, proposed, auditEvents] = await Promise.all([
    deps.store.events(record.id),
    deps.store.changes(record.id),
    record.approval ? deps.store.plan(record.id) : Promise.resolve([]),
    deps.audit.forRun(record.id),
  ]);
  const reports = events.flatMap((e) => (e.type === 'report' ? [e.text] : []));
  const steps = events.flatMap((e): StepRecord[] => (e.type === 'step' ? [{ name: e.step, phase: e.phase, ...(e.error ? { error: e.error } : {}) }] : []));
  const plan = record.dryRun ? changes : record.approval ? proposed : changes;
  return {
    id: record.id,
    runbook: record.runbook,
    status: record.state,
    dryRun: record.dryRun,
    params: record.params,
    plan,
    changes,
    writes,
    reports,
    steps,
    result: record.result,
    ...(record.error ? { error: record.error } : {}),
    ...(record.error?.code === 'runbook_refused' ? { refusal: record.error.message } : {}),
    approvers: record.approval?.approvers.map((a) => a.id) ?? [],
    auditEvents,
    record,
  };
}
