import { formatDuration, parseDuration, type Duration } from '../config/duration.js';
import { approvalPolicy } from '../runbook/approval.js';
import { catalogueEntry } from '../runbook/catalogue-entry.js';
import type { Runbook } from '../runbook/types.js';
import type { ChannelPolicy } from './channel-policy.js';
import type { RunbookDetail, RunbookSummary } from './types.js';

const show = (d: Duration | undefined) => (d === undefined ? undefined : formatDuration(parseDuration(d) ?? 0));

/** What the catalogue says of a runbook (src/runbook/catalogue-entry.ts), as chat shows it. */
export function runbookSummary(rb: Runbook): RunbookSummary {
  const entry = catalogueEntry(rb);
  const key = entry.concurrencyKey;
  return {
    id: rb.id,
    chatName: entry.chatName ?? rb.id,
    summary: rb.summary,
    risk: rb.risk ?? 'medium',
    params: entry.params,
    approvalText: entry.approval,
    concurrencyKey: key.kind === 'pattern' ? key.key : key.kind === 'runbook' ? `the runbook id (${key.key}): runs on one cluster never overlap` : 'computed from the params',
    alertTriggers: entry.alerts.map((a) => {
      const where = a.matchers.length ? `{${a.matchers.join(', ')}}` : '';
      const mapping = !a.params ? 'params computed by the runbook' : a.params.map((p) => `${p.param} ← ${p.from} ${p.name}`).join(', ') || 'no params';
      return `${a.alertname}${where}: ${mapping}${a.silence ? ' (silenced while the run fixes it)' : ''}`;
    }),
    schedules: entry.schedules,
    ...(entry.chatName ? {} : { hidden: true }),
  };
}

/** Everything chat shows about a runbook, with the defaults that apply spelled out. */
export function runbookDetail(rb: Runbook, channels: ChannelPolicy): RunbookDetail {
  const detail: RunbookDetail = {
    ...runbookSummary(rb),
    alerts: (rb.triggers?.alerts ?? []).map((a) => `${a.alertname}${a.matchers?.length ? `{${a.matchers.join(', ')}}` : ''}`),
    approval: {
      required: approvalPolicy(rb),
      approvers: rb.approval?.approvers ?? 1,
      ...(rb.approval?.timeout !== undefined ? { timeout: show(rb.approval.timeout) } : {}),
    },
    channels: channels.allowed(rb.id) ?? [],
  };
  if (rb.description) detail.description = rb.description;
  if (rb.timeout !== undefined) detail.timeout = show(rb.timeout);
  if (rb.rateLimit) {
    detail.rateLimit = {
      maxRuns: rb.rateLimit.maxRuns,
      window: show(rb.rateLimit.window) as string,
      ...(rb.rateLimit.cooldown !== undefined ? { cooldown: show(rb.rateLimit.cooldown) as string } : {}),
    };
  }
  return detail;
}
