import { formatDuration } from '../../config/duration.js';
import type { RunRecord, RunState } from '../../jobs/run-record.js';
import type { Requester } from '../../runbook/types.js';
import { escapeFit, escapeMrkdwn, inlineCode } from './mrkdwn.js';

/** One marker per state, read the same in Slack and in a terminal. */
export const STATE_MARKER: Record<RunState, string> = {
  queued: '⏳',
  running: '🔄',
  succeeded: '✅',
  failed: '❌',
  cancelled: '🚫',
  'timed-out': '⌛',
  planning: '📝',
  awaiting_approval: '✋',
  rejected: '⛔',
  expired: '🕰️',
};

export const stateLabel = (state: RunState): string => `${STATE_MARKER[state]} ${state}`;

const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;
const SLACK_CHANNEL = /^[CGD][A-Z0-9]{2,}$/;

/** Who asked, as mrkdwn: a Slack user is mentioned, anyone else named. */
export function requesterMrkdwn(r: Requester): string {
  if (r.kind === 'slack' && SLACK_USER.test(r.id)) return `<@${r.id}>`;
  const who = escapeFit(r.name ?? r.id, 80);
  return r.kind === 'alert' || r.kind === 'system' ? `${r.kind} ${who}` : who;
}

/** A channel id as a Slack channel link; anything else escaped. */
export function channelMrkdwn(id: string): string {
  return SLACK_CHANNEL.test(id) ? `<#${id}>` : escapeMrkdwn(`#${id}`);
}

/** A param value as the user would type it: arrays comma-separated, objects as JSON. */
export function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(valueText).join(',');
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? '';
}

/** Params as `key=value` code spans, each value cut to `maxValue` characters. */
export function paramsMrkdwn(params: Record<string, unknown>, maxValue = 200): string {
  const pairs = Object.entries(params).map(([k, v]) => inlineCode(`${k}=${valueText(v)}`, maxValue + k.length + 3));
  return pairs.length ? pairs.join(' ') : 'none';
}

/** How long a finished run took, or undefined while it has not finished. */
export function runDuration(run: RunRecord): string | undefined {
  if (!run.finishedAt) return undefined;
  const ms = Date.parse(run.finishedAt) - Date.parse(run.startedAt ?? run.createdAt);
  return Number.isFinite(ms) && ms >= 0 ? formatDuration(ms) : undefined;
}

/** `2024-05-01 10:02 UTC`. */
export function absoluteTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `42s ago`, `5m ago`, `3h ago` within a day; the date and time after that. */
export function relativeTime(iso: string, now: Date): string {
  const ms = now.getTime() - Date.parse(iso);
  if (!Number.isFinite(ms) || ms < 0 || ms >= 86_400_000) return absoluteTime(iso);
  if (ms < 60_000) return `${Math.floor(ms / 1000)}s ago`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m ago`;
  return `${Math.floor(ms / 3_600_000)}h ago`;
}
