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
      if (e.type !== 'run.queued' && e.type !== 'run.proposed') continue;
      if (filter.runbook !== undefined && e.runbook !== filter.runbook) continue;
      if (filter.user !== undefined && e.actor.id !== filter.user && e.actor.name !== filter.user) continue;
      if (filter.cluster !== undefined && e.cluster !== filter.cluster) continue;
      runs.add(e.runId);
    }
  }
  return events.filter((e) => {
    if (filter.since && Date.parse(e.time) < filter.since.getTime()) return false;
    if (!byRun) return true;
    // A command names a person only; it matches a filter on the user alone.
    if (e.type === 'command.received') {
      return filter.runbook === undefined && filter.cluster === undefined && (e.actor.id === filter.user || e.actor.name === filter.user);
    }
    // A refusal (or a schedule's fire) is about a runbook and a cluster, and may have no run.
    if (e.type === 'schedule.fired') {
      return (filter.runbook === undefined || e.runbook === filter.runbook) && (filter.user === undefined || e.schedule === filter.user) && (filter.cluster === undefined || e.cluster === filter.cluster);
    }
    if (e.type === 'permission.denied') {
      return (
        (filter.runbook === undefined || e.runbook === filter.runbook) &&
        (filter.user === undefined || e.actor.id === filter.user || e.actor.name === filter.user) &&
        (filter.cluster === undefined || e.cluster === filter.cluster)
      );
    }
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
    case 'run.proposed':
      facts.push(`${e.runbook} on ${e.cluster} by ${e.actor.name ?? e.actor.id}; needs ${e.needed} approval(s)${e.group ? ` from ${e.group}` : ''}`);
      break;
    case 'command.received':
      facts.push(`${e.actor.name ?? e.actor.id} in ${e.channel}: ${[e.verb, ...e.args].join(' ')}`);
      break;
    case 'permission.denied':
      facts.push(`${e.actor.name ?? e.actor.id}: ${e.reason}`);
      break;
    case 'approval.requested':
      facts.push(`plan ${e.planHash.slice(0, 12)}: ${e.changes.length} change(s); expires ${e.expiresAt}`);
      break;
    case 'approval.granted':
      facts.push(`by ${e.actor.name ?? e.actor.id} (${e.approvals}/${e.needed})`);
      break;
    case 'approval.refused':
      facts.push(`${e.actor.name ?? e.actor.id}: ${e.reason}`);
      break;
    case 'approval.rejected':
      facts.push(`by ${e.actor.name ?? e.actor.id}`);
      break;
    case 'approval.expired':
      facts.push(`with ${e.approvals}/${e.needed} approvals`);
      break;
    case 'approval.voided':
      facts.push(`plan ${e.approvedHash.slice(0, 12)} approved, now ${e.currentHash.slice(0, 12)}`);
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
    case 'run.parked':
      facts.push(`waiting for ${e.reason} until ${e.until}`);
      break;
    case 'gitops.stage':
      facts.push(
        `${e.stage} (${e.mode}) ${e.object.kind} ${e.object.namespace ? `${e.object.namespace}/` : ''}${e.object.name} via ${e.owner.tool} ${e.owner.kind} ${e.owner.namespace}/${e.owner.name}${e.fields.length ? `: ${e.fields.join(', ')}` : ''}${e.pullRequest ? ` PR #${e.pullRequest.number}` : ''}${e.commit ? ` ${e.commit.slice(0, 12)}` : ''}${e.by?.length ? ` by ${e.by.join(', ')}` : ''}${e.revision ? ` revision ${e.revision.slice(0, 12)}` : ''}${e.until ? ` until ${e.until}` : ''}${e.detail ? ` (${e.detail})` : ''}`,
      );
      break;
    case 'prometheus.query':
      facts.push(`${e.server} \`${e.query}\` ${e.outcome}${e.series !== undefined ? ` (${e.series} series)` : ''}${e.errorCode ? ` ${e.errorCode}` : ''}`);
      break;
    case 'http.request':
      facts.push(`${e.method} ${e.host}${e.path} ${e.outcome}${e.status !== undefined ? ` ${e.status}` : ''}${e.dryRun && !e.sent ? ' (dry run: not sent)' : ''}${e.errorCode ? ` ${e.errorCode}` : ''}`);
      break;
    case 'schedule.fired':
      facts.push(`${e.schedule} on ${e.cluster} due ${e.scheduledAt} → ${e.outcome}${e.missedFires ? ` (${e.missedFires} missed fire(s))` : ''}${e.reason ? ` (${e.reason})` : ''}`);
      break;
    case 'alert.received':
      facts.push(`${e.alertname || `alert ${e.fingerprint}`} ${e.status} → ${e.outcome}${e.reason ? ` (${e.reason})` : ''}`);
      break;
    case 'rollout.proposed':
      facts.push(
        `rollout=${e.rolloutId} ${e.runbook}${e.dryRun ? ' (dry run)' : ''} on ${e.clusters.length} cluster(s) matching ${e.selector} by ${e.actor.name ?? e.actor.id}; batches of ${e.batchSize}, stop after ${e.maxFailures} failure(s)${e.needed ? `; needs ${e.needed} approval(s)` : ''}`,
      );
      break;
    case 'rollout.approved':
      facts.push(`rollout=${e.rolloutId} by ${e.actor.name ?? e.actor.id} (${e.approvals}/${e.needed})`);
      break;
    case 'rollout.refused':
      facts.push(`${e.rolloutId ? `rollout=${e.rolloutId}` : e.runbook} ${e.actor.name ?? e.actor.id}: ${e.reason}`);
      break;
    case 'rollout.batch.started':
      facts.push(`rollout=${e.rolloutId} batch ${e.batch}/${e.batches}: ${e.clusters.length} cluster(s)`);
      break;
    case 'rollout.paused':
      facts.push(`rollout=${e.rolloutId}: ${e.reason}`);
      break;
    case 'rollout.resumed':
      facts.push(`rollout=${e.rolloutId} by ${e.actor.name ?? e.actor.id}`);
      break;
    case 'rollout.finished':
      facts.push(`rollout=${e.rolloutId} ${e.outcome}: ${e.succeeded} succeeded, ${e.failed} failed, ${e.skipped} skipped`);
      break;
    default:
      break;
  }
  return `${e.time} #${e.seq} ${e.type} ${facts.join(' ')}`.trimEnd();
}
