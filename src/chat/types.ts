import type { KnownBlock, ModalView } from '@slack/types';
import type { ParamInfo } from '../runbook/params.js';
import type { Risk } from '../runbook/types.js';

/** A chat message: Block Kit blocks plus the plain-text fallback Slack shows in notifications. */
export interface ChatMessage {
  text: string;
  blocks?: KnownBlock[];
}

export type { ModalView };

/** What chat shows about a runbook. */
export interface RunbookSummary {
  id: string;
  /** Name used in `/drover run <name>`. */
  chatName: string;
  summary: string;
  risk: Risk;
  params: ParamInfo[];
  /** As the catalogue says it: `not required`, `always, 1 approver, expires after 30m`. */
  approvalText: string;
  /** `deployment/<namespace>/<deployment>`, `the runbook id (cordon-node)` or `computed from the params`. */
  concurrencyKey: string;
  /** Each alert rule with where its params come from: `KubeHpaMaxedOut: namespace ← label namespace`. */
  alertTriggers: string[];
  /** Each schedule: its name, cron and time zone. */
  schedules: { name: string; cron: string; timeZone: string }[];
  /** Hidden from chat (CLI and alerts only). */
  hidden?: boolean;
}

export interface RunbookDetail extends RunbookSummary {
  description?: string;
  timeout?: string;
  /** Alert rules that trigger it, as text: `KubePodCrashLooping{namespace!="kube-system"}`. */
  alerts: string[];
  approval: { required: 'always' | 'never' | 'unless-dry-run'; approvers: number; timeout?: string };
  rateLimit?: { maxRuns: number; window: string; cooldown?: string };
  /** Channels it is restricted to (ids), empty when it may run anywhere. */
  channels: string[];
}

/** One problem with one parameter, for inline errors in a modal. */
export interface ParamProblem {
  /** The parameter (or `cluster`), or undefined for a problem with the whole request. */
  param?: string;
  message: string;
}

/** Action and view ids shared by the message builders and the Slack handlers. */
export const IDS = {
  cancelAction: 'drover_cancel',
  approveAction: 'drover_approve',
  rejectAction: 'drover_reject',
  runModal: 'drover_run',
  clusterBlock: 'drover_cluster',
  dryRunBlock: 'drover_dry_run',
  /** Block id of a parameter's input: `param:<name>`. */
  paramBlock: (name: string) => `param:${name}`,
  /** Action id inside every input block. */
  inputAction: 'value',
} as const;
