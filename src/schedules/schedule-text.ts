import { formatDuration } from '../config/duration.js';
import { localTime } from './cron.js';
import type { ScheduleClusterStatus, ScheduleStatus } from './schedules.js';

const POLICY: Record<ScheduleClusterStatus['policy']['decision'], string> = {
  allowed: 'policy allows it',
  approval_required: 'policy allows it with approval',
  denied: 'POLICY DENIES IT: each fire is refused and audited',
};

/** `key=value` words, as the CLI and chat take them. */
export function paramsText(params: Record<string, unknown>): string {
  const words = Object.entries(params).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return words.join(' ') || 'none';
}

/** One line per cluster: the policy's word on it, the last fire and the last run. */
export function clusterLine(c: ScheduleClusterStatus, timeZone: string): string {
  const parts = [`cluster ${c.cluster}: ${POLICY[c.policy.decision]}`];
  if (c.policy.decision === 'denied') parts.push(c.policy.reason.replace(/\.$/, ''));
  const fire = c.lastFire;
  if (!fire) parts.push('never fired');
  else {
    const run = fire.runId ? ` run ${fire.runId}` : '';
    parts.push(`last fire ${localTime(new Date(fire.scheduledAt), timeZone)} → ${fire.outcome}${run}${fire.reason && fire.outcome !== 'queued' ? ` (${fire.reason.replace(/\.$/, '')})` : ''}`);
  }
  if (c.lastRun) parts.push(`last run ${c.lastRun.id}: ${c.lastRun.state}${c.lastRun.finishedAt ? ` at ${localTime(new Date(c.lastRun.finishedAt), timeZone)}` : ''}`);
  return parts.join('; ');
}

/** A schedule as lines of plain text: `drover schedules`. */
export function scheduleLines(s: ScheduleStatus): string[] {
  return [
    `${s.id}  ${s.cron} (${s.timeZone})  next: ${s.nextLocal ?? 'none'}${s.registered ? '' : ' (not registered yet: no serving process has started since it was added)'}`,
    `  params: ${paramsText(s.params)}; missed fires run if at most ${formatDuration(s.catchUpMs)} late`,
    ...s.clusters.map((c) => `  ${clusterLine(c, s.timeZone)}`),
  ];
}
