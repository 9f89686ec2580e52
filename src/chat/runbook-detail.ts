import { formatDuration, parseDuration, type Duration } from '../config/duration.js';
import { approvalPolicy } from '../runbook/approval.js';
import { describeParams } from '../runbook/params.js';
import { chatName } from '../runbook/registry.js';
import type { Runbook } from '../runbook/types.js';
import type { ChannelPolicy } from './channel-policy.js';
import type { RunbookDetail, RunbookSummary } from './types.js';

const show = (d: Duration | undefined) => (d === undefined ? undefined : formatDuration(parseDuration(d) ?? 0));

export function runbookSummary(rb: Runbook): RunbookSummary {
  return { id: rb.id, chatName: chatName(rb) ?? rb.id, summary: rb.summary, risk: rb.risk ?? 'medium', params: describeParams(rb.params) };
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
