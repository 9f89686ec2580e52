import type { PlannedChange } from '../k8s/types.js';
import { formatDuration } from '../config/duration.js';
import type { RunRecord, StoredRunEvent } from '../jobs/run-record.js';
import { approvalLine } from '../approvals/approval-text.js';
import type { Redactor, SafeText } from '../redact/redactor.js';

/** The terminal (stdout and stderr): it takes redacted text only. */
export interface Output {
  out(line: SafeText): void;
  err(line: SafeText): void;
}

/** What commands print with: every line goes through the redactor on its way to the terminal. */
export interface Printer {
  out(line: string): void;
  err(line: string): void;
}

/**
 * Controls other than newline and tab: what a terminal would act on (colours,
 * a title, an OSC 8 link, a cleared screen). Lines carry what agents and
 * alerts wrote (run records, heartbeats), so none reaches the terminal.
 */
// eslint-disable-next-line no-control-regex -- the controls are what it removes
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function printer(output: Output, redactor: Redactor): Printer {
  const printable = (line: string) => redactor.text(line.replace(CONTROLS, ''));
  return { out: (line) => output.out(printable(line)), err: (line) => output.err(printable(line)) };
}

/** Exit codes of `drover run --wait` and friends. */
export const EXIT = { ok: 0, failed: 1, usage: 2, cancelled: 3, timedOut: 4, unavailable: 5, notApproved: 6, denied: 7 } as const;

export function exitCodeFor(run: RunRecord): number {
  switch (run.state) {
    case 'succeeded':
      return EXIT.ok;
    case 'cancelled':
      return EXIT.cancelled;
    case 'timed-out':
      return EXIT.timedOut;
    case 'rejected':
    case 'expired':
      return EXIT.notApproved;
    default:
      return EXIT.failed;
  }
}

export function formatChange(change: PlannedChange): string {
  const head = `${change.dryRun ? '[dry run] ' : ''}${change.summary}`;
  const diff = change.diff.trim();
  return diff ? `${head}\n${diff.split('\n').map((l) => `      ${l}`).join('\n')}` : head;
}

export function formatEvent(event: StoredRunEvent): string | undefined {
  switch (event.type) {
    case 'state':
      return event.state === 'running' ? '  running' : undefined;
    case 'step':
      switch (event.phase) {
        case 'started':
          return `  → ${event.step}`;
        case 'succeeded':
          return `  ✓ ${event.step} (${formatDuration(event.durationMs ?? 0)})`;
        case 'failed':
          return `  ✗ ${event.step}: ${event.error?.message ?? 'failed'}`;
        case 'replayed':
          return `  ↺ ${event.step} (completed earlier; not repeated)`;
        case 'skipped':
          return `  - ${event.step} (skipped in dry run)`;
      }
      return undefined;
    case 'report':
      return `  » ${event.text}`;
    case 'change':
      return `    ${formatChange(event.change)}`;
    case 'retry':
      return `  attempt ${event.attempt} failed (${event.error.message}); retrying in ${formatDuration(event.delayMs)}`;
    case 'waiting':
      return `  waiting: run ${event.heldBy} is acting on ${event.concurrencyKey}`;
    case 'approval':
      return `  ${approvalLine(event)}`;
  }
}

export function formatRunSummary(run: RunRecord): string {
  const took =
    run.finishedAt && (run.startedAt ?? run.createdAt)
      ? ` in ${formatDuration(Date.parse(run.finishedAt) - Date.parse(run.startedAt ?? run.createdAt))}`
      : '';
  const error = run.error ? `: ${run.error.message}` : '';
  return `Run ${run.id} ${run.state}${took}${error}`;
}

/** `pack drover@local, content 3f9a0c1d2e4b`: which code a run used (the full hash is in the audit log). */
export function formatPack(pack: NonNullable<RunRecord['pack']>): string {
  const version = /^[0-9a-f]{40}$/.test(pack.version) ? pack.version.slice(0, 12) : pack.version;
  return `pack ${pack.name}@${version}, content ${pack.hash.slice(0, 12)}`;
}

export function formatRun(run: RunRecord, plan: PlannedChange[]): string {
  const lines = [
    `Run:        ${run.id}`,
    `Runbook:    ${run.runbook}${run.pack ? ` (${formatPack(run.pack)})` : ''}`,
    `Cluster:    ${run.cluster}${run.dryRun ? ' (dry run)' : ''}`,
    `Params:     ${Object.entries(run.params).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ') || '-'}`,
    `Requester:  ${run.requester.name ?? run.requester.id} (${run.requester.kind})`,
    `State:      ${run.state}${run.error ? ` (${run.error.code}: ${run.error.message})` : ''}`,
    `Created:    ${run.createdAt}`,
  ];
  if (run.approval) {
    const a = run.approval;
    const by = a.approvers.map((r) => r.name ?? r.id).join(', ') || 'nobody yet';
    lines.push(`Approval:   ${a.approvers.length}/${a.needed} from ${a.group ?? 'someone allowed to run it'} (${a.reason}); approved by ${by}`);
    if (a.rejectedBy) lines.push(`Rejected:   by ${a.rejectedBy.name ?? a.rejectedBy.id}`);
    if (a.expiresAt && run.state === 'awaiting_approval') lines.push(`Expires:    ${a.expiresAt}`);
    if (a.hash) lines.push(`Plan hash:  ${a.hash.slice(0, 12)} (approvals are bound to this plan)`);
  }
  // A run waiting outside Drover (a pull request's review, a reconciler's sync): what for, and when it looks again.
  if (run.state === 'running' && run.parkedUntil && run.parkedReason) lines.push(`Waiting:    for ${run.parkedReason} (next look ${run.parkedUntil})`);
  if (run.finishedAt) lines.push(`Finished:   ${run.finishedAt}`);
  if (run.attempts > 1) lines.push(`Attempts:   ${run.attempts}`);
  if (plan.length) {
    lines.push(run.dryRun ? 'Plan:' : 'Changes:');
    for (const change of plan) lines.push(`  ${formatChange(change)}`);
  }
  return lines.join('\n');
}
