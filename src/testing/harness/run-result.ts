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
  /** Sent as a dry run (`dryRun=All`, or in a DELETE's or eviction's options): the API server checked it and changed nothing. */
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
  /** The lines the run reported (ctx.report), in order; for a run that needed approval, once approved. */
  reports: string[];
  /** For a run that needed approval: the lines of the dry run its approvers saw (Drover's own "Planning: ..." first). */
  planReports: string[];
  /** The run's steps as they started and ended; for a run that needed approval, once approved. */
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

const says = (options: unknown): boolean =>
  typeof options === 'object' && options !== null && Array.isArray((options as { dryRun?: unknown }).dryRun) && (options as { dryRun: unknown[] }).dryRun.includes('All');

/**
 * Whether the API server was asked not to persist the request: `?dryRun=All`, or (a
 * DELETE with a body, an eviction) `dryRun: ['All']` in its DeleteOptions, which is
 * where the API server reads it then.
 */
function isDryRun(r: RecordedRequest): boolean {
  return r.query.dryRun === 'All' || says(r.body) || says((r.body as { deleteOptions?: unknown } | undefined)?.deleteOptions);
}

/** The requests the fake received after `since` (the last request before the run, or undefined for all). */
export function writesSince(requests: readonly RecordedRequest[], since: RecordedRequest | undefined): ApiWrite[] {
  const start = since ? requests.lastIndexOf(since) + 1 : 0;
  return requests
    .slice(start)
    .filter((r) => WRITE_METHODS.has(r.method))
    .map((r) => ({
      method: r.method,
      path: r.path,
      dryRun: isDryRun(r),
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
  // A run that needed approval first ran as a dry run for its approvers: what it reported then is its plan's, not the run's.
  const approved = events.findLastIndex((e) => e.type === 'approval' && e.action === 'approved');
  const texts = (from: typeof events) => from.flatMap((e) => (e.type === 'report' ? [e.text] : []));
  const reports = texts(events.slice(approved + 1));
  const planReports = texts(events.slice(0, approved + 1));
  const steps = events
    .slice(approved + 1)
    .flatMap((e): StepRecord[] => (e.type === 'step' ? [{ name: e.step, phase: e.phase, ...(e.error ? { error: e.error } : {}) }] : []));
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
    planReports,
    steps,
    result: record.result,
    ...(record.error ? { error: record.error } : {}),
    ...(record.error?.code === 'runbook_refused' ? { refusal: record.error.message } : {}),
    approvers: record.approval?.approvers.map((a) => a.id) ?? [],
    auditEvents,
    record,
  };
}
