import type { AuditEvent } from './events.js';

export interface AuditFilter {
  /** Only events at or after this time. */
  since?: Date;
  runbook?: string;
  /** The person (or alert) who asked: a Slack user id, `user@host`, an alert fingerprint. */
  user?: string;
  cluster?: string;
}

/**
 * Selects events about matching runs. Step and mutation events do not repeat
 * the runbook, user or cluster, so a run matches through its `run.queued`
 * event and all its events follow.
 */
export function filterEvents(events: AuditEvent[], filter: AuditFilter): AuditEvent[] {
  const byRun = filter.runbook !== undefined || filter.user !== undefined || filter.cluster !== undefined;
  const runs = new Set<string>();
  if (byRun) {
    for (const e of events) {
      if (e.type !== 'run.queued') continue;
      if (filter.runbook !== undefined && e.runbook !== filter.runbook) continue;
      if (filter.user !== undefined && e.actor.id !== filter.user && e.actor.name !== filter.user) continue;
      if (filter.cluster !== undefined && e.cluster !== filter.cluster) continue;
      runs.add(e.runId);
    }
  }
  return events.filter((e) => {
    if (filter.since && Date.parse(e.time) < filter.since.getTime()) return false;
    if (!byRun) return true;
    return 'runId' in e && typeof e.runId === 'string' && runs.has(e.runId);
  });
}

/** One line for a terminal: time, type, and the facts that matter for that type. */
export function describeEvent(e: AuditEvent): string {
  const facts: string[] = [];
  if ('runId' in e && e.runId) facts.push(`run=${e.runId}`);
  switch (e.type) {
    case 'run.queued':
      facts.push(`${e.runbook} on ${e.cluster}${e.dryRun ? ' (dry run)' : ''} by ${e.actor.name ?? e.actor.id}`);
      break;
    case 'run.finished':
      facts.push(`${e.outcome}${e.error ? `: ${e.error.message}` : ''}`);
      break;
    case 'k8s.mutation':
      facts.push(`${e.verb} ${e.kind} ${e.namespace ? `${e.namespace}/` : ''}${e.name} ${e.dryRun ? '(dry run) ' : ''}${e.outcome}${e.status ? ` ${e.status}` : ''}`);
      break;
    case 'run.step.finished':
      facts.push(`${e.step}: ${e.outcome}`);
      break;
    case 'alert.received':
      facts.push(`${e.alertname} ${e.status} → ${e.outcome}${e.reason ? ` (${e.reason})` : ''}`);
      break;
    default:
      break;
  }
  return `${e.time} #${e.seq} ${e.type} ${facts.join(' ')}`.trimEnd();
}
